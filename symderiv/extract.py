"""Find the formulas in course material (Markdown or LaTeX) and draft a spec from them.

`extract(path, text)` finds display math (`$$…$$`, `\\[…\\]`, `equation`/`align`
environments, `\\left[\\begin{matrix}…` blocks) and inline math (`$…$`, `\\(…\\)`) with the
line each starts on, keeps the ones that look like equations, infers the names they use and
counts the images (`![…](…png)`) that may hold formulas no tool can read. `skeleton` writes a
spec for the author to complete: one claim per equation as `tex:`, every guess marked TODO.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from symderiv.errors import FormulaError
from symderiv.language.latex.structure import structure as tex_structure


def place(line: int, cell: int | None = None) -> str:
    """Where something is: `line 8`, or `cell 3, line 2` in a notebook."""
    return f"line {line}" if cell is None else f"cell {cell}, line {line}"


@dataclass(frozen=True, slots=True)
class Found:
    """One formula: its LaTeX, the 1-based line it starts on, and how it was written."""

    line: int
    tex: str
    kind: str  # inline, display, matrix
    equation: bool
    note: str = ""  # why it is not a claim, or what could not be read
    where: str = ""  # a condition written beside it, as a `where:` (`i == j`)
    cell: int | None = None  # in a notebook: the cell, counted from 1 (`line` is in the cell)

    @property
    def place(self) -> str:
        """`line 8`, or `cell 3, line 2` in a notebook."""
        return place(self.line, self.cell)

    @property
    def label(self) -> str:
        """The place as an id: `line-8`, `cell-3-line-2`."""
        return f"line-{self.line}" if self.cell is None else f"cell-{self.cell}-line-{self.line}"


@dataclass(frozen=True, slots=True)
class Inferred:
    sizes: tuple[str, ...]
    indices: tuple[str, ...]
    symbols: tuple[tuple[str, int, str], ...]  # name, number of indices, an example use


@dataclass(frozen=True, slots=True)
class Extraction:
    path: str
    formulas: tuple[Found, ...]
    images: tuple[str, ...]  # places (`line 11`, `cell 2, line 1`) of images with formulas?
    inferred: Inferred
    title: str = ""  # the first heading, if any

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


def _top_level_equals(tex: str) -> list[int]:
    """Offsets of each '=' outside every bracket (so 1(i=j) alone is not an equation), not in
    '\\not=', '<=', '>=', '!=' or '=='."""
    depth = 0
    found = []
    for offset, char in enumerate(tex):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "=" and depth == 0:
            before = tex[:offset].rstrip()
            if not before.endswith(("\\not", "<", ">", "!", "=")) and \
                    not tex[offset + 1:].startswith("="):
                found.append(offset)
    return found


_RELATION = r"(=|\\neq?(?![A-Za-z])|\\not\s*=|≠|!=)"
#: `i = j` or `i \neq j` alone: a condition on indices.
_CONDITION = re.compile(r"\s*([A-Za-z])\s*" + _RELATION + r"\s*([A-Za-z])\s*\Z")
#: a condition set beside the formula inside the math: `…, \quad i \neq j`, `… \text{if } i=j`
_TRAILING = re.compile(r"(?:,|;|\\[,;]|\\q?quad|\\text\{[^{}]*\})\s*"
                       r"(?:(?:\\q?quad|\\text\{[^{}]*\}|\\(?:mathrm|textrm)\{[^{}]*\})\s*)*"
                       r"([a-z])\s*" + _RELATION + r"\s*([a-z])\s*\.?\s*\Z")
#: a condition in the prose of the formula's line: "当且仅当 i=j", "when i = j", "仅当i=k时"
_PROSE_CONDITION = re.compile(r"(?:当且仅当|仅当|当|若|如果|\bif\b|\bwhen\b|\bfor\b|\bwhere\b)"
                              r"\s*\$?\s*([a-z])\s*(=|≠|!=)\s*([a-z])(?![A-Za-z0-9_])")


def _where(left: str, relation: str, right: str) -> str:
    """A condition as the spec writes it: `i == j`, `i != j`."""
    return f"{left} {'==' if relation == '=' else '!='} {right}"


def _condition(text: str) -> str:
    """The `where:` a formula that is only a condition on indices means, or ''."""
    match = _CONDITION.match(text)
    return _where(match.group(1), match.group(2), match.group(3)) if match else ""


def _equation(line: int, text: str, kind: str, where: str) -> Found:
    note = ""
    try:
        tex_structure(text)
    except FormulaError as error:
        note = f"cannot be read as written: {error.message}"
    return Found(line, text, kind, True, note, where)


def _classify(line: int, tex: str, kind: str) -> list[Found]:
    """What one formula is; a chain `A = B = C` is the equations `A = B` and `B = C`."""
    text = " ".join(tex.split())
    if kind == "matrix":
        return [Found(line, text, kind, False, "a matrix written out entry by entry")]
    if _CJK.search(text):
        return [Found(line, text, kind, False, "prose inside the math")]
    condition = _condition(text)
    if condition:
        return [Found(line, text, kind, False, "a condition on indices (a `where:`)",
                      condition)]
    where = ""
    trailing = _TRAILING.search(text)
    if trailing and _top_level_equals(text[:trailing.start()]):
        where = _where(trailing.group(1), trailing.group(2), trailing.group(3))
        text = text[:trailing.start()].rstrip()
    cuts = _top_level_equals(text)
    if not cuts:
        return [Found(line, text, kind, False, "not an equation")]
    sides = [text[start + 1:end].strip()
             for start, end in zip([-1, *cuts], [*cuts, len(text)], strict=True)]
    if len(sides) == 2 or not all(sides):
        return [_equation(line, text, kind, where)]
    return [_equation(line, f"{a} = {b}", kind, where)
            for a, b in zip(sides, sides[1:], strict=False)]


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
    """Every formula in `text`, in order, each with the line it starts on.

    A display row that starts with `=` (`&= a_2` in an `aligned` block) continues the chain
    of the row before it; a condition on indices written beside an equation on its line (in
    math, `$i=j$`, or in prose, "当且仅当 i=j", "when i = j") becomes its `where`.
    """
    masked = _mask(text, markdown)
    found: list[tuple[int, Found]] = []
    blank = list(masked)
    for match in _DISPLAY.finditer(masked):
        group = next(g for g in ("dollars", "brackets", "body") if match.group(g) is not None)
        body, start = match.group(group), match.start(group)
        kind = "matrix" if _MATRIX.search(body) else "display"
        last = ""  # the right side of the block's last equation
        for offset, piece in _split_display(body, start):
            first = offset + len(piece) - len(piece.lstrip())
            row = " ".join(piece.replace("&", " ").split())
            if row.startswith("=") and not row.startswith("==") and last:
                row = f"{last} {row}"
            pieces = _classify(_line(masked, first), row, kind)
            found.extend((first, f) for f in pieces)
            equations = [f for f in pieces if f.equation]
            last = equations[-1].tex[_top_level_equals(equations[-1].tex)[-1] + 1:].strip() \
                if equations else ""
        blank[match.start():match.end()] = " " * (match.end() - match.start())
    rest = "".join(blank)
    for match in _INLINE.finditer(rest):
        group = "dollar" if match.group("dollar") is not None else "paren"
        body = match.group(group)
        if not body.strip():
            continue
        start = match.start(group) + len(body) - len(body.lstrip())
        found.extend((start, f) for f in _classify(_line(masked, start), body, "inline"))
        blank[match.start():match.end()] = " " * (match.end() - match.start())
    ordered = [f for _, f in sorted(found, key=lambda pair: pair[0])]
    return _conditions_beside(ordered, "".join(blank).split("\n"))


def _explains(tex: str, where: str) -> bool:
    """Whether a condition beside `tex` explains a part of it rather than restricting it:
    `1(i=j)` already holds the condition ("这里1(i=j)意味着当i=j时值为1")."""
    left, _, right = where.split()
    flat = "".join(tex.split())
    return any(f"{a}{relation}{b}" in flat for a, b in ((left, right), (right, left))
               for relation in ("=", "\\neq", "\\ne", "\\not=", "≠"))


def _conditions_beside(formulas: list[Found], prose: list[str]) -> list[Found]:
    """Give each equation without a `where` the condition written on its line: a condition
    formula after it (else before it) on that line, else one in the line's prose."""
    out = list(formulas)
    for position, formula in enumerate(formulas):
        if not formula.equation or formula.where:
            continue
        same = [(abs(other - position) + (0.5 if other < position else 0), f)
                for other, f in enumerate(formulas)
                if f.line == formula.line and not f.equation and f.where]
        where = min(same, key=lambda pair: pair[0])[1].where if same else ""
        if not where and 0 < formula.line <= len(prose):
            spoken = _PROSE_CONDITION.search(prose[formula.line - 1])
            if spoken:
                where = _where(spoken.group(1), spoken.group(2), spoken.group(3))
        if where and not _explains(formula.tex, where):
            out[position] = dataclasses.replace(formula, where=where)
    return out


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


