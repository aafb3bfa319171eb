"""Inequality claims: is lhs < rhs (or <=, >, >=) for every free index satisfying `where`?

The relation holds when the gap — rhs − lhs for < and <=, lhs − rhs for > and >= — is > 0
(strict) or >= 0 wherever both sides are defined. Strongest evidence first:

- `proved`: the gap's sign shown by `signs.judge` with the sizes as symbols (every N >= 1,
  or every N >= c where `where` says `N >= c`: `size_bounds`), in each equality pattern of
  the free indices (as the generic layer splits equations);
- `verified`: at each listed size and each index assignment, the gap with the sizes and
  indices put in (its sums written out term by term) judged the same way: a symbolic
  argument for all inputs at that size;
- `refuted`: a point where the relation is false beyond doubt (exact fractions, or mpmath
  with digits to spare: `refute.measure`), tried first where no sign was shown;
- `consistent`: the relation holds beyond doubt at every defined trial point. A strict
  relation whose sides agree to every digit computed at some point is not evidence either
  way: then `undecided`, never consistent or refuted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy

from symderiv.check import bounded, generic
from symderiv.check.evaluate import Evaluator
from symderiv.check.positivity import expand_logs
from symderiv.check.refute import counterexample, measure, trial_points
from symderiv.check.signs import Sign, judge
from symderiv.check.verdict import Counterexample, Outcome, ProofStep, Verdict
from symderiv.language import ast
from symderiv.numbers.domains import ModularDomain, Undefined
from symderiv.options import Options, Strategy
from symderiv.resolve.normalize import Ranges, canonical_sums, normalize
from symderiv.resolve.scope import Scope, size_symbol, used_names
from symderiv.resolve.symbolic import SympyBuilder, Unsupported

#: The relations as the reports write them.
SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
#: Trial points per assignment, and in all, for the numeric layer and for refutation.
POINTS_PER_ASSIGNMENT = 40
MAX_POINTS = 240
#: Assignments the numeric layer samples (spread over the sizes, smallest and largest first).
MAX_ASSIGNMENTS = 8
#: Trial points per assignment when telling where a refuted inequality holds.
REGION_POINTS = 12

#: One assignment: the sizes and the free indices' values.
Target = tuple[dict[str, int], dict[str, int]]


def strict(op: str) -> bool:
    return op in ("<", ">")


def gap_label(op: str) -> str:
    return "right − left" if op in ("<", "<=") else "left − right"


def holds(op: str, difference: object) -> bool:
    """Does lhs `op` rhs hold, given lhs − rhs (a number)?"""
    return bool({"<": difference < 0, "<=": difference <= 0,  # type: ignore[operator]
                 ">": difference > 0, ">=": difference >= 0}[op])  # type: ignore[operator]


def enough(op: str, found: Sign) -> bool:
    """Does a gap of this sign make the relation hold?"""
    return found == Sign.POSITIVE if strict(op) else found.at_least_zero


def _gap(op: str, left: sympy.Expr, right: sympy.Expr) -> sympy.Expr:
    return right - left if op in ("<", "<=") else left - right


def _sign(expr: sympy.Expr, ranges: Ranges, op: str) -> Sign:
    """The gap's sign by `judge`, and again with the logs of positive arguments split."""
    found = judge(expr, ranges)
    if enough(op, found):
        return found
    split = canonical_sums(normalize(expand_logs(expr, ranges), ranges))
    return judge(split, ranges) if split != expr else found


@dataclass(frozen=True, slots=True)
class Sides:
    """Both sides in sympy (sizes as symbols) and the gap, or None where sympy cannot."""

    left: sympy.Expr
    right: sympy.Expr
    gap: sympy.Expr


def _sides(builder: SympyBuilder, op: str, lhs: ast.Node, rhs: ast.Node) -> Sides | None:
    try:
        left, right = builder.expr(lhs, {}), builder.expr(rhs, {})
    except (Unsupported, ArithmeticError, ValueError, TypeError, AttributeError):
        return None
    if left.has(sympy.Derivative) or right.has(sympy.Derivative):
        return None  # sympy could not differentiate
    return Sides(left, right, _gap(op, left, right))


