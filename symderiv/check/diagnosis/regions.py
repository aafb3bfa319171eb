"""Where a refuted equation holds: equality patterns of its free indices, and size corners.

Every index assignment at every listed size is screened exactly (GF(p), as in the bounded
layer, in two fields) and recorded by the equality pattern of the free indices (i = j, i ≠ j,
...) and the sizes; an assignment where neither field can evaluate both sides is undefined,
never holding. The patterns that always hold and those that fail are named; when no pattern
tells, the size corners are: a size equal to one of its values (N == 1, tau == 2) or two sizes
equal (N == F), every corner where the claim holds listed. A failure seen only through
exp/log/sqrt atoms counts once a counterexample confirms it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from symderiv.check import bounded
from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.edits import number_node, rebuild, substituting
from symderiv.check.evaluate import EvaluationError, Evaluator
from symderiv.check.refute import find_counterexample
from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.numbers.domains import ModularDomain, Undefined
from symderiv.resolve.scope import Scope, used_names

#: An equality pattern: for each pair of same-size free indices, whether the two are equal.
Pattern = tuple[bool, ...]
#: One size combination, the values in the order of the equation's size names.
Sizes = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Regions:
    holds_when: tuple[str, ...]
    fails_when: tuple[str, ...]
    diagonal: tuple[str, str] | None  # holds exactly when these two indices are equal
    settled: bool = True  # False: the screen could not tell where it holds
    undefined_when: tuple[str, ...] = ()  # where a side has no value (0/0 at N == 1)


#: No region stated: it fails in every case the screen checked.
NOWHERE = Regions((), (), None)
#: No region stated: the screen could not tell (a difference it could neither confirm nor
#: rule out, a value it could not evaluate, or no time left).
UNSETTLED = Regions((), (), None, settled=False)


@dataclass(slots=True)
class _Record:
    """What the screen saw at the assignments of one equality pattern and size combination."""

    holds: bool = False  # some assignment where both sides are defined and equal
    fails: bool = False  # some difference (seen through atoms too, until settled)
    undefined: bool = False  # some assignment where a side has no value
    # the first difference seen only through exp/log/sqrt atoms (which lose relations such
    # as sqrt(z)^2 = z), to be confirmed by a counterexample or settled by a proof
    unsure: bounded.Candidate | None = None
    sure: bool = False  # a difference seen through no atom, or confirmed

    def holding(self) -> bool:
        return self.holds and not self.fails and not self.undefined


@dataclass(slots=True)
class _Tally:
    """The records of one screen, keyed by (pattern, sizes)."""

    records: dict[tuple[Pattern, Sizes], _Record] = field(default_factory=dict)

    def at(self, pattern: Pattern, sizes: Sizes) -> _Record:
        return self.records.setdefault((pattern, sizes), _Record())

    def patterns(self) -> list[Pattern]:
        return list(dict.fromkeys(p for p, _ in self.records))

    def where(self, test: Callable[[Pattern, Sizes], bool]) -> list[_Record]:
        return [r for (p, s), r in self.records.items() if test(p, s)]


def regions(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> Regions:
    """Where lhs == rhs holds and where it fails, as formula text (UNSETTLED if unclear)."""
    return budget.limited(lambda: _regions(budget, lhs, rhs, where), UNSETTLED)


def _regions(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> Regions:
    free, names, combos = budget.space(lhs, rhs, where)
    pairs = same_size_pairs(budget.scope, free)
    tally = _Tally()
    try:
        for number, sizes in enumerate(combos):
            _screen(budget, lhs, rhs, where, free, pairs, number, sizes,
                    tuple(sizes[n] for n in names), tally)
    except (EvaluationError, RecursionError):
        return UNSETTLED
    if not _settle(budget, lhs, rhs, where, free, pairs, tally):
        return UNSETTLED
    confirm = _Confirmer(budget, lhs, rhs)
    found = _by_pattern(tally, free, pairs, confirm.any) \
        or _by_sizes(tally, names, confirm.any)
    if found is not None:
        return found
    failing = [p for p in tally.patterns() if confirm.any(tally.where(_in_pattern(p)))]
    if len(failing) > 1:
        return Regions((), tuple(pattern_text(pairs, p, free) for p in failing), None)
    # "fails everywhere" only if no difference stays unconfirmed (it may hold there)
    if any(r.fails and not confirm.record(r) for r in tally.records.values()):
        return UNSETTLED
    return _by_parameters(budget, lhs, rhs, where) or NOWHERE


#: The values a scalar symbol is tried at when neither indices nor sizes tell (tau == 1).
PARAMETER_VALUES = (Fraction(1), Fraction(0))


def _by_parameters(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
                   ) -> Regions | None:
    """A scalar symbol at a value where the engine proves the claim (`holds when tau == 1`):
    one the equation writes itself, that no definition it uses holds and no D(..., tau)
    differentiates by, so that putting the value in its place is the claim at that value."""
    scope = budget.scope
    nodes = list(ast.walk(lhs)) + list(ast.walk(rhs))
    definitions = used_names(scope, [lhs, rhs]) & set(scope.definitions)
    inside = used_names(scope, [scope.definitions[d].body.node for d in definitions])
    by = {unparse(n.args[1]) for n in nodes if isinstance(n, ast.Call) and n.function == "D"}
    for name in sorted({n.name for n in nodes if isinstance(n, ast.Name)}):
        symbol = scope.symbols.get(name)
        if symbol is None or symbol.shape or name in inside or name in by:
            continue
        for value in PARAMETER_VALUES:
            if value <= 0 and symbol.domain == "positive":
                continue
            put = substituting({name: number_node(value)})
            if budget.proves(rebuild(lhs, put), rebuild(rhs, put), where):
                return Regions((f"{name} == {value}",), (f"{name} != {value}",), None)
    return None


def settled_regions(scope: Scope, free: list[str], names: list[str],
                    holding: list[tuple[dict[str, int], dict[str, int]]],
                    failing: list[tuple[dict[str, int], dict[str, int]]]) -> Regions:
    """The regions of a claim whose every listed assignment (sizes, indices) the engine has
    settled: shown to hold there, or failing at a confirmed counterexample (inequalities)."""
    pairs = same_size_pairs(scope, free)
    tally = _Tally()
    for (sizes, env), fails in [(t, False) for t in holding] + [(t, True) for t in failing]:
        record = tally.at(tuple(env[a] == env[b] for a, b in pairs),
                          tuple(sizes[n] for n in names))
        if fails:
            record.fails = record.sure = True
        else:
            record.holds = True

    def stands(records: list[_Record]) -> bool:
        return any(r.fails for r in records)

    found = _by_pattern(tally, free, pairs, stands) or _by_sizes(tally, names, stands)
    return found or NOWHERE


def same_size_pairs(scope: Scope, free: list[str]) -> list[tuple[str, str]]:
    """The pairs of free indices that can be equal (they run over the same size)."""
    return [(a, b) for a, b in itertools.combinations(free, 2)
            if scope.indices[a].size == scope.indices[b].size]


def _screen(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
            free: list[str], pairs: list[tuple[str, str]], number: int,
            sizes: dict[str, int], key: Sizes, tally: _Tally) -> None:
    """Record every assignment at one size combination (the `number`-th)."""
    prime = budget.decider.options.prime
    evaluators = [Evaluator(budget.scope, sizes, ModularDomain(9173 + number * 31 + k, prime))
                  for k in range(2)]
    for env in bounded.assignments(evaluators[0], free, where):
        record = tally.at(tuple(env[a] == env[b] for a, b in pairs), key)
        seen = _difference(evaluators, lhs, rhs, env)
        if seen is None:
            record.undefined = True
            continue
        entry, through_atoms = seen
        if entry is None:
            record.holds = True
            continue
        record.fails = True
        if not through_atoms:
            record.sure = True
        elif record.unsure is None:
            record.unsure = bounded.Candidate(sizes, env, entry)


def _difference(evaluators: list[Evaluator], lhs: ast.Node, rhs: ast.Node,
                env: dict[str, int]) -> tuple[tuple[int, ...] | None, bool] | None:
    """The first entry where some field sees lhs ≠ rhs at `env` (None: equal), and whether
    that field saw it through atoms; None when no field can evaluate both sides."""
    defined = False
    for evaluator in evaluators:
        try:
            left, right = evaluator.value(lhs, env), evaluator.value(rhs, env)
        except Undefined:
            continue
        defined = True
        entry = bounded.difference_entry(left, right, None)
        if entry is not None:
            return entry, bool(evaluator.domain.atoms)  # type: ignore[attr-defined]
    return (None, False) if defined else None


class _Confirmer:
    """Confirms differences seen only through atoms with a counterexample, each once."""

    def __init__(self, budget: Budget, lhs: ast.Node, rhs: ast.Node) -> None:
        self.budget, self.lhs, self.rhs = budget, lhs, rhs

    def record(self, record: _Record) -> bool:
        """Does this record's difference stand (seen through no atom, or confirmed)?"""
        if not record.sure and record.unsure is not None:
            if find_counterexample(self.budget.scope, self.lhs, self.rhs, [record.unsure],
                                   self.budget.decider.options.seed):
                record.sure = True
            record.unsure = None
        return record.sure

    def any(self, records: list[_Record]) -> bool:
        """Does a difference stand among these records (the sure ones looked at first)?"""
        failing = sorted((r for r in records if r.fails), key=lambda r: not r.sure)
        return any(self.record(r) for r in failing)