class NotebookError(ValueError):
    """A `.ipynb` file that is not a notebook: its message and where (1-based line, column)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.M)
_SETEXT = re.compile(r"^(?! {4})(\S[^\n]*)\n {0,3}(?:=+|-+)[ \t]*$", re.M)
_TEX_TITLE = re.compile(r"\\(?:title|chapter|section)\*?\{((?:[^{}]|\{[^{}]*\})*)\}")


def first_heading(text: str, markdown: bool = True) -> str:
    """The first heading (Markdown `#`/underlined; LaTeX `\\title`, `\\chapter`, `\\section`),
    as plain text, or ''."""
    masked = _mask(text, markdown)
    if not markdown:
        found = _TEX_TITLE.search(masked)
        return " ".join(text[found.start(1):found.end(1)].split()) if found else ""
    headings = [m for m in (_ATX.search(masked), _SETEXT.search(masked)) if m]
    if not headings:
        return ""
    first = min(headings, key=lambda m: m.start())
    if first.re is _ATX:  # read again from the text: the masking blanked its code spans
        start = text.rfind("\n", 0, first.start(1)) + 1
        end = text.find("\n", first.start(1))
        again = _ATX.match(text[start:end if end >= 0 else len(text)])
        heading = again.group(1) if again else first.group(1)
    else:
        heading = text[first.start(1):first.end(1)]
    return " ".join(re.sub(r"[*_`]{1,3}(?=\S)|(?<=\S)[*_`]{1,3}", "", heading).split())


def _markdown_cells(text: str) -> list[tuple[int, str]]:
    """(cell number from 1, text) of each Markdown cell of a Jupyter notebook."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not a notebook: invalid JSON: {error.msg}", error.lineno,
                            error.colno) from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no list of 'cells' (nbformat 4)")
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"not a notebook: the source of cell {number} is not text")
        out.append((number, source))
    return out