def size_bounds(scope: Scope, where: ast.Node | None) -> dict[str, int]:
    """The lower bounds above 1 that `where` sets on sizes in its top-level `and`s
    (`N >= 2`, `N > 1`, `2 <= N`): the claim says nothing of the sizes below."""
    if isinstance(where, ast.BoolOp) and where.op == "and":
        assert where.right is not None
        left, right = size_bounds(scope, where.left), size_bounds(scope, where.right)
        return {n: max(left.get(n, 1), right.get(n, 1)) for n in {*left, *right}}
    if not isinstance(where, ast.Compare):
        return {}
    flipped = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}
    pairs = [(where.left, where.op, where.right)]
    if where.op in flipped:
        pairs.append((where.right, flipped[where.op], where.left))
    for size, op, bound in pairs:
        if isinstance(size, ast.Name) and size.name in scope.sizes and \
                isinstance(bound, ast.Number) and bound.value.denominator == 1 and \
                op in (">=", ">"):
            value = int(bound.value) + (op == ">")
            return {size.name: value} if value > 1 else {}
    return {}


def prove(builder: SympyBuilder, op: str, sides: Sides, where: ast.Node | None,
          free: list[str]) -> Outcome | None:
    """The relation for every size `where` allows by the gap's sign in each index pattern
    (a size bounded below by `where`, N >= c, is written M + c − 1 for a positive integer
    M); None if not shown."""
    bounds = size_bounds(builder.scope, where)
    shift: dict[sympy.Basic, sympy.Basic] = {
        size_symbol(n): sympy.Symbol(f"{n}_", integer=True, positive=True) + c - 1
        for n, c in bounds.items()}
    ranges = {index: (low.xreplace(shift), high.xreplace(shift))
              for index, (low, high) in builder.ranges().items()}
    gap = canonical_sums(normalize(sides.gap.xreplace(shift), ranges))
    shown: list[tuple[str, Sign]] = []
    for description, case in generic.index_cases(builder, gap, where, free, ranges, shift):
        found = _sign(case, ranges, op)
        if not enough(op, found):
            return None
        shown.append((description, found))
    label = gap_label(op)
    cases = "; ".join(f"{d}: {label} {s.value}" for d, s in shown if d)
    weakest = Sign.POSITIVE if all(s == Sign.POSITIVE for _, s in shown) else Sign.NONNEGATIVE
    if shown and all(s == Sign.ZERO for _, s in shown):
        weakest = Sign.ZERO
    conclusion = f"{label} {weakest.value}"
    proof = (ProofStep("left side", canonical_sums(sides.left)),
             ProofStep("right side", canonical_sums(sides.right)),
             ProofStep(f"{label}, over a common denominator",
                       sympy.together(canonical_sums(normalize(sides.gap, builder.ranges())))),
             ProofStep(f"sign: {conclusion}" + (f" ({cases})" if cases else "")
                       + " by positivity: exp > 0, sums and products of positive terms > 0, "
                       "squares ≥ 0, a sum minus one of its own terms ≥ 0, log u has the "
                       "sign of u − 1", sympy.Integer(0)))
    sizes = "all sizes" + ("" if not bounds else " with " + ", ".join(
        f"{n} ≥ {c}" for n, c in sorted(bounds.items())) + " (as `where` says)")
    return Outcome(Verdict.PROVED, "generic",
                   f"proved for {sizes}: {conclusion} (sign by positivity, symbolic)",
                   proof=proof)


def _at(builder: SympyBuilder, gap: sympy.Expr, target: Target) -> sympy.Expr:
    """The gap at one assignment: sizes and indices put in, sums written out."""
    sizes, env = target
    put: dict[sympy.Basic, sympy.Basic] = {size_symbol(n): sympy.Integer(v)
                                           for n, v in sizes.items()}
    put.update({builder.index_symbols[n]: sympy.Integer(v) for n, v in env.items()})
    return sympy.expand(gap.xreplace(put).doit(), deep=False)


def targets(scope: Scope, free: list[str], where: ast.Node | None,
            combos: list[dict[str, int]], prime: int) -> list[Target]:
    """Every assignment of the free indices satisfying `where`, at every size combination."""
    out: list[Target] = []
    for sizes in combos:
        evaluator = Evaluator(scope, sizes, ModularDomain(1, prime))
        out += [(sizes, env) for env in bounded.assignments(evaluator, free, where)]
    return out


@dataclass(slots=True)
class Search:
    """What the trial points showed: a counterexample, or how many points held."""

    counterexample: Counterexample | None = None
    held: int = 0  # points where the relation holds beyond doubt
    unsure: int = 0  # points where the sides agree to every digit computed
    undefined: int = 0
    unsure_at: Target | None = None
    failing: list[Target] = field(default_factory=list)


