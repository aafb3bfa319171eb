"""Find the formulas in course material (Markdown or LaTeX) and draft a spec from them.

`extract(path, text)` finds display math (`$$…$$`, `\\[…\\]`, `equation`/`align`
environments, `\\left[\\begin{matrix}…` blocks) and inline math (`$…$`, `\\(…\\)`) with the
line each starts on, keeps the ones that look like equations, infers the names they use and
counts the images (`![…](…png)`) that may hold formulas no tool can read. `skeleton` writes a
spec for the author to complete: one claim per equation as `tex:`, every guess marked TODO.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from symderiv.errors import FormulaError
from symderiv.language.latex.structure import structure as tex_structure


@dataclass(frozen=True, slots=True)
class Found:
    """One formula: its LaTeX, the 1-based line it starts on, and how it was written."""

    line: int
    tex: str
    kind: str  # inline, display, matrix
    equation: bool
    note: str = ""  # why it is not a claim, or what could not be read


@dataclass(frozen=True, slots=True)
class Inferred:
    sizes: tuple[str, ...]
    indices: tuple[str, ...]
    symbols: tuple[tuple[str, int, str], ...]  # name, number of indices, an example use


@dataclass(frozen=True, slots=True)
class Extraction:
    path: str
    formulas: tuple[Found, ...]
    images: tuple[int, ...]  # lines of images that may hold formulas
    inferred: Inferred

    @property
    def equations(self) -> tuple[Found, ...]:
        return tuple(f for f in self.formulas if f.equation)


_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\.(?:png|jpe?g|gif|svg|webp|bmp)\s*\)"
                    r"|<img\b[^>\n]*>", re.I)
_DISPLAY = re.compile(
    r"\$\$(?P<dollars>.+?)\$\$"
    r"|\\\[(?P<brackets>.+?)\\\]"
    r"|\\begin\{(?P<env>equation|align|gather|multline|eqnarray|displaymath)\*?\}"
    r"(?P<body>.+?)\\end\{(?P=env)\*?\}", re.S)
#: `$…$` as pandoc reads it: no space just inside either `$`, and no digit right after the
#: closing one, so "costs $5 and $6" is prose, not the formula "5 and ".
_INLINE = re.compile(r"(?<![\\$])\$(?![$\s])(?P<dollar>[^$\n]*?[^\s$\\])\$(?![$\d])"
                     r"|\\\((?P<paren>.+?)\\\)", re.S)
#: Environments that only arrange rows inside display math: their markers are not formulas.
_ROWS = re.compile(r"\\(?:begin|end)\{(?:aligned|alignedat|gathered|split|array)\*?\}"
                   r"(?:\{[^{}]*\})?")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MATRIX = re.compile(r"\\begin\{[pbvBV]?matrix\}")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _mask(text: str, markdown: bool) -> str:
    """`text` with code (Markdown) or comments (LaTeX) and blockquote markers blanked, so
    offsets, and with them line numbers, stay those of the file."""
    if markdown:  # HTML comments, blanked with their line breaks kept
        text = _HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    for line in lines:
        if markdown and _FENCE.match(line):
            fenced = not fenced
            out.append(" " * len(line))
            continue
        if fenced:
            out.append(" " * len(line))
            continue
        # an indented code block: four spaces or a tab after a blank line or more code
        # (CommonMark; it cannot interrupt a paragraph)
        if markdown and re.match(r"( {4}|\t)", line) and line.strip() and \
                (not out or not out[-1].strip()):
            out.append(" " * len(line))
            continue
        if markdown:
            quote = re.match(r"\s*(>\s?)+", line)
            if quote:
                line = " " * quote.end() + line[quote.end():]
            line = _CODE_SPAN.sub(lambda m: " " * len(m.group()), line)
        else:
            comment = re.search(r"(?<!\\)%", line)
            if comment:
                line = line[:comment.start()] + " " * (len(line) - comment.start())
        out.append(line)
    return "\n".join(out)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _top_level_equals(tex: str) -> bool:
    """An '=' outside every bracket (so 1(i=j) alone is not an equation), not in '\\not='."""
    depth = 0
    for offset, char in enumerate(tex):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "=" and depth == 0:
            before = tex[:offset].rstrip()
            if not before.endswith(("\\not", "<", ">", "!")) and not tex[offset + 1:].startswith(
                    ("=",)):
                return True
    return False


def _classify(line: int, tex: str, kind: str) -> Found:
    text = " ".join(tex.split())
    if kind == "matrix":
        return Found(line, text, kind, False, "a matrix written out entry by entry")
    if _CJK.search(text):
        return Found(line, text, kind, False, "prose inside the math")
    sides = [s.strip() for s in re.split(r"\\not\s*=|\\neq?(?![A-Za-z])|=", text)]
    if len(sides) == 2 and all(re.fullmatch(r"[A-Za-z]", s) for s in sides):
        return Found(line, text, kind, False, "a condition on indices (a `where:`)")
    if not _top_level_equals(text):
        return Found(line, text, kind, False, "not an equation")
    note = ""
    try:
        tex_structure(text)
    except FormulaError as error:
        note = f"cannot be read as written: {error.message}"
    return Found(line, text, kind, True, note)


def _split_display(body: str, start: int) -> list[tuple[int, str]]:
    """A display block as (offset, piece): one piece per `\\\\`-separated line, except inside
    a matrix, which stays whole."""
    if _MATRIX.search(body):
        return [(start, body)]
    body = _ROWS.sub(lambda m: " " * len(m.group()), body)  # same length: offsets stay
    pieces = []
    offset = 0
    for part in re.split(r"(\\\\)", body):
        if part != "\\\\":
            stripped = part.lstrip()
            if stripped.strip():
                pieces.append((start + offset + len(part) - len(stripped), stripped.rstrip()))
        offset += len(part)
    return pieces


def find_formulas(text: str, markdown: bool = True) -> list[Found]:
    """Every formula in `text`, in order, each with the line it starts on."""
    masked = _mask(text, markdown)
    found: list[tuple[int, Found]] = []
    blank = list(masked)
    for match in _DISPLAY.finditer(masked):
        group = next(g for g in ("dollars", "brackets", "body") if match.group(g) is not None)
        body, start = match.group(group), match.start(group)
        kind = "matrix" if _MATRIX.search(body) else "display"
        for offset, piece in _split_display(body, start):
            first = offset + len(piece) - len(piece.lstrip())
            found.append((first, _classify(_line(masked, first), piece.replace("&", " "),
                                           kind)))
        blank[match.start():match.end()] = " " * (match.end() - match.start())
    rest = "".join(blank)
    for match in _INLINE.finditer(rest):
        group = "dollar" if match.group("dollar") is not None else "paren"
        body = match.group(group)
        if not body.strip():
            continue
        start = match.start(group) + len(body) - len(body.lstrip())
        found.append((start, _classify(_line(masked, start), body, "inline")))
    return [f for _, f in sorted(found, key=lambda pair: pair[0])]


def find_images(text: str) -> list[int]:
    """Lines of images (`![…](…png)`, `<img>`): formulas pasted as pictures cannot be read."""
    masked = _mask(text, True)
    return [_line(masked, m.start()) for m in _IMAGE.finditer(masked)]


def infer(formulas: list[Found]) -> Inferred:
    """Names the formulas use: `x_i` -> a vector x and an index i, `W_{ij}` -> a matrix,
    `\\sum_{k=1}^N` -> an index k and a size N. Only a proposal for the author."""
    sizes: Counter[str] = Counter()
    indices: Counter[str] = Counter()
    symbols: dict[str, tuple[int, str]] = {}
    operators = {"D", "e"}
    for formula in formulas:
        tex = formula.tex
        for match in re.finditer(r"\\sum_\{?\s*([a-z])\s*(?:=[^}^]*)?\}?\s*(?:\^\{?\s*"
                                 r"([A-Z])\b)?", tex):
            indices[match.group(1)] += 1
            if match.group(2):
                sizes[match.group(2)] += 1
        for match in re.finditer(r"\\delta_\{?\s*([a-z])\s*,?\s*([a-z])\s*\}?", tex):
            indices.update(match.groups())
        for match in re.finditer(r"\\mathbb\{R\}\^\{?\s*([A-Z]+)", tex):
            sizes.update(match.group(1))
        for match in re.finditer(r"(?<![\\A-Za-z])([A-Za-z])_(\{[^{}]*\}|[A-Za-z0-9])", tex):
            base, subscript = match.group(1), match.group(2).strip("{}").replace(" ", "")
            parts = subscript.split(",") if "," in subscript else (
                list(subscript) if re.fullmatch(r"[a-z]{2}|\d{2}|[A-Z]\d|\d[A-Z]|[a-z][A-Z]|"
                                                r"[A-Z][a-z]", subscript) else [subscript])
            for part in parts:
                if re.fullmatch(r"[a-z]", part):
                    indices[part] += 1
                elif re.fullmatch(r"[A-Z]+", part):
                    sizes.update(part)
            if base in operators:
                continue
            rank = len(parts)
            if base not in symbols or symbols[base][0] < rank:
                symbols[base] = (rank, match.group())
    for name in indices:
        symbols.pop(name, None)
    for name in sizes:
        symbols.pop(name, None)
    return Inferred(tuple(sorted(sizes)), tuple(sorted(indices)),
                    tuple((n, r, e) for n, (r, e) in sorted(symbols.items())))


def extract(path: str, text: str) -> Extraction:
    markdown = PurePath(path).suffix.lower() != ".tex"
    formulas = find_formulas(text, markdown)
    images = find_images(text) if markdown else [
        _line(text, m.start()) for m in re.finditer(r"\\includegraphics", text)]
    used = [f for f in formulas if f.equation or f.kind == "matrix"
            or f.note == "not an equation"]
    return Extraction(path, tuple(formulas), tuple(images), infer(used))


def _quote(text: str) -> str:
    """A YAML single-quoted scalar (backslashes need no escaping there)."""
    return "'" + text.replace("'", "''") + "'"


def skeleton(extraction: Extraction) -> str:
    """The draft spec as YAML text, with every guess marked TODO."""
    name = PurePath(extraction.path).name
    stem = PurePath(extraction.path).stem
    inferred = extraction.inferred
    equations = extraction.equations
    size = inferred.sizes[0] if len(inferred.sizes) == 1 else "TODO"
    lines_text = (", formulas at lines " + ", ".join(str(f.line) for f in equations)
                  if equations else "")
    lines = [
        f"# Spec skeleton drafted by `symderiv extract {name}`.",
        f"# {len(extraction.formulas)} formulas found, {len(equations)} look like equations "
        "(the claims below);",
        f"# {len(extraction.images)} images (![…](…png)) may hold formulas that cannot be read: "
        "type those in by hand.",
        "# Every declaration below is inferred from how the formulas use a name: confirm it,",
        "# add the definitions (define:) and replace each TODO before running symderiv check.",
        f"title: {_quote('TODO: ' + stem)}",
        f"source: {_quote(name + lines_text)}",
    ]
    lines.append("sizes:" if inferred.sizes else "sizes: {}  # TODO: none seen")
    for name_ in inferred.sizes:
        lines.append(f"  {name_}: null  # TODO: confirm (null means the values 1..4)")
    lines.append("indices:" if inferred.indices else "indices: {}  # TODO: none seen")
    for index in inferred.indices:
        lines.append(f"  {index}: {size}  # TODO: confirm the size it ranges over")
    lines.append("symbols:" if inferred.symbols else "symbols: {}  # TODO: none seen")
    for symbol, rank, example in inferred.symbols:
        shape = ", ".join([size] * rank)
        lines.append(f"  {symbol}: [{shape}]  # TODO: seen as {example}; an input, or a "
                     "definition to move under define:?")
    lines.append("claims:" if equations else "claims: []  # no equations found")
    ids: Counter[int] = Counter()
    for formula in equations:
        ids[formula.line] += 1
        suffix = f"-{ids[formula.line]}" if ids[formula.line] > 1 else ""
        lines.append(f"  - id: line-{formula.line}{suffix}")
        if formula.note:
            lines.append(f"    # TODO: {formula.note}")
        lines.append(f"    tex: {_quote(formula.tex)}  # line {formula.line}")
    others = [f for f in extraction.formulas if not f.equation]
    if others:
        lines.append("# Formulas that are not claims:")
        for formula in others:
            lines.append(f"#   line {formula.line}: {formula.tex}  ({formula.note})")
    if extraction.images:
        lines.append("# Images that may be formulas, by line: "
                     + ", ".join(str(line) for line in extraction.images))
    return "\n".join(lines) + "\n"