def _settle(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
            free: list[str], pairs: list[tuple[str, str]], tally: _Tally) -> bool:
    """Settle each pattern whose only differences were seen through atoms: a counterexample
    confirms one, else the engine must show the pattern holds; False when neither can."""
    confirm = _Confirmer(budget, lhs, rhs)
    for pattern in tally.patterns():
        records = tally.where(_in_pattern(pattern))
        if any(r.sure for r in records) or not any(r.fails for r in records):
            continue
        if confirm.any(records):
            continue
        condition = pattern_text(pairs, pattern, free)
        if not condition or not budget.holds_under(lhs, rhs, where, condition):
            return False
        for record in records:
            record.fails, record.holds = False, True
    return True


def _by_pattern(tally: _Tally, free: list[str], pairs: list[tuple[str, str]],
                stands: Callable[[list[_Record]], bool]) -> Regions | None:
    """The regions the equality patterns show, or None when they do not tell."""
    holding, failing, undefined = [], [], []
    for pattern in tally.patterns():
        records = tally.where(_in_pattern(pattern))
        if all(r.holding() for r in records):
            holding.append(pattern)
        elif all(r.undefined and not r.holds and not r.fails for r in records):
            undefined.append(pattern)
        elif stands(records):
            failing.append(pattern)
    named = tuple(pattern_text(pairs, p, free) for p in undefined)
    if holding and failing:
        for position, (a, b) in enumerate(pairs):
            if all(p[position] for p in holding) and not any(p[position] for p in failing):
                return Regions((f"{a} == {b}",), (f"{a} != {b}",), (a, b),
                               undefined_when=named)
            if not any(p[position] for p in holding) and all(p[position] for p in failing):
                return Regions((f"{a} != {b}",), (f"{a} == {b}",), None, undefined_when=named)
        held = _cover(pairs, holding, tally.patterns()) \
            or [pattern_text(pairs, p, free) for p in holding]
        return Regions(tuple(held), tuple(pattern_text(pairs, p, free) for p in failing),
                       None, undefined_when=named)
    return None


