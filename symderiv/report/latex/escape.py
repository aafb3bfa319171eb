"""Spec text as LaTeX text: special characters quoted, math symbols in math mode, CJK found.

Every text that comes from a spec (titles, sources, ids, `by`, messages) goes through `escape`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from symderiv.load import latex_names

_SPECIAL: Mapping[str, str] = MappingProxyType({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\textunderscore{}", "%": r"\%",
    "&": r"\&",
    "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
})
#: Punctuation xeCJK would set as full-width CJK punctuation: TeX's own ligatures instead.
_PUNCTUATION: Mapping[str, str] = MappingProxyType(
    {"—": "---", "–": "--", "“": "``", "”": "''", "‘": "`", "’": "'"})
#: Symbols Latin Modern has no glyph for in text: typeset them in math.
_MATH_CHARACTERS: Mapping[str, str] = MappingProxyType({
    "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "∈": r"\in", "∉": r"\notin", "−": "-",
    "×": r"\times", "·": r"\cdot", "→": r"\to", "←": r"\leftarrow", "⇒": r"\Rightarrow",
    "∂": r"\partial", "∑": r"\sum", "∏": r"\prod", "√": r"\surd", "∞": r"\infty",
    "≈": r"\approx", "±": r"\pm", "∀": r"\forall", "∃": r"\exists", "ℝ": r"\mathbb{R}",
    "⊤": r"\top", "∘": r"\circ", "…": r"\dots", "′": r"\prime", "∇": r"\nabla",
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta",
    "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi",
    "Ω": r"\Omega",
})
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def escape(text: str) -> str:
    """Spec text as LaTeX text: special characters quoted, math symbols in math mode.

    Letters of any script stay as they are (xeCJK typesets CJK); control characters
    become spaces, so no input can break the document.
    """
    out = []
    for character in text:
        if character in _SPECIAL:
            out.append(_SPECIAL[character])
        elif character in _PUNCTUATION:
            out.append("{" + _PUNCTUATION[character] + "}")
        elif character in _MATH_CHARACTERS:
            out.append(rf"\ensuremath{{{_MATH_CHARACTERS[character]}}}")
        elif character in "\n\t\r" or ord(character) < 32 or ord(character) == 127:
            out.append(" ")
        else:
            out.append(character)
    return "".join(out)


def with_math(text: str) -> str:
    """Spec text (a derivation step's `by`) whose `$...$` parts are typeset as math.

    A part is math only if it is in the LaTeX subset a `latex:` name may use
    (`load/latex_names.py`: no command that reads, writes or redefines anything); any other
    part, and an unpaired `$`, is escaped text like the rest, dollars shown.
    """
    pieces = text.split("$")
    if len(pieces) < 3:
        return escape(text)
    out = []
    for number, piece in enumerate(pieces):
        inside = number % 2 == 1 and number < len(pieces) - 1
        if inside and latex_names.problem(piece) is None:
            out.append(f"${piece}$")
        elif inside:
            out.append(escape(f"${piece}$"))
        else:
            out.append(escape(piece))
    if len(pieces) % 2 == 0:  # an odd number of dollars: the last one opened nothing
        out[-1] = escape("$" + pieces[-1])
    return "".join(out)


def code(text: str) -> str:
    """Text shown verbatim in typewriter type (safe in arguments, unlike \\verb)."""
    return r"\texttt{" + escape(text).replace("-", "-{}").replace(" ", r"\ ") + "}"


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None
