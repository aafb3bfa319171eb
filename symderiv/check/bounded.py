"""The bounded layer: every concrete size combination and index assignment (`verified`).

Both sides are evaluated exactly in GF(p), p a random 61-bit prime (`Options.prime`), at two
independent random points
(randomised identity testing: a nonzero difference of degree d vanishes at a random point with
probability ≤ d/p). Derivatives come from forward-mode differentiation of the definitions, not
from sympy, so this layer is an independent check of the generic one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from symderiv.resolve.scope import (Scope, free_indices, label_assignments, used_labels,
                                    used_sizes)
from symderiv.numbers.domains import ModularDomain, NewKink, Undefined
from symderiv.check.evaluate import EvaluationError, Evaluator, Tensor, comparable
from symderiv.language import ast

POINTS = 2
MAX_CANDIDATES = 12
#: The most regions (sign patterns of the kinks' arguments) evaluated at one point.
MAX_REGIONS = 64


class TooManyRegions(EvaluationError):
    """More kinks than the screen enumerates the regions of."""


def region_values(evaluator: Evaluator, lhs: ast.Node, rhs: ast.Node, env: dict[str, int]
                  ) -> Iterator[tuple[object, object] | None]:
    """Both sides at the evaluator's point, once for each region of the signs of the kinks'
    arguments (relu, abs, max, min: values modulo p have no sign, so each sign is chosen in
    turn); None for a region where a side is undefined. Without kinks, one region.

    Raises:
        TooManyRegions: beyond MAX_REGIONS.
    """
    domain = evaluator.domain
    assert isinstance(domain, ModularDomain)
    domain.signs = {}
    try:
        yield evaluator.value(lhs, env), evaluator.value(rhs, env)
        return
    except Undefined:
        yield None
        return
    except NewKink as kink:
        pending = [{kink.key: True}, {kink.key: False}]
    evaluations = 0
    while pending:
        domain.signs = pending.pop()
        evaluations += 1
        if evaluations > 2 * MAX_REGIONS:
            raise TooManyRegions(f"more than {MAX_REGIONS} regions of relu, abs, max and min "
                                 "at one point")
        # the evaluator's memo holds only values that met no kink: valid in every region
        fresh = Evaluator(evaluator.scope, evaluator.sizes, domain)
        fresh.memo = dict(evaluator.memo)
        try:
            values: tuple[object, object] | None = (fresh.value(lhs, env),
                                                    fresh.value(rhs, env))
        except NewKink as kink:
            pending += [{**domain.signs, kink.key: sign} for sign in (True, False)]
            continue
        except Undefined:
            values = None
        yield values
    domain.signs = {}


def equation_space(scope: Scope, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
                   ) -> tuple[list[str], list[str]]:
    """The free indices and the sizes of lhs == rhs under `where`, both sorted.

    An index that only `where` mentions is free too: the claim holds for each of its values
    that satisfy `where`, so it ranges over its size like the indices of lhs and rhs.
    """
    nodes = [lhs, rhs] + ([where] if where is not None else [])
    free = set().union(*(free_indices(node, scope) for node in nodes))
    return sorted(free), used_sizes(scope, nodes)


def equation_labels(scope: Scope, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
                    ) -> list[str]:
    """The labels lhs == rhs under `where` uses, through its definitions too."""
    return used_labels(scope, [lhs, rhs] + ([where] if where is not None else []))


def size_combinations(scope: Scope, names: list[str], values: dict[str, tuple[int, ...]],
                      labels: list[str] | None = None) -> list[dict[str, int]]:
    """All combinations of the listed size values, smallest first; with `labels`, each
    combination once per assignment of the labels' values (`scope.label_assignments`):
    a label is checked for each of its values, as a free index is."""
    pools = [values.get(name, scope.sizes[name].values) for name in names]
    combos = [dict(zip(names, combo)) for combo in itertools.product(*pools)]
    combos.sort(key=lambda c: (sum(c.values()), tuple(c.values())))
    if not labels:
        return combos
    return [{**sizes, **assignment} for sizes in combos
            for assignment in label_assignments(scope, labels, sizes)]


def assignments(evaluator: Evaluator, free: list[str],
                where: ast.Node | None) -> Iterator[dict[str, int]]:
    ranges = [range(1, evaluator.range_of(index) + 1) for index in free]
    for values in itertools.product(*ranges):
        env = dict(zip(free, values))
        if where is None or evaluator.condition(where, env):
            yield env


def difference_entry(left: object, right: object, is_zero: object) -> tuple[int, ...] | None:
    """The first entry where the two values differ (() for scalars), or None."""
    if not comparable(left, right):
        return ()  # values of two shapes differ, though no entry can show it (nor confirm)
    if isinstance(left, Tensor) and isinstance(right, Tensor):
        for position, (a, b) in enumerate(zip(left.data, right.data)):
            if a != b:
                rows, cols = left.as_matrix()
                return (position // cols + 1, position % cols + 1) if len(left.shape) == 2 \
                    else (position + 1,)
        return None
    return None if left == right else ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """An assignment where the exact screen saw lhs ≠ rhs."""

    sizes: dict[str, int]
    indices: dict[str, int]
    entry: tuple[int, ...]
    #: the functions the screen could not evaluate exactly there (each value of exp, log,
    #: sqrt or a fractional power is an unknown of its own): `exp`, `log`, `pow`, `sqrt`
    opaque: frozenset[str] = frozenset()


@dataclass
class Screen:
    candidates: list[Candidate] = field(default_factory=list)
    assignments: int = 0
    undefined: int = 0
    combos: list[dict[str, int]] = field(default_factory=list)


def screen(scope: Scope, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
           free: list[str], combos: list[dict[str, int]], seed: int, prime: int) -> Screen:
    """Evaluate lhs and rhs exactly at every assignment of every combo.

    Raises:
        EvaluationError: when a formula cannot be evaluated at these sizes.
    """
    result = Screen()
    for number, sizes in enumerate(combos):
        result.combos.append(sizes)
        evaluators = [Evaluator(scope, sizes, ModularDomain(seed * 7919 + number * 31 + k, prime))
                      for k in range(POINTS + 2)]
        for env in assignments(evaluators[0], free, where):
            result.assignments += 1
            defined = 0
            for evaluator in evaluators:
                entry = None
                point_defined = False
                for values in region_values(evaluator, lhs, rhs, env):
                    if values is not None:
                        point_defined = True
                        entry = difference_entry(values[0], values[1], None)
                        if entry is not None:
                            break
                if not point_defined:
                    continue
                defined += 1
                if entry is not None:
                    domain = evaluator.domain
                    assert isinstance(domain, ModularDomain)
                    opaque = frozenset(kind for kind, _, _ in domain.atoms) \
                        | ({"kink"} if domain.kinked else set())
                    result.candidates.append(Candidate(sizes, env, entry, opaque))
                    break
                if defined == POINTS:
                    break
            else:
                if defined < POINTS:
                    result.undefined += 1
            if len(result.candidates) >= MAX_CANDIDATES:
                return result
    return result
