"""The second pass: every claim's `tex` read as LaTeX against the spec's declarations, its
errors placed at their character in the file."""

from __future__ import annotations

from dataclasses import replace

from symderiv.errors import FormulaError, Location, SymderivError
from symderiv.language import ast
from symderiv.language.latex import Declarations, read
from symderiv.load import model


def read_tex(spec: model.Spec, source: str) -> model.Spec:
    """Read every claim's `tex` against the declarations; a claim given by `tex` alone
    becomes an ordinary claim (`lhs = rhs` read as `lhs == rhs`)."""
    names = Declarations.of_spec(spec)
    broken = list(spec.broken)
    claims = []
    for claim in spec.claims:
        if claim.tex is None or claim.tex_location is None:
            claims.append(claim)
            continue
        if claim.wrt is not None and names.symbols.get(claim.wrt, 0) == 0:
            _set_aside(claims, broken, claim, SymderivError(
                f"wrt: {claim.wrt!r} is not a declared vector or matrix symbol",
                claim.location, "name"))
            continue
        try:
            node = read(claim.tex, names, claim.wrt)
        except FormulaError as error:
            located = error.at(claim.tex_location, claim.tex)
            quoted = _in_double_quotes(source, claim.tex_location, error.offset)
            if quoted is not None:
                located = SymderivError(error.message, quoted, error.code)
            _set_aside(claims, broken, claim, located)
            continue
        formula = model.Formula(claim.tex, node, claim.tex_location)
        if claim.claim is None and not isinstance(node, ast.Compare):
            _set_aside(claims, broken, claim, SymderivError(
                "a claim given by 'tex' alone must be an equation 'lhs = rhs' or an inequality",
                claim.tex_location, "claim"))
            continue
        claims.append(replace(claim, claim=claim.claim or formula, tex_formula=formula))
    return replace(spec, claims=tuple(claims), broken=tuple(broken))


def _set_aside(claims: list[model.Claim], broken: list[model.Broken], claim: model.Claim,
               problem: SymderivError) -> None:
    """A `tex` that cannot be read: the check it makes is `error`. With a `claim:` beside it,
    that is the extra check `ID.tex` (the claim itself is still checked); alone, `ID`."""
    assert problem.location is not None
    name = claim.id if claim.claim is None else f"{claim.id}.tex"
    broken.append(model.Broken(name, "claim", claim.expect, problem.location, problem.message,
                               problem.code))
    if claim.claim is not None:
        claims.append(claim)


def _in_double_quotes(source: str, start: Location, offset: int) -> Location | None:
    """The file location of character `offset` of a one-line double-quoted scalar whose text
    starts at `start` (there an escape such as \\\\ takes two characters); None otherwise."""
    lines = source.split("\n")
    row = lines[start.line - 1] if start.line <= len(lines) else ""
    if start.column < 2 or row[start.column - 2] != '"':
        return None
    position = start.column - 1
    for _ in range(offset):
        if position >= len(row) or row[position] == '"':
            return None
        step = {"x": 4, "u": 6, "U": 10}.get(row[position + 1:position + 2], 2)
        position += step if row[position] == "\\" else 1
    return Location(start.path, start.line, position + 1)
