"""The `latex:` of a symbol or a definition: the LaTeX subset a name may be written in.

The report pastes a `latex:` value into its math as it is, so the value may hold only letters,
digits, spaces, a little punctuation, balanced braces, sub- and superscripts and the commands
below. Everything else (`\\input`, `\\write`, `\\catcode`, `\\def`, `\\csname`, `^^5c`, `%`, `$`,
`&`, `#`, any other command) is refused: a spec must never make TeX read a file, write one or
change how it reads the rest of the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symderiv import limits

GREEK = frozenset((
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa "
    "lambda mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split())
#: Letter-like symbols that take no argument.
SYMBOLS = frozenset("ell imath jmath hbar nabla partial infty prime top star ast dagger".split())
#: Accents over (or under) one argument.
ACCENTS = frozenset(("hat widehat bar overline tilde widetilde vec dot ddot check breve "
                     "acute grave mathring underline").split())
#: Type styles of one argument.
FONTS = frozenset(("mathbf boldsymbol mathrm mathit mathsf mathtt mathcal mathbb mathfrak "
                   "operatorname").split())
#: The commands that take one argument, and every command a `latex:` value may use.
WITH_ARGUMENT = ACCENTS | FONTS
COMMANDS = GREEK | SYMBOLS | WITH_ARGUMENT
#: Characters that stand for themselves in math, besides ASCII letters and digits.
PUNCTUATION = frozenset(" '()[],.;:!?+-*/|<>=")

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.?|\^\^|.", re.DOTALL)
_SINGLE = re.compile(r"[A-Za-z0-9]\Z")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a `latex:` value is refused: the offset of the offending character, a message that
    follows "the latex of symbol x: ", and the error's code."""

    offset: int
    message: str
    code: str = "latex"


def problem(text: str) -> Problem | None:
    """The first reason `text` is not in the accepted subset, or None if it is."""
    active = limits.active()
    if not text.strip():
        return Problem(0, "the value is empty")
    if len(text) > active.max_formula_length:
        return Problem(0, f"the value has more than {active.max_formula_length} "
                          "characters (--limit max_formula_length=...)", "limit")
    opened: list[int] = []
    waiting: tuple[int, str] | None = None  # a command or script still owed its argument
    for match in _TOKEN.finditer(text):
        offset, token = match.start(), match.group()
        refused = _refused(token)
        if refused is not None:
            return Problem(offset, refused)
        if waiting is not None and token != " ":
            if not _is_argument(token):
                return _no_argument(*waiting)
            waiting = None
        if token == "{":
            opened.append(offset)
            if len(opened) > active.max_nesting:
                return Problem(offset, f"the value nests more than {active.max_nesting} groups "
                                       "(--limit max_nesting=...)", "limit")
        elif token == "}":
            if not opened:
                return Problem(offset, "'}' closes no group")
            opened.pop()
        elif token in ("_", "^"):
            waiting = (offset, f"'{token}'")
        elif token[1:] in WITH_ARGUMENT and token.startswith("\\"):
            waiting = (offset, token)
    if waiting is not None:
        return _no_argument(*waiting)
    if opened:
        return Problem(opened[-1], "'{' is never closed")
    return None


def _refused(token: str) -> str | None:
    """Why one token is refused, or None."""
    if token.startswith("\\") and len(token) > 1 and token[1:2].isalpha():
        if token[1:] in COMMANDS:
            return None
        return (f"{token} is not an accepted command (accepted: Greek letters, accents such "
                "as \\hat and \\bar, fonts such as \\mathbf and \\boldsymbol; see the README)")
    if token.startswith("\\"):
        return f"'{token}' is not an accepted command"
    if token == "^^":
        return "'^^' is not accepted (TeX reads it as a character code)"
    if _SINGLE.match(token) or token in PUNCTUATION or token in "{}_^":
        return None
    return f"the character {token!r} is not accepted in a LaTeX name"


def _no_argument(offset: int, what: str) -> Problem:
    return Problem(offset, f"{what} needs an argument (a letter, a digit, a Greek letter or a "
                           "{group})")


def _is_argument(token: str) -> bool:
    """A token that can follow an accent, a font or a script: `{`, one letter or digit, or a
    command without argument of its own (`\\hat\\alpha`)."""
    return token == "{" or _SINGLE.match(token) is not None or token[1:] in GREEK | SYMBOLS
