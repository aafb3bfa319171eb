"""The diagnosis's budget: one check's time in all, and at most MAX_DECIDED engine decisions.

Every question the diagnosis asks the engine goes through a Budget: `proves` (is a changed
equation true?) and `holds_under` (is the equation true under an extra condition?), each
screened cheaply first and remembered, and `limited` for work bounded by the time left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from symderiv.errors import SymderivError
from symderiv.check import bounded
from symderiv.check.decide import Decider
from symderiv.check.evaluate import EvaluationError
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import Verdict
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.language.printer import unparse
from symderiv.numbers.domains import Undefined

T = TypeVar("T")

#: At most this many changed equations go to the full engine (each is a complete check).
MAX_DECIDED = 24


class Budget:
    """The engine, time and decisions one diagnosis may spend, for one decider's scope."""

    def __init__(self, decider: Decider) -> None:
        self.scope = decider.scope
        timeout = decider.options.timeout
        # the whole diagnosis gets one check's time; each changed equation a third of it
        self.ends = time.monotonic() + timeout
        self.decider = decider.with_timeout(max(1.0, timeout / 3))
        self.decided = 0
        self.cache: dict[tuple[str, str, str], str | None] = {}

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def limited(self, work: Callable[[], T], fallback: T) -> T:
        """`work()` within the diagnosis's remaining time, else `fallback`."""
        if self.remaining() <= 0:
            return fallback
        try:
            with deadline(self.remaining()):
                return work()
        except CheckTimeout:
            return fallback

    def space(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
              ) -> tuple[list[str], list[str], list[dict[str, int]]]:
        """The equation's free indices, its sizes, and their listed combinations then 1..3."""
        free, names = bounded.equation_space(self.scope, lhs, rhs, where)
        values = self.decider.size_values(names)
        labels = bounded.equation_labels(self.scope, lhs, rhs, where)
        try:
            combos = bounded.size_combinations(self.scope, names, values, labels)
        except SymderivError:  # too many label assignments: nothing to screen
            return free, names, []
        try:
            extra = [c for c in bounded.size_combinations(
                self.scope, names, {n: (1, 2, 3) for n in names}, labels) if c not in combos]
        except SymderivError:
            extra = []
        return free, names, combos + extra

    def screens_equal(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> bool:
        """The cheap filter: no difference at the two smallest size combinations."""
        free, _, combos = self.space(lhs, rhs, where)
        try:
            result = bounded.screen(self.scope, lhs, rhs, where, free, combos[:2],
                                    self.decider.options.seed + 1, self.decider.options.prime)
        except (EvaluationError, Undefined, RecursionError):
            return False
        return not result.candidates and result.assignments > 0

    def proves(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> str | None:
        """'proved' / 'verified' when the engine shows lhs == rhs, else None."""
        key = (unparse(lhs), unparse(rhs), unparse(where) if where is not None else "")
        if key in self.cache:
            return self.cache[key]
        if self.decided >= MAX_DECIDED or self.remaining() <= 0 \
                or not self.limited(lambda: self.screens_equal(lhs, rhs, where), False):
            return None
        self.decided += 1
        outcome = self.decider.decide(lhs, rhs, where)
        verdict = outcome.verdict.value \
            if outcome.verdict in (Verdict.PROVED, Verdict.VERIFIED) else None
        self.cache[key] = verdict
        return verdict

    def holds_under(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                    condition: str) -> bool:
        """Does the engine show lhs == rhs where `where` and `condition` (formula text) hold?"""
        if self.decided >= MAX_DECIDED or self.remaining() <= 0:
            return False
        self.decided += 1
        extra = parse(condition)
        both = extra if where is None else ast.BoolOp(where.start, where.end, "and", where,
                                                       extra)
        outcome = self.limited(lambda: self.decider.decide(lhs, rhs, both), None)
        return outcome is not None and outcome.verdict in (Verdict.PROVED, Verdict.VERIFIED)
