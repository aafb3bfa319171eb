"""The loaded spec: frozen values, each with the location of its YAML node."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from symderiv.errors import Location
from symderiv.language import ast

RESERVED = frozenset(
    "D sum delta exp log sqrt jacobian diag eye and or not max min abs outer "
    "tanh sigmoid softplus log1p expm1 sin cos relu ind".split()
)


@dataclass(frozen=True, slots=True)
class Formula:
    text: str
    node: ast.Node
    location: Location

    def at(self, node: ast.Node) -> Location:
        """The file location of `node`, a part of this formula."""
        return self.location.shifted(self.text, node.start)


@dataclass(frozen=True, slots=True)
class SizeDecl:
    name: str
    values: tuple[int, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class IndexDecl:
    name: str
    size: str
    location: Location


@dataclass(frozen=True, slots=True)
class LabelDecl:
    """An integer-valued input that indexes (issue 15, item 2): `y: T` takes one of the
    values 1..T (shape ()); `c: {shape: [B], range: T}` one such value per entry of B."""

    name: str
    shape: tuple[str, ...]
    range: str
    location: Location


@dataclass(frozen=True, slots=True)
class SymbolDecl:
    name: str
    shape: tuple[str | int, ...]
    domain: str  # "real" or "positive"
    location: Location
    latex: str | None = None


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    params: tuple[str, ...]
    body: Formula
    location: Location
    latex: str | None = None


@dataclass(frozen=True, slots=True)
class Implementation:
    definition: str
    name: str  # "numpy" when the definition has a single unnamed implementation
    formula: Formula

    @property
    def qualified_name(self) -> str:
        return f"{self.definition}.{self.name}"


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    claim: Formula | None
    where: Formula | None
    expect: str  # "holds" or "refuted"
    tex: str | None
    location: Location
    tex_location: Location | None = None
    wrt: str | None = None
    #: `tex` read against the declarations (by `loader.load_text`); for a claim given by
    #: `tex` alone, `claim` is this same formula.
    tex_formula: Formula | None = None


@dataclass(frozen=True, slots=True)
class Step:
    formula: Formula
    by: str | None


@dataclass(frozen=True, slots=True)
class Derivation:
    id: str
    steps: tuple[Step, ...]
    where: Formula | None
    expect: str
    location: Location


@dataclass(frozen=True, slots=True)
class Value:
    """A number as written in the spec: exact value plus its text (the text fixes precision)."""

    exact: Fraction
    text: str


#: A value of a symbol or definition in an example: a number or nested tuples of numbers.
Array = Value | tuple["Array", ...]


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    given: tuple[tuple[str, Array], ...]
    expect: tuple[tuple[str, Array], ...]
    fails: tuple[str, ...]
    tol: Fraction | None
    expect_verdict: str
    location: Location
    expect_locations: tuple[tuple[str, Location], ...] = ()


@dataclass(frozen=True, slots=True)
class Broken:
    """A check that cannot be built (an unknown name in its formula, a shape mismatch, an
    unreadable `tex:`): its id, kind (`claim`, `derivation`, `example`, `implementation`),
    expectation, and the problem, located. It is that check's `error`; the file's other
    checks still run."""

    id: str
    kind: str
    expect: str  # "holds" or "refuted"
    location: Location  # of the problem
    message: str
    code: str

    @property
    def text(self) -> str:
        """`path:line:column: message  [code]`."""
        return f"{self.location}: {self.message}  [{self.code}]"


def in_file_order(broken: tuple[Broken, ...]) -> list[tuple[int, Broken]]:
    """(position, check) of the broken checks, in the order of their problems in the file."""
    return sorted(enumerate(broken), key=lambda pair: (pair[1].location.line,
                                                       pair[1].location.column, pair[0]))


@dataclass(frozen=True, slots=True)
class Spec:
    path: str
    title: str
    source: str | None
    sizes: tuple[SizeDecl, ...]
    indices: tuple[IndexDecl, ...]
    symbols: tuple[SymbolDecl, ...]
    definitions: tuple[Definition, ...]
    implementations: tuple[Implementation, ...]
    claims: tuple[Claim, ...]
    derivations: tuple[Derivation, ...]
    examples: tuple[Example, ...]
    location: Location
    #: checks of the file that cannot be built, each its own `error` (kept out of the fields
    #: above, so nothing downstream meets a half-read item)
    broken: tuple[Broken, ...] = ()
    labels: tuple[LabelDecl, ...] = ()
