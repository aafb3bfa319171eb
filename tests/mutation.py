"""Mutation testing of the verifier's soundness: mutate true claims, decide, compare with truth.

A mutant is a claim with one small, typical mistake (a flipped sign, swapped indices, a dropped
delta, + for −, a factor 2, a transpose, a sum over the wrong index). Its truth is decided
independently of the engine's verdict: both sides are evaluated in mpmath at 50 digits at many
random points, every size combination and every index assignment. The engine must refute
every mutant that is really false (kill rate 100 %) and never refute a true claim.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from symderiv.resolve.scope import Scope, same_shape
from symderiv.check import bounded
from symderiv.numbers.domains import MpmathDomain, Undefined
from symderiv.check.evaluate import EvaluationError, Evaluator, Tensor, index_tuples
from symderiv.errors import SymderivError
from symderiv.language import ast
from symderiv.language.printer import unparse

OPERATORS = ("flip-sign", "swap-indices", "drop-delta", "plus-minus", "scale-2", "transpose",
             "sum-index")
DIGITS = 50
POINTS = 6


@dataclass(frozen=True)
class Claim:
    """One true equation of a spec: a claim, or two consecutive steps of a derivation; or a
    true inequality claim (`op` one of < <= > >=)."""

    name: str
    lhs: ast.Node
    rhs: ast.Node
    where: ast.Node | None
    op: str = "=="


@dataclass(frozen=True)
class Mutant:
    claim: Claim
    operator: str
    lhs: ast.Node
    rhs: ast.Node
    text: str


def claims_of(scope: Scope) -> list[Claim]:
    """Every claim and every derivation step of a spec, as an equation."""
    out = []
    for claim in scope.spec.claims:
        if claim.claim is None or claim.expect != "holds":
            continue
        node = claim.claim.node
        assert isinstance(node, ast.Compare)
        where = claim.where.node if claim.where is not None else None
        out.append(Claim(claim.id, node.left, node.right, where, node.op))
    for derivation in scope.spec.derivations:
        if derivation.expect != "holds":
            continue
        where = derivation.where.node if derivation.where is not None else None
        for number in range(1, len(derivation.steps)):
            out.append(Claim(f"{derivation.id} step {number + 1}",
                             derivation.steps[number - 1].formula.node,
                             derivation.steps[number].formula.node, where))
    return out


# -- rebuilding trees -----------------------------------------------------------------------

def _with_children(node: ast.Node, new: tuple[ast.Node, ...]) -> ast.Node:
    if isinstance(node, ast.Index):
        return dataclasses.replace(node, base=new[0], indices=tuple(new[1:]))
    if isinstance(node, ast.Call):
        return dataclasses.replace(node, args=tuple(new))
    if isinstance(node, ast.Transpose | ast.Neg):
        return dataclasses.replace(node, operand=new[0])
    if isinstance(node, ast.BinOp | ast.Compare):
        return dataclasses.replace(node, left=new[0], right=new[1])
    return node


def _sites(node: ast.Node, path: tuple[int, ...] = (), value: bool = True
           ) -> Iterator[tuple[tuple[int, ...], ast.Node, bool]]:
    """Every node with its path and whether it is a value (not an index or a sum variable)."""
    yield path, node, value
    for position, child in enumerate(ast.children(node)):
        child_is_value = value
        if isinstance(node, ast.Index) and position > 0:
            child_is_value = False
        if isinstance(node, ast.Call) and (node.function == "delta" or (
                node.function in ("sum", "D", "jacobian") and position > 0)):
            child_is_value = False
        yield from _sites(child, path + (position,), child_is_value)


def _replace(node: ast.Node, path: tuple[int, ...], new: ast.Node) -> ast.Node:
    if not path:
        return new
    children = list(ast.children(node))
    children[path[0]] = _replace(children[path[0]], path[1:], new)
    return _with_children(node, tuple(children))


def _number(value: int) -> ast.Number:
    return ast.Number(0, 0, Fraction(value), str(value))


def _other_index(scope: Scope, name: str) -> str | None:
    """Another declared index over the same size (the first in declaration order)."""
    size = scope.indices[name].size
    for other in scope.indices:
        if other != name and scope.indices[other].size == size:
            return other
    return None


def _matrix_valued(scope: Scope, node: ast.Node) -> bool:
    if isinstance(node, ast.Name):
        if node.name in scope.symbols:
            return len(scope.symbols[node.name].shape) == 2
        return node.name in scope.definitions and len(scope.shapes.get(node.name, ())) == 2
    if isinstance(node, ast.Call):
        return node.function in ("diag", "jacobian", "eye")
    return isinstance(node, ast.BinOp) and node.op == "@" and _matrix_valued(scope, node.left)


def _mutations(scope: Scope, node: ast.Node) -> Iterator[tuple[str, ast.Node]]:
    """(operator, mutated tree) for every applicable operator at every site of `node`."""
    for path, site, value in _sites(node):
        if value and not isinstance(site, ast.Number) and (
                not path or isinstance(site, ast.BinOp | ast.Call | ast.Index)):
            flipped = site.operand if isinstance(site, ast.Neg) else ast.Neg(0, 0, site)
            yield "flip-sign", _replace(node, path, flipped)
            yield "scale-2", _replace(node, path, ast.BinOp(0, 0, "*", _number(2), site))
        if isinstance(site, ast.BinOp) and site.op in "+-":
            swapped = dataclasses.replace(site, op="-" if site.op == "+" else "+")
            yield "plus-minus", _replace(node, path, swapped)
        if isinstance(site, ast.Call) and site.function == "delta":
            yield "drop-delta", _replace(node, path, _number(1))
        if isinstance(site, ast.Index) and len(site.indices) == 2:
            transposed = dataclasses.replace(site, indices=site.indices[::-1])
            yield "transpose", _replace(node, path, transposed)
        if value and _matrix_valued(scope, site):
            yield "transpose", _replace(node, path, ast.Transpose(0, 0, site))
        if isinstance(site, ast.Name) and site.name in scope.indices and not value:
            other = _other_index(scope, site.name)
            if other is not None:
                yield "swap-indices", _replace(node, path, dataclasses.replace(site, name=other))
        if isinstance(site, ast.Call) and site.function == "sum":
            variable = site.args[1]
            assert isinstance(variable, ast.Name)
            other = _other_index(scope, variable.name)
            if other is not None:
                args = (site.args[0], dataclasses.replace(variable, name=other), *site.args[2:])
                yield "sum-index", _replace(node, path, dataclasses.replace(site, args=args))


def mutants(scope: Scope, claim: Claim) -> list[Mutant]:
    """Every single-mistake mutant of `claim` (on either side), without duplicates."""
    out: dict[tuple[ast.Node, ast.Node], Mutant] = {}
    op = claim.op
    for operator, lhs in _mutations(scope, claim.lhs):
        out.setdefault((lhs, claim.rhs), Mutant(claim, operator, lhs, claim.rhs,
                                                f"{unparse(lhs)} {op} {unparse(claim.rhs)}"))
    for operator, rhs in _mutations(scope, claim.rhs):
        out.setdefault((claim.lhs, rhs), Mutant(claim, operator, claim.lhs, rhs,
                                                f"{unparse(claim.lhs)} {op} {unparse(rhs)}"))
    return list(out.values())


# -- the truth, independently of the engine's verdict --------------------------------------

def _random_values(scope: Scope, sizes: dict[str, int], rng: random.Random
                   ) -> dict[tuple[str, tuple[int, ...]], Fraction]:
    values = {}
    for symbol in scope.spec.symbols:
        shape = tuple(d if isinstance(d, int) else sizes.get(d, 1) for d in symbol.shape)
        for index in index_tuples(shape):
            numerator = rng.randint(1, 400) if symbol.domain == "positive" \
                else rng.randint(-400, 400)
            values[(symbol.name, index)] = Fraction(numerator, rng.choice((97, 101, 103)))
    return values


def _flatten(value: Any) -> list[Any]:
    return list(value.data) if isinstance(value, Tensor) else [value]


def _relation_gap(op: str, a: Any, b: Any) -> Any:
    """How far lhs `op` rhs is from failing, scaled: > 0 holds, < 0 fails (== : -|a − b|)."""
    scale = max(mpmath.mpf(1), abs(a), abs(b))
    if op == "==":
        return -abs(a - b) / scale
    return ((b - a) if op in ("<", "<=") else (a - b)) / scale


def truth(scope: Scope, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
          seed: int = 12345, op: str = "==") -> bool | None:
    """True if lhs `op` rhs at every point tried, False if some point fails clearly, None if
    no point could be evaluated or a difference is too small to call (for a strict
    inequality: sides within 10^-12), or if the sides differ in shape (a spec with such a
    claim does not load: there is no verdict to check)."""
    try:
        if not same_shape(scope.value_shape(lhs), scope.value_shape(rhs)):
            return None
    except SymderivError:
        return None
    free, names = bounded.equation_space(scope, lhs, rhs, where)
    combos = bounded.size_combinations(scope, names, {n: scope.sizes[n].values for n in names})
    rng = random.Random(seed)
    defined = 0
    unclear = False
    for sizes in combos:
        for _ in range(POINTS):
            values = _random_values(scope, sizes, rng)
            evaluator = Evaluator(scope, sizes, MpmathDomain(values, DIGITS))
            try:
                envs = list(bounded.assignments(evaluator, free, where))
            except (EvaluationError, KeyError):
                return None
            for env in envs:
                try:
                    left = _flatten(evaluator.value(lhs, env))
                    right = _flatten(evaluator.value(rhs, env))
                except EvaluationError:
                    return None  # ill-formed at these sizes (an index out of range): no truth
                except (Undefined, ArithmeticError, ValueError):
                    continue  # outside the domain at this point (log of a negative, ...)
                if len(left) != len(right):
                    return None
                defined += 1
                for a, b in zip(left, right):
                    gap = _relation_gap(op, a, b)
                    if gap < -mpmath.mpf(10) ** -12:
                        return False
                    if gap < -mpmath.mpf(10) ** -40 or (op in ("<", ">")
                                                        and gap <= mpmath.mpf(10) ** -12):
                        unclear = True
    if defined == 0 or unclear:
        return None
    return True




# -- the self-test ---------------------------------------------------------------------------

@dataclass
class Tally:
    """What one mutation run found: kills, misses, unsound verdicts, per operator."""

    false_mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    unknown: int = 0
    missed: list[str] = dataclasses.field(default_factory=list)
    unsound: list[str] = dataclasses.field(default_factory=list)
    by_operator: dict[str, list[int]] = dataclasses.field(default_factory=dict)

    @property
    def kill_rate(self) -> float:
        return self.killed / self.false_mutants if self.false_mutants else 1.0


def self_test(scope: Scope, seed: int, timeout: float = 30.0, tally: Tally | None = None,
              truths: dict[tuple[ast.Node, ast.Node, ast.Node | None, str], bool | None]
              | None = None,
              sample: tuple[int, int] = (0, 1)) -> Tally:
    """Decide every claim of `scope` and its mutants at `seed`; count against the truth.

    `truths` caches the (seed-independent) numeric truth of each mutant across seeds.
    `sample` (k, n) keeps the mutants whose position in the spec's list of all mutants is
    k modulo n: (0, 1) is every mutant; the default test suite decides half of them per spec.
    """
    from symderiv.check.decide import Decider
    from symderiv.options import Options
    from symderiv.check.verdict import Outcome, Verdict

    tally = tally if tally is not None else Tally()
    truths = truths if truths is not None else {}
    decider = Decider(scope, Options(seed=seed, timeout=timeout))
    position = -1
    for claim in claims_of(scope):
        def decide(lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                   op: str = claim.op) -> Outcome:
            if op == "==":
                return decider.decide(lhs, rhs, where)
            return decider.decide_inequality(op, lhs, rhs, where)

        original = decide(claim.lhs, claim.rhs, claim.where)
        if original.verdict == Verdict.REFUTED:
            tally.unsound.append(f"{scope.spec.path}: {claim.name} (a true claim) refuted, "
                                 f"seed {seed}: {original.message}")
        for mutant in mutants(scope, claim):
            position += 1
            if position % sample[1] != sample[0]:
                continue
            key = (mutant.lhs, mutant.rhs, claim.where, claim.op)
            if key not in truths:
                truths[key] = truth(scope, mutant.lhs, mutant.rhs, claim.where, op=claim.op)
            really = truths[key]
            verdict = decide(mutant.lhs, mutant.rhs, claim.where).verdict
            counts = tally.by_operator.setdefault(mutant.operator, [0, 0])
            label = f"{scope.spec.path}: {claim.name} [{mutant.operator}] {mutant.text}"
            if really is False:
                tally.false_mutants += 1
                counts[0] += 1
                if verdict == Verdict.REFUTED:
                    tally.killed += 1
                    counts[1] += 1
                else:
                    tally.missed.append(f"{label}: {verdict.value}, seed {seed}")
            elif really is True:
                tally.equivalent += 1
                if verdict == Verdict.REFUTED:
                    tally.unsound.append(f"{label}: holds numerically but refuted, seed {seed}")
            else:
                tally.unknown += 1
                if verdict in (Verdict.PROVED, Verdict.VERIFIED) and truth(
                        scope, mutant.lhs, mutant.rhs, claim.where, seed=seed + 1,
                        op=claim.op) is False:
                    tally.unsound.append(f"{label}: {verdict.value} but false, seed {seed}")
    return tally