def search(scope: Scope, op: str, lhs: ast.Node, rhs: ast.Node, where_to: list[Target],
           seed: int, per_target: int = POINTS_PER_ASSIGNMENT, total: int = MAX_POINTS,
           stop: bool = True) -> Search:
    """Trial points (simple values first: refute.trial_points) at each assignment; with
    `stop`, the search ends at the first counterexample, else at each assignment's first."""
    names = used_names(scope, [lhs, rhs])
    found = Search()
    evaluated = 0
    for target in where_to:
        candidate = bounded.Candidate(target[0], target[1], ())
        for values in itertools.islice(trial_points(scope, names, candidate, seed), per_target):
            if evaluated >= total:
                return found
            evaluated += 1
            try:
                measured = measure(scope, lhs, rhs, candidate, values)
            except (Undefined, KeyError, ArithmeticError, ValueError):
                found.undefined += 1
                continue
            if measured is None:
                found.unsure += 1
                found.unsure_at = found.unsure_at or target
                continue
            if holds(op, measured.difference):
                found.held += 1
                continue
            found.failing.append(target)
            if found.counterexample is None:
                found.counterexample = counterexample(scope, lhs, rhs, candidate, values,
                                                      measured)
            if stop:
                return found
            break
    return found


@dataclass(frozen=True, slots=True)
class Settled:
    """The listed assignments of an inequality by what the engine showed there."""

    free: list[str]
    names: list[str]
    holding: list[Target]
    failing: list[Target]
    unknown: list[Target]


def failure(op: str, example: Counterexample) -> str:
    """'fails at N = 1, i = 1: lhs = 1, rhs = 1, and not lhs < rhs' (exact values where
    the point gives them)."""
    where = ", ".join(f"{k} = {v}" for k, v in example.sizes + example.indices)
    exact = dict(example.rational)
    left, right = exact.get("lhs", example.lhs), exact.get("rhs", example.rhs)
    return (f"fails at {where}" if where else "fails at the inputs below") + \
        f": lhs = {left}, rhs = {right}, and not lhs {SYMBOLS[op]} rhs"


def _spread(items: list[Target], count: int) -> list[Target]:
    """At most `count` items: the first, the last, and evenly spaced ones between."""
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(k * step)] for k in range(count)]


def _where_text(target: Target) -> str:
    return ", ".join(f"{k} = {v}" for k, v in [*sorted(target[0].items()),
                                               *sorted(target[1].items())])