def _cover(pairs: list[tuple[str, str]], holding: list[Pattern], seen: list[Pattern]
           ) -> list[str]:
    """Fewer single relations (`j == m`, `m != n`) whose patterns all hold and together
    are every holding pattern, as a teacher would write them; [] when there are none."""
    literals = [(position, equal) for position in range(len(pairs)) for equal in (True, False)]
    usable = [(position, equal) for position, equal in literals
              if all(p in holding for p in seen if p[position] == equal)]
    chosen: list[tuple[int, bool]] = []
    left = set(holding)
    while left:
        best = max(usable, key=lambda lit: sum(p[lit[0]] == lit[1] for p in left),
                   default=None)
        if best is None or not any(p[best[0]] == best[1] for p in left):
            return []
        chosen.append(best)
        left = {p for p in left if p[best[0]] != best[1]}
    if len(chosen) >= len(holding):
        return []
    return [f"{pairs[position][0]} {'==' if equal else '!='} {pairs[position][1]}"
            for position, equal in sorted(chosen, key=lambda lit: (not lit[1], lit[0]))]


@dataclass(frozen=True, slots=True)
class _Corner:
    """A size corner: its text, its complement's text, and which size combinations it holds."""

    text: str
    otherwise: str
    test: Callable[[Sizes], bool]


