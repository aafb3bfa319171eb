"""The one decider: is lhs == rhs, for every free index satisfying `where`?

Strongest evidence first: a generic proof (sympy, every size), exact evaluation at the listed
sizes, then random points. The decider knows nothing of claims, derivations or diagnoses;
the checks in check/ are handed it (`symderiv.check.spec.check_scope`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from symderiv.errors import SymderivError
from symderiv.resolve.scope import Scope
from symderiv.resolve.symbolic import SympyBuilder
from symderiv.check import bounded, generic
from symderiv.check.numeric.evidence import (CLAIM_RTOL, Evidence, confirm_mismatch, evidence,
                                             resolve_rounding)
from symderiv.check.numeric.wording import evidence_summary, mismatch_text
from symderiv.check.evaluate import EvaluationError
from symderiv.check.inequality import InequalityDecider
from symderiv.numbers.numpy_eval import NumpyError
from symderiv.check.refute import find_counterexample
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import Counterexample, Outcome, Verdict
from symderiv.language import ast
from symderiv.load.model import Implementation
from symderiv.options import Options, Strategy

#: How far beyond its error estimate a finite difference must be off to earn a warning.
FD_WARNING_GAP = 100.0

EXTRA_SIZES = (1, 2, 3)
#: Longest a generic proof's cross-check at the largest listed sizes may take.
CROSS_CHECK_SECONDS = 2.0


def _disagreements(symbolic: Outcome, found: Evidence) -> tuple[str, ...]:
    """A warning beside a symbolic verdict where the numeric layer disagrees."""
    # points where mpmath shows the claim holds are finite-difference error; they are
    # worth a warning only when far outside the error estimate (ill-conditioning)
    far = found.differenced and found.worst_gap >= FD_WARNING_GAP
    disagreements = found.mismatches + (found.resolved if far else [])
    if not disagreements:
        return ()
    if found.differenced:  # the derivatives came from implementations: their float error
        how = ", ".join(sorted(m for m in found.methods if " of " in m))
        return (f"float error of an implementation, not of the {symbolic.verdict.value} claim: "
                f"by {how}, the sides differ {mismatch_text(found, disagreements)} (the "
                "implementation's own check measures its float behaviour)",)
    return (f"numeric disagreement with the {symbolic.verdict.value} verdict (not a "
            f"refutation) {mismatch_text(found, disagreements)}; finite differences or "
            "rounding may be inaccurate here",)


def _sizes_text(names: list[str], values: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{n} ∈ {{{', '.join(map(str, values[n]))}}}" for n in names)


_OPAQUE_NAMES = {"exp": "exp", "log": "log", "sqrt": "sqrt", "pow": "fractional powers",
                 "sincos": "sin and cos", "kink": "relu, abs, max and min"}


def unconfirmed(candidates: list[bounded.Candidate]) -> str:
    """Why no verdict came of the exact screen's candidates, none confirmed numerically.

    Where the screen met exp, log, sqrt or fractional powers it could not evaluate them
    exactly: it gives each value an unknown of its own, so identities between them
    (log(a b) = log a + log b, exp(a + b) = e^a e^b) are lost and the sides may only seem to
    differ. It says so rather than "lhs ≠ rhs".
    """
    opaque = sorted(set().union(*(c.opaque for c in candidates)), key=list(_OPAQUE_NAMES).index)
    if opaque == ["kink"]:
        return ("the exact screen decides relu, abs, max and min region by region (each sign "
                "of their arguments) and the sides differ in some region, but no "
                "counterexample was confirmed at a real point (that region may be empty)")
    if "kink" in opaque:
        opaque.remove("kink")
    if opaque:
        names = [_OPAQUE_NAMES[k] for k in opaque]
        named = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return (f"the exact screen cannot evaluate {named} exactly (each value is an unknown of "
                "its own, so identities between them are lost) and could not show the sides "
                "equal; no counterexample was confirmed numerically")
    return ("the exact screen found lhs ≠ rhs, but no counterexample could be confirmed "
            "numerically")


class Decider:
    """Decides equations of one scope under one set of options.

    Args:
        implementations: definition -> the numpy implementation whose finite differences
            give its D(...) in the numeric layer (those whose own check passed).
        builder: the scope's sympy builder, shared by deciders of the same scope.
    """

    def __init__(self, scope: Scope, options: Options,
                 implementations: dict[str, Implementation] | None = None,
                 builder: SympyBuilder | None = None, largest: bool = True) -> None:
        self.scope = scope
        self.options = options
        self.builder = builder or SympyBuilder(scope)
        self.implementations = implementations or {}
        #: cross-check a generic proof at the largest listed sizes too (False: only the
        #: smallest, for the many small steps of a recorded proof whose claim was checked)
        self.largest = largest

    def with_timeout(self, seconds: float) -> Decider:
        """The same decider with another time limit per equation (the diagnosis's)."""
        return Decider(self.scope, replace(self.options, timeout=seconds),
                       self.implementations, self.builder, self.largest)

    def size_values(self, names: list[str]) -> dict[str, tuple[int, ...]]:
        return {n: self.options.size_values(n, self.scope.sizes[n].values) for n in names}

    def decide(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
               budget: float | None = None) -> Outcome:
        """The verdict on lhs == rhs (for all free indices satisfying `where`).

        Args:
            budget: seconds for each layer (default: the options' timeout).
        """
        if budget is not None and budget != self.options.timeout:
            return self.with_timeout(budget).decide(lhs, rhs, where)
        scope = self.scope
        free, names = bounded.equation_space(scope, lhs, rhs, where)
        values = self.size_values(names)
        labels = bounded.equation_labels(scope, lhs, rhs, where)
        try:
            combos = bounded.size_combinations(scope, names, values, labels)
        except SymderivError as error:  # too many label assignments
            return Outcome(Verdict.ERROR, "limit", error.message)
        outcome = self._symbolic(lhs, rhs, where, free, names, values, combos, labels)
        if Strategy.NUMERIC in self.options.strategies:
            outcome = self._numeric(outcome, lhs, rhs, where, free, combos)
        return outcome

    def _symbolic(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None, free: list[str],
                  names: list[str], values: dict[str, tuple[int, ...]],
                  combos: list[dict[str, int]], labels: list[str]) -> Outcome:
        return self.guarded(lambda: self._decide(lhs, rhs, where, free, names, values, combos,
                                                 labels))

    def decide_inequality(self, op: str, lhs: ast.Node, rhs: ast.Node,
                          where: ast.Node | None, budget: float | None = None) -> Outcome:
        """The verdict on lhs `op` rhs, op one of < <= > >= (check/inequality.py)."""
        if budget is not None and budget != self.options.timeout:
            return self.with_timeout(budget).decide_inequality(op, lhs, rhs, where)
        return self.inequalities().decide(op, lhs, rhs, where)

    def inequalities(self) -> InequalityDecider:
        """The inequality layers of this decider's scope and options."""
        return InequalityDecider(self.scope, self.options, self.builder, self.guarded)

    def guarded(self, layer: Callable[[], Outcome]) -> Outcome:
        """One layer under the time limit, its failures as verdicts (never an exception)."""
        try:
            with deadline(self.options.timeout):
                return layer()
        except CheckTimeout:
            return Outcome(Verdict.UNDECIDED, "timeout",
                           f"no verdict within {self.options.timeout:g} s (--timeout)")
        except bounded.TooManyRegions as error:
            return Outcome(Verdict.UNDECIDED, "bounded", f"no verdict: {error}")
        except EvaluationError as error:
            return Outcome(Verdict.ERROR, "evaluation", f"cannot evaluate: {error}")
        except RecursionError:
            return Outcome(Verdict.ERROR, "evaluation", "formula too deeply nested to evaluate")
        except MemoryError:  # the check is over its --memory: no other layer may run
            raise
        except Exception as error:  # noqa: BLE001 - a failing layer must never crash the run
            return Outcome(Verdict.UNDECIDED, "internal",
                           f"internal error, no verdict: {type(error).__name__}: {error}")

    def _numeric(self, symbolic: Outcome, lhs: ast.Node, rhs: ast.Node,
                 where: ast.Node | None, free: list[str],
                 combos: list[dict[str, int]]) -> Outcome:
        """Random points: a warning beside a symbolic verdict, or the verdict when none."""
        if symbolic.verdict in (Verdict.REFUTED, Verdict.ERROR):
            return symbolic
        seed, dtype = self.options.seed, self.options.dtype
        try:
            with deadline(self.options.timeout):
                found = evidence(self.scope, lhs, rhs, where, free, combos or [{}],
                                 self.implementations, seed, dtype)
                resolve_rounding(self.scope, lhs, rhs, found)
                counterexample = confirm_mismatch(
                    self.scope, lhs, rhs, found, seed) if found.mismatches \
                    and not symbolic.verdict.holds else None
        except CheckTimeout:
            return replace(symbolic, warnings=symbolic.warnings + (
                f"numeric layer: no result within {self.options.timeout:g} s",))
        except (EvaluationError, RecursionError, NumpyError, KeyError, ArithmeticError) as error:
            return replace(symbolic, warnings=symbolic.warnings + (
                f"numeric layer: cannot evaluate: {error}",))
        details = found.errors.details() + (("points", found.points), ("dtype", dtype))
        if symbolic.verdict.holds:
            return replace(symbolic, warnings=symbolic.warnings + _disagreements(
                symbolic, found), details=details)
        return self._numeric_verdict(symbolic, found, counterexample, details)

    def _numeric_verdict(self, symbolic: Outcome, found: Evidence,
                         counterexample: Counterexample | None,
                         details: tuple[tuple[str, object], ...]) -> Outcome:
        """The numeric layer's verdict where no symbolic layer decided."""
        seed, dtype = self.options.seed, self.options.dtype
        why = "no symbolic layer was selected" if symbolic.method == "none" \
            and Strategy.GENERIC not in self.options.strategies else symbolic.message
        summary = evidence_summary(found, seed, dtype, CLAIM_RTOL[dtype])
        if found.resolved and found.differenced:
            symbolic = replace(symbolic, warnings=symbolic.warnings + (
                f"finite differences disagreed {mismatch_text(found, found.resolved)}, "
                "but the claim holds there in mpmath (40 digits): finite-difference error at "
                "an ill-conditioned point",))
        if counterexample is not None:
            at = ", ".join(f"{k} = {v}" for k, v in counterexample.sizes
                           + counterexample.indices)
            return Outcome(Verdict.REFUTED, "numeric",
                           f"fails at {at}: found at random points, confirmed in mpmath "
                           f"(no symbolic verdict: {why})", counterexample=counterexample,
                           details=details)
        if found.mismatches:
            return replace(symbolic, warnings=symbolic.warnings + (
                f"numeric difference {mismatch_text(found)}, not confirmed in mpmath; "
                f"{summary}",), details=details)
        if found.assignments == 0:
            return replace(symbolic, warnings=symbolic.warnings + (
                "numeric layer: no index assignment satisfies `where` at the listed sizes",))
        if found.points == 0:
            return replace(symbolic, warnings=symbolic.warnings + (
                "numeric layer: both sides undefined at every random point",))
        if found.undefined > found.points:  # a handful of points is no evidence
            return replace(symbolic, warnings=symbolic.warnings + (
                f"numeric layer: undefined in floats (overflow, or outside the domain) at "
                f"{found.undefined} of {found.undefined + found.points} random points; the "
                f"{found.points} defined ones are too few to call the claim consistent",),
                details=details)
        return Outcome(Verdict.CONSISTENT, "numeric",
                       f"consistent: numeric evidence only, no symbolic proof ({why}); no "
                       f"difference at {summary}", details=details,
                       warnings=symbolic.warnings)

    def _decide(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None, free: list[str],
                names: list[str], values: dict[str, tuple[int, ...]],
                combos: list[dict[str, int]], labels: list[str]) -> Outcome:
        scope, seed, prime = self.scope, self.options.seed, self.options.prime
        if Strategy.GENERIC in self.options.strategies:
            try:
                proof = generic.prove(self.builder, lhs, rhs, where, free)
            except (ArithmeticError, ValueError, TypeError, AttributeError, RecursionError):
                proof = None  # sympy gave up on this formula: the bounded layer decides
            if proof is not None:
                return self._cross_check(proof, lhs, rhs, where, free, combos)
        if Strategy.BOUNDED not in self.options.strategies:
            return Outcome(Verdict.UNDECIDED, "none",
                           "the generic layer could not decide this claim "
                           "(try --strategy generic,bounded)")
        result = bounded.screen(scope, lhs, rhs, where, free, combos, seed, prime)
        if result.candidates:
            return self._refute(lhs, rhs, result.candidates, "bounded")
        try:
            extra_combos = [c for c in bounded.size_combinations(
                scope, names, {n: EXTRA_SIZES for n in names}, labels) if c not in combos]
        except SymderivError:  # too many label assignments at the unlisted sizes: none
            extra_combos = []
        extra = []
        for combo in extra_combos:
            try:
                extra += bounded.screen(scope, lhs, rhs, where, free, [combo], seed,
                                        prime).candidates
            except EvaluationError:
                continue  # meaningless at this unlisted size: `a[3]` when N = 1
            if len(extra) >= bounded.MAX_CANDIDATES:
                break
        if extra:
            found = self._refute(lhs, rhs, extra, "bounded")
            if found.verdict == Verdict.REFUTED:
                return found
        if result.assignments == 0:
            return Outcome(Verdict.UNDECIDED, "bounded",
                           "no index assignment satisfies `where` at the listed sizes")
        if result.undefined == result.assignments:
            return Outcome(Verdict.UNDECIDED, "bounded",
                           "the sides are undefined (division by zero, log of 0, ...) at every "
                           "random point of every assignment: nothing was compared")
        note = f" ({result.undefined} assignments undefined at the random points)" \
            if result.undefined else ""
        sizes_text = _sizes_text(names, values) if names else "the given values"
        if labels:
            sizes_text += f" and every value of the label{'s' if len(labels) > 1 else ''} " \
                f"{', '.join(labels)}"
        return Outcome(Verdict.VERIFIED, "bounded",
                       f"verified for {sizes_text}: {result.assignments} assignments, exact "
                       f"randomised identity test{note}",
                       sizes_checked=tuple((n, values[n]) for n in names))

    def _refute(self, lhs: ast.Node, rhs: ast.Node, candidates: list[bounded.Candidate],
                method: str) -> Outcome:
        found = find_counterexample(self.scope, lhs, rhs, candidates, self.options.seed)
        if found is None:
            return Outcome(Verdict.UNDECIDED, method, unconfirmed(candidates))
        where = ", ".join(f"{k} = {v}" for k, v in found.sizes + found.indices)
        message = f"fails at {where}" if where else "fails at the inputs below"
        return Outcome(Verdict.REFUTED, method, message, counterexample=found)

    def _cross_check(self, proof: Outcome, lhs: ast.Node, rhs: ast.Node,
                     where: ast.Node | None, free: list[str],
                     combos: list[dict[str, int]]) -> Outcome:
        """A generic proof must agree with exact evaluation at the smallest and the largest
        listed sizes (a slip in sympy or in the index reasoning often shows only at N ≥ 2)."""
        if not combos:
            return proof
        seed, prime = self.options.seed, self.options.prime
        result = bounded.screen(self.scope, lhs, rhs, where, free, combos[:1], seed, prime)
        found = find_counterexample(self.scope, lhs, rhs, result.candidates, seed) \
            if result.candidates else None
        # the largest sizes too, also when the smallest gave only unconfirmed candidates (a
        # proof through logs, which the screen cannot evaluate exactly)
        if found is None and len(combos) > 1 and self.largest:
            # the largest sizes can be costly (25 nested sums at N = 3): at most 2 s (or a
            # quarter of the time limit), after which the proof stands on the smallest sizes
            largest: bounded.Screen | None = None
            try:
                with deadline(min(CROSS_CHECK_SECONDS, self.options.timeout / 4)):
                    largest = bounded.screen(self.scope, lhs, rhs, where, free, combos[-1:],
                                             seed, prime)
            except CheckTimeout:
                pass
            if largest is not None and largest.candidates:
                found = find_counterexample(self.scope, lhs, rhs, largest.candidates, seed)
        if found is None:
            return proof
        detail = ", ".join(f"{k} = {v}" for k, v in found.sizes + found.indices)
        return Outcome(Verdict.UNDECIDED, "inconsistent",
                       f"engine inconsistency: sympy's proof disagrees with exact evaluation at "
                       f"{detail} (lhs = {found.lhs}, rhs = {found.rhs}); not trusting either",
                       counterexample=found)