def _sizes_text(values: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{n} ∈ {{{', '.join(map(str, v))}}}" for n, v in values.items())


class InequalityDecider:
    """Decides one inequality claim of one scope under one set of options."""

    def __init__(self, scope: Scope, options: Options, builder: SympyBuilder,
                 guarded: Callable[[Callable[[], Outcome]], Outcome]) -> None:
        self.scope, self.options, self.builder = scope, options, builder
        self.guarded = guarded  # runs a layer under the time limit, errors as verdicts

    def _assignments(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
                     ) -> tuple[list[str], dict[str, tuple[int, ...]], list[Target]]:
        """The free indices, the listed size values and the assignments (sizes, labels,
        indices) satisfying `where` that lhs ? rhs is judged at."""
        scope, options = self.scope, self.options
        free, names = bounded.equation_space(scope, lhs, rhs, where)
        values = {n: options.size_values(n, scope.sizes[n].values) for n in names}
        combos = bounded.size_combinations(scope, names, values,
                                           bounded.equation_labels(scope, lhs, rhs, where)) \
            or [{}]
        return free, values, targets(scope, free, where, combos, options.prime)

    def decide(self, op: str, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
               ) -> Outcome:
        free, values, where_to = self._assignments(lhs, rhs, where)
        if not where_to:
            return Outcome(Verdict.UNDECIDED, "bounded",
                           "no index assignment satisfies `where` at the listed sizes")
        symbolic = self.guarded(lambda: self._symbolic(op, lhs, rhs, where, free, values,
                                                       where_to))
        if symbolic.verdict != Verdict.UNDECIDED or symbolic.method == "inconsistent":
            return symbolic
        if Strategy.NUMERIC not in self.options.strategies:
            return symbolic if symbolic.method != "open" else Outcome(
                Verdict.UNDECIDED, "none", symbolic.message)
        return self.guarded(lambda: self._numeric(op, lhs, rhs, where_to, symbolic.message))

    def _symbolic(self, op: str, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                  free: list[str], values: dict[str, tuple[int, ...]],
                  where_to: list[Target]) -> Outcome:
        """proved, verified or refuted; else UNDECIDED with method `open` and the reason."""
        strategies, seed = self.options.strategies, self.options.seed
        sides = _sides(self.builder, op, lhs, rhs)
        if Strategy.GENERIC in strategies and sides is not None:
            proof = prove(self.builder, op, sides, where, free)
            if proof is not None:
                return self._cross_check(proof, op, lhs, rhs, where_to)
        if Strategy.BOUNDED not in strategies:
            return Outcome(Verdict.UNDECIDED, "open", "no sign shown for every size")
        shown = self._shown(op, sides, where_to)
        open_targets = [t for t in where_to if t not in shown]
        if not open_targets:
            return Outcome(Verdict.VERIFIED, "bounded",
                           f"verified for {_sizes_text(values) or 'the given values'}: the sign "
                           f"of {gap_label(op)} shown symbolically at each of the "
                           f"{len(where_to)} assignments (sums written out)",
                           sizes_checked=tuple(values.items()))
        found = search(self.scope, op, lhs, rhs, open_targets, seed)
        if found.counterexample is not None:
            return self._refuted(op, found)
        at = _where_text(open_targets[0])
        why = ("sympy cannot build a side" if sides is None else
               f"no sign of {gap_label(op)} shown" + (f" at {at}" if at else ""))
        return Outcome(Verdict.UNDECIDED, "open", why)

    def _refuted(self, op: str, found: Search) -> Outcome:
        example = found.counterexample
        assert example is not None
        return Outcome(Verdict.REFUTED, "bounded", failure(op, example),
                       counterexample=example)

    def settle(self, op: str, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
               points: int = REGION_POINTS) -> Settled:
        """Each listed assignment as holding (the gap's sign shown at that size), failing (a
        counterexample there) or neither: for the diagnosis of a refuted inequality."""
        scope, options = self.scope, self.options
        free, values, where_to = self._assignments(lhs, rhs, where)
        sides = _sides(self.builder, op, lhs, rhs)
        shown = self._shown(op, sides, where_to)
        rest = [t for t in where_to if t not in shown]
        failing = search(scope, op, lhs, rhs, rest, options.seed, per_target=points,
                         total=10**9, stop=False).failing
        return Settled(free, list(values), shown, failing,
                       [t for t in rest if t not in failing])

    def _shown(self, op: str, sides: Sides | None, where_to: list[Target]) -> list[Target]:
        """The assignments where the gap's sign is shown at that size."""
        if sides is None:
            return []
        return [t for t in where_to
                if enough(op, _sign(_at(self.builder, sides.gap, t), {}, op))]

    def _cross_check(self, proof: Outcome, op: str, lhs: ast.Node, rhs: ast.Node,
                     where_to: list[Target]) -> Outcome:
        """A proof must agree with trial points at the smallest and largest sizes."""
        ends = [where_to[0], where_to[-1]] if len(where_to) > 1 else where_to
        found = search(self.scope, op, lhs, rhs, ends, self.options.seed, per_target=8)
        if found.counterexample is None:
            return proof
        return Outcome(Verdict.UNDECIDED, "inconsistent",
                       "engine inconsistency: the sign argument disagrees with exact "
                       f"evaluation at {_where_text(found.failing[0])} (lhs = "
                       f"{found.counterexample.lhs}, rhs = {found.counterexample.rhs}); "
                       "not trusting either", counterexample=found.counterexample)

    def _numeric(self, op: str, lhs: ast.Node, rhs: ast.Node, where_to: list[Target],
                 why: str) -> Outcome:
        """Trial points at a sample of the assignments: consistent, refuted or undecided."""
        found = search(self.scope, op, lhs, rhs, _spread(where_to, MAX_ASSIGNMENTS),
                       self.options.seed)
        if found.counterexample is not None:
            return Outcome(Verdict.REFUTED, "numeric",
                           f"{failure(op, found.counterexample)} (found at trial points; no "
                           f"symbolic verdict: {why})", counterexample=found.counterexample)
        tally = f"{found.held} trial points (exact or 60-digit mpmath)" + (
            f", {found.undefined} undefined" if found.undefined else "")
        if found.unsure and strict(op):
            assert found.unsure_at is not None
            return Outcome(Verdict.UNDECIDED, "numeric",
                           f"the sides agree to every digit computed at {found.unsure} trial "
                           f"points (first at {_where_text(found.unsure_at) or 'the inputs'}): "
                           f"a strict inequality may fail there by equality; holds at {tally}; "
                           f"no symbolic verdict: {why}")
        if found.held == 0:
            return Outcome(Verdict.UNDECIDED, "numeric",
                           f"no trial point where both sides are defined ({why})")
        unsure = f"; the sides agree to every digit computed at {found.unsure} more" \
            if found.unsure else ""
        return Outcome(Verdict.CONSISTENT, "numeric",
                       f"consistent: numeric evidence only, no symbolic proof ({why}); the "
                       f"relation holds at {tally}{unsure}")
