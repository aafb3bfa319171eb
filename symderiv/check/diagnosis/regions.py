"""Where a refuted equation holds: equality patterns of its free indices, sizes equal to 1.

Every index assignment at every listed size is screened exactly (GF(p), as in the bounded
layer, in two fields) and grouped by the equality pattern of the free indices (i = j, i ≠ j,
...) and by whether a size is 1; the patterns that always hold and those that fail are named.
A failure seen only through exp/log/sqrt atoms counts once a counterexample confirms it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from symderiv.check import bounded
from symderiv.check.diagnosis.budget import Budget
from symderiv.check.evaluate import EvaluationError, Evaluator
from symderiv.check.refute import find_counterexample
from symderiv.language import ast
from symderiv.numbers.domains import ModularDomain, Undefined
from symderiv.resolve.scope import Scope

#: An equality pattern: for each pair of same-size free indices, whether the two are equal.
Pattern = tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class Regions:
    holds_when: tuple[str, ...]
    fails_when: tuple[str, ...]
    diagonal: tuple[str, str] | None  # holds exactly when these two indices are equal
    settled: bool = True  # False: the screen could not tell where it holds


#: No region stated: it fails in every case the screen checked.
NOWHERE = Regions((), (), None)
#: No region stated: the screen could not tell (a difference it could neither confirm nor
#: rule out, a value it could not evaluate, or no time left).
UNSETTLED = Regions((), (), None, settled=False)


@dataclass(slots=True)
class _Tally:
    """What the exact screen saw, per equality pattern and per size bucket."""

    pattern_fails: dict[Pattern, bool]
    small_fails: dict[str, bool | None]  # None: no assignment with this size 1
    large_fails: dict[str, bool | None]  # None: no assignment with this size ≥ 2
    # where the exact screen saw a difference through exp/log/sqrt atoms (which lose
    # relations such as sqrt(z)^2 = z): the first such assignment, to be confirmed
    unsure: dict[Any, bounded.Candidate]

    @classmethod
    def empty(cls, names: list[str]) -> _Tally:
        return cls({}, {n: None for n in names}, {n: None for n in names}, {})

    def record(self, pattern: Pattern, sizes: dict[str, int], names: list[str],
               fails: bool) -> None:
        self.pattern_fails[pattern] = self.pattern_fails.get(pattern, False) or fails
        for n in names:
            bucket = self.small_fails if sizes[n] == 1 else self.large_fails
            bucket[n] = bucket[n] or fails


def regions(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> Regions:
    """Where lhs == rhs holds and where it fails, as formula text (UNSETTLED if unclear)."""
    return budget.limited(lambda: _regions(budget, lhs, rhs, where), UNSETTLED)


def _regions(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> Regions:
    free, names, combos = budget.space(lhs, rhs, where)
    pairs = same_size_pairs(budget.scope, free)
    tally = _Tally.empty(names)
    try:
        for number, sizes in enumerate(combos):
            _screen(budget, lhs, rhs, where, free, names, pairs, number, sizes, tally)
    except (EvaluationError, RecursionError):
        return UNSETTLED
    if not _confirm(budget, lhs, rhs, where, free, pairs, tally):
        return UNSETTLED
    return _named(tally, free, names, pairs)


def same_size_pairs(scope: Scope, free: list[str]) -> list[tuple[str, str]]:
    """The pairs of free indices that can be equal (they run over the same size)."""
    return [(a, b) for a, b in itertools.combinations(free, 2)
            if scope.indices[a].size == scope.indices[b].size]


def _screen(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
            free: list[str], names: list[str], pairs: list[tuple[str, str]], number: int,
            sizes: dict[str, int], tally: _Tally) -> None:
    """Tally every assignment at one size combination (the `number`-th)."""
    prime = budget.decider.options.prime
    evaluators = [Evaluator(budget.scope, sizes, ModularDomain(9173 + number * 31 + k, prime))
                  for k in range(2)]
    for env in bounded.assignments(evaluators[0], free, where):
        entry, through_atoms = _difference(evaluators, lhs, rhs, env)
        pattern = tuple(env[a] == env[b] for a, b in pairs)
        if entry is not None and through_atoms:
            candidate = bounded.Candidate(sizes, env, entry)
            keys = [pattern] + [(n, sizes[n] == 1) for n in names]
            for key in keys:
                tally.unsure.setdefault(key, candidate)
        tally.record(pattern, sizes, names, entry is not None)


def _difference(evaluators: list[Evaluator], lhs: ast.Node, rhs: ast.Node,
                env: dict[str, int]) -> tuple[tuple[int, ...] | None, bool]:
    """The first entry where some field sees lhs ≠ rhs at `env` (else None), and whether
    that field saw it through atoms."""
    for evaluator in evaluators:
        try:
            left, right = evaluator.value(lhs, env), evaluator.value(rhs, env)
        except Undefined:
            continue
        entry = bounded.difference_entry(left, right, None)
        if entry is not None:
            return entry, bool(evaluator.domain.atoms)  # type: ignore[attr-defined]
    return None, False


def _confirm(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
             free: list[str], pairs: list[tuple[str, str]], tally: _Tally) -> bool:
    """Settle the failures seen only through atoms; False when no region can be stated."""
    # a failure seen only through atoms counts once a counterexample confirms it; a
    # pattern that is not confirmed must be shown to hold, else no region is stated
    for key, candidate in tally.unsure.items():
        if find_counterexample(budget.scope, lhs, rhs, [candidate],
                               budget.decider.options.seed):
            continue
        if key and isinstance(key[0], str):  # a size bucket: unknown, so no size statement
            tally.small_fails[key[0]] = tally.large_fails[key[0]] = None
            continue
        condition = pattern_text(pairs, key, free)
        if not condition or not budget.holds_under(lhs, rhs, where, condition):
            return False
        tally.pattern_fails[key] = False
    return True


def _named(tally: _Tally, free: list[str], names: list[str],
           pairs: list[tuple[str, str]]) -> Regions:
    """The regions the tally shows: one pair's (in)equality, a size of 1, or the patterns."""
    holding = [p for p, failed in tally.pattern_fails.items() if not failed]
    failing = [p for p, failed in tally.pattern_fails.items() if failed]
    if holding and failing:
        for position, (a, b) in enumerate(pairs):
            if all(p[position] for p in holding) and not any(p[position] for p in failing):
                return Regions((f"{a} == {b}",), (f"{a} != {b}",), (a, b))
            if not any(p[position] for p in holding) and all(p[position] for p in failing):
                return Regions((f"{a} != {b}",), (f"{a} == {b}",), None)
        return Regions(tuple(pattern_text(pairs, p, free) for p in holding),
                       tuple(pattern_text(pairs, p, free) for p in failing), None)
    for n in names:
        if tally.small_fails[n] is False and tally.large_fails[n]:
            return Regions((f"{n} == 1",), (f"{n} >= 2",), None)
    if len(failing) > 1:
        return Regions((), tuple(pattern_text(pairs, p, free) for p in failing), None)
    return NOWHERE


def pattern_text(pairs: list[tuple[str, str]], pattern: Pattern, free: list[str]) -> str:
    """'i == j and i != k' for one equality pattern (implied relations left out)."""
    group = {index: index for index in free}
    for (a, b), equal in zip(pairs, pattern):
        if equal:
            group[b] = group[a]
    parts = [f"{group[b]} == {b}" for b in free if group[b] != b]
    parts += [f"{a} != {b}" for (a, b), equal in zip(pairs, pattern)
              if not equal and group[a] == a and group[b] == b]
    return " and ".join(parts)