def _corners(tally: _Tally, names: list[str]) -> list[_Corner]:
    """A size at one of its values (N == 1) or up to / from one (N <= 2), then two sizes
    equal (N == F)."""
    out: list[_Corner] = []
    seen = [s for _, s in tally.records]
    for position, name in enumerate(names):
        values = sorted({s[position] for s in seen})
        if len(values) < 2:
            continue
        for value in values:
            otherwise = f"{name} >= {value + 1}" if value == values[0] else \
                f"{name} <= {value - 1}" if value == values[-1] else f"{name} != {value}"
            out.append(_Corner(f"{name} == {value}", otherwise, _size_is(position, value)))
        for value in values[1:-1]:  # N <= 2 rather than N == 1 or N == 2
            out.append(_Corner(f"{name} <= {value}", f"{name} >= {value + 1}",
                               _size_at_most(position, value)))
            out.append(_Corner(f"{name} >= {value}", f"{name} <= {value - 1}",
                               _size_at_least(position, value)))
    for (p, a), (q, b) in itertools.combinations(enumerate(names), 2):
        if any(s[p] == s[q] for s in seen) and any(s[p] != s[q] for s in seen):
            out.append(_Corner(f"{a} == {b}", f"{a} != {b}", _sizes_equal(p, q)))
    return out


def _size_is(position: int, value: int) -> Callable[[Sizes], bool]:
    return lambda sizes: sizes[position] == value


def _size_at_most(position: int, value: int) -> Callable[[Sizes], bool]:
    return lambda sizes: sizes[position] <= value


def _size_at_least(position: int, value: int) -> Callable[[Sizes], bool]:
    return lambda sizes: sizes[position] >= value


def _sizes_equal(first: int, second: int) -> Callable[[Sizes], bool]:
    return lambda sizes: sizes[first] == sizes[second]


def _in_pattern(pattern: Pattern) -> Callable[[Pattern, Sizes], bool]:
    return lambda other, _: other == pattern


def _by_sizes(tally: _Tally, names: list[str], stands: Callable[[list[_Record]], bool]
              ) -> Regions | None:
    """Every size corner where the claim holds (none implied by another), where it is
    undefined, and the rest where it fails; None when no corner tells."""
    def records(corner: _Corner) -> list[_Record]:
        return tally.where(lambda _, s: corner.test(s))

    holding, undefined = [], []
    for corner in _corners(tally, names):
        inside = records(corner)
        if inside and all(r.holding() for r in inside):
            holding.append(corner)
        elif inside and all(r.undefined and not r.holds and not r.fails for r in inside):
            undefined.append(corner)
    holding = _unimplied(tally, holding)
    undefined = _unimplied(tally, undefined)
    stated = holding + undefined
    rest = tally.where(lambda _, s: not any(c.test(s) for c in stated))
    if stated and stands(rest):
        return Regions(tuple(c.text for c in holding),
                       (" and ".join(c.otherwise for c in stated),), None,
                       undefined_when=tuple(c.text for c in undefined))
    return None


def _unimplied(tally: _Tally, corners: list[_Corner]) -> list[_Corner]:
    """The corners whose size combinations no other corner of the list covers."""
    seen = list(dict.fromkeys(s for _, s in tally.records))

    def covered(corner: _Corner) -> set[Sizes]:
        return {s for s in seen if corner.test(s)}

    return [c for n, c in enumerate(corners)
            if not any(covered(c) < covered(o) or (m < n and covered(c) == covered(o))
                       for m, o in enumerate(corners) if o is not c)]


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