def _images(text: str, markdown: bool) -> list[int]:
    return find_images(text) if markdown else [
        _line(text, m.start()) for m in re.finditer(r"\\includegraphics", text)]


def extract(path: str, text: str) -> Extraction:
    """The formulas, images and first heading of a Markdown, LaTeX or notebook (`.ipynb`:
    its Markdown cells, each formula placed by cell and line) file.

    Raises:
        NotebookError: a `.ipynb` file that is not a notebook.
    """
    suffix = PurePath(path).suffix.lower()
    markdown = suffix != ".tex"
    parts = _markdown_cells(text) if suffix == ".ipynb" else [(None, text)]
    formulas: list[Found] = []
    images: list[str] = []
    title = ""
    for cell, part in parts:
        formulas.extend(dataclasses.replace(f, cell=cell) for f in find_formulas(part, markdown))
        images.extend(place(line, cell) for line in _images(part, markdown))
        title = title or first_heading(part, markdown)
    used = [f for f in formulas if f.equation or f.kind == "matrix"
            or f.note == "not an equation"]
    return Extraction(path, tuple(formulas), tuple(images), infer(used), title)


def _found(extraction: Extraction, after: str = "") -> str:
    """`3 formulas, 1 looks like an equation` (`after` follows the formulas)."""
    equations = len(extraction.equations)
    return (f"{_count(len(extraction.formulas), 'formula')}{after}, "
            f"{_count(equations, 'looks', 'look')} like "
            f"{'an equation' if equations == 1 else 'equations'}")


def _count(number: int, noun: str, plural: str = "") -> str:
    """`1 image`, `2 images`."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _quote(text: str) -> str:
    """A YAML single-quoted scalar (backslashes need no escaping there)."""
    return "'" + text.replace("'", "''") + "'"


def summary(extraction: Extraction) -> str:
    """One line for standard error: what was found."""
    return (f"{extraction.path}: {_found(extraction)} (claims); "
            f"{_count(len(extraction.images), 'image')} may hold formulas that cannot be read")


def skeleton(extraction: Extraction) -> str:
    """The draft spec as YAML text, with every guess marked TODO."""
    name = PurePath(extraction.path).name
    stem = PurePath(extraction.path).stem
    inferred = extraction.inferred
    equations = extraction.equations
    size = inferred.sizes[0] if len(inferred.sizes) == 1 else "TODO"
    places = list(dict.fromkeys(f.place for f in equations))
    if not places:
        lines_text = ""
    elif all(f.cell is None for f in equations):
        lines_text = (f", formula{'s' if len(places) > 1 else ''} at "
                      f"{'lines' if len(places) > 1 else 'line'} "
                      + ", ".join(p.removeprefix("line ") for p in places))
    else:
        lines_text = f", formula{'s' if len(places) > 1 else ''} at " + "; ".join(places)
    images = extraction.images
    title = (f"{_quote(extraction.title)}  # the first heading" if extraction.title
             else _quote("TODO: " + stem))
    lines = [
        f"# Spec skeleton drafted by `symderiv extract {name}`.",
        f"# {_found(extraction, ' found')} (the claims below);",
        f"# {_count(len(images), 'image')} (![…](…png)) may hold formulas that cannot be "
        "read: type those in by hand.",
        "# Every declaration below is inferred from how the formulas use a name: confirm it,",
        "# add the definitions (define:) and replace each TODO before running symderiv check.",
        f"title: {title}",
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
    ids: Counter[str] = Counter()
    for formula in equations:
        ids[formula.label] += 1
        suffix = f"-{ids[formula.label]}" if ids[formula.label] > 1 else ""
        lines.append(f"  - id: {formula.label}{suffix}")
        if formula.note:
            lines.append(f"    # TODO: {formula.note}")
        lines.append(f"    tex: {_quote(formula.tex)}  # {formula.place}")
        if formula.where:
            lines.append(f"    where: {formula.where}  # written beside it")
    others = [f for f in extraction.formulas if not f.equation]
    if others:
        lines.append("# Formulas that are not claims:")
        for formula in others:
            lines.append(f"#   {formula.place}: {formula.tex}  ({formula.note})")
    if images:
        lines.append("# Images that may be formulas, at: " + "; ".join(images))
    return "\n".join(lines) + "\n"
