"""Decide every check of a spec: strongest evidence first (generic, bounded, then numeric)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from symderiv.resolve.scope import Scope
from symderiv.resolve.symbolic import SympyBuilder
from symderiv.check import bounded, generic, numeric
from symderiv.check.evaluate import EvaluationError
from symderiv.numbers.numpy_eval import NumpyError
from symderiv.check.refute import find_counterexample
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import (
    CheckResult, Outcome, StepResult, Verdict, weakest,
)
from symderiv.language import ast
from symderiv.load.model import Claim, Derivation, Implementation

#: How far beyond its error estimate a finite difference must be off to earn a warning.
FD_WARNING_GAP = 100.0

STRATEGIES = ("generic", "bounded", "numeric")
EXTRA_SIZES = (1, 2, 3)
#: Longest a generic proof's cross-check at the largest listed sizes may take.
CROSS_CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Options:
    strategies: tuple[str, ...] = STRATEGIES
    timeout: float = 30.0
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    seed: int = 0
    dtype: str = "float64"
    diagnose: bool = True  # explain refuted checks (region, error class, suggestion)


def _sizes_text(names: list[str], values: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{n} ∈ {{{', '.join(map(str, values[n]))}}}" for n in names)


class Engine:
    def __init__(self, scope: Scope, options: Options,
                 implementations: dict[str, Implementation] | None = None) -> None:
        self.scope = scope
        self.options = options
        self.builder = SympyBuilder(scope)
        # definition -> the numpy implementation whose finite differences give its D(...)
        self.implementations = implementations or {}

    def size_values(self, names: list[str]) -> dict[str, tuple[int, ...]]:
        return {n: self.options.sizes.get(n, self.scope.sizes[n].values) for n in names}

    def decide(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> Outcome:
        """The verdict on lhs == rhs (for all free indices satisfying `where`)."""
        scope = self.scope
        free, names = bounded.equation_space(scope, lhs, rhs, where)
        values = self.size_values(names)
        combos = bounded.size_combinations(scope, names, values)
        outcome = self._symbolic(lhs, rhs, where, free, names, values, combos)
        if "numeric" in self.options.strategies:
            outcome = self._numeric(outcome, lhs, rhs, where, free, combos)
        return outcome

    def _symbolic(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None, free: list[str],
                  names: list[str], values: dict[str, tuple[int, ...]],
                  combos: list[dict[str, int]]) -> Outcome:
        try:
            with deadline(self.options.timeout):
                return self._decide(lhs, rhs, where, free, names, values, combos)
        except CheckTimeout:
            return Outcome(Verdict.UNDECIDED, "timeout",
                           f"no verdict within {self.options.timeout:g} s (--timeout)")
        except EvaluationError as error:
            return Outcome(Verdict.ERROR, "evaluation", f"cannot evaluate: {error}")
        except RecursionError:
            return Outcome(Verdict.ERROR, "evaluation", "formula too deeply nested to evaluate")
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
                found = numeric.evidence(self.scope, lhs, rhs, where, free, combos or [{}],
                                         self.implementations, seed, dtype)
                numeric.resolve_rounding(self.scope, lhs, rhs, found)
                counterexample = numeric.confirm_mismatch(
                    self.scope, lhs, rhs, found, seed) if found.mismatches \
                    and not symbolic.verdict.holds else None
        except CheckTimeout:
            return replace(symbolic, warnings=symbolic.warnings + (
                f"numeric layer: no result within {self.options.timeout:g} s",))
        except (EvaluationError, RecursionError, NumpyError, KeyError, ArithmeticError) as error:
            return replace(symbolic, warnings=symbolic.warnings + (
                f"numeric layer: cannot evaluate: {error}",))
        details = found.errors.details() + (("points", found.points), ("dtype", dtype))
        why = "no symbolic layer was selected" if symbolic.method == "none" \
            and "generic" not in self.options.strategies else symbolic.message
        summary = found.summary(seed, dtype)
        if symbolic.verdict.holds:
            warnings = symbolic.warnings
            # points where mpmath shows the claim holds are finite-difference error; they are
            # worth a warning only when far outside the error estimate (ill-conditioning)
            far = found.differenced and found.worst_gap >= FD_WARNING_GAP
            disagreements = found.mismatches + (found.resolved if far else [])
            if disagreements:
                warnings += (f"numeric disagreement with the {symbolic.verdict.value} verdict "
                             f"(not a refutation) "
                             f"{numeric.mismatch_text(found, disagreements)}; "
                             "finite differences or rounding may be inaccurate here",)
            return replace(symbolic, warnings=warnings, details=details)
        if found.resolved and found.differenced:
            symbolic = replace(symbolic, warnings=symbolic.warnings + (
                f"finite differences disagreed {numeric.mismatch_text(found, found.resolved)}, "
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
                f"numeric difference {numeric.mismatch_text(found)}, not confirmed in mpmath; "
                f"{summary}",), details=details)
        if found.assignments == 0:
            return replace(symbolic, warnings=symbolic.warnings + (
                "numeric layer: no index assignment satisfies `where` at the listed sizes",))
        if found.points == 0:
            return replace(symbolic, warnings=symbolic.warnings + (
                "numeric layer: both sides undefined at every random point",))
        return Outcome(Verdict.CONSISTENT, "numeric",
                       f"consistent: numeric evidence only, no symbolic proof ({why}); no "
                       f"difference at {summary}", details=details,
                       warnings=symbolic.warnings)

    def _decide(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None, free: list[str],
                names: list[str], values: dict[str, tuple[int, ...]],
                combos: list[dict[str, int]]) -> Outcome:
        scope, seed = self.scope, self.options.seed
        if "generic" in self.options.strategies:
            try:
                proof = generic.prove(self.builder, lhs, rhs, where, free)
            except (ArithmeticError, ValueError, TypeError, AttributeError, RecursionError):
                proof = None  # sympy gave up on this formula: the bounded layer decides
            if proof is not None:
                return self._cross_check(proof, lhs, rhs, where, free, combos)
        if "bounded" not in self.options.strategies:
            return Outcome(Verdict.UNDECIDED, "none",
                           "the generic layer could not decide this claim "
                           "(try --strategy generic,bounded)")
        result = bounded.screen(scope, lhs, rhs, where, free, combos, seed)
        if result.candidates:
            return self._refute(lhs, rhs, result.candidates, "bounded")
        extra_combos = [c for c in bounded.size_combinations(
            scope, names, {n: EXTRA_SIZES for n in names}) if c not in combos]
        extra = []
        for combo in extra_combos:
            try:
                extra += bounded.screen(scope, lhs, rhs, where, free, [combo], seed).candidates
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
        return Outcome(Verdict.VERIFIED, "bounded",
                       f"verified for {sizes_text}: {result.assignments} assignments, exact "
                       f"randomised identity test{note}",
                       sizes_checked=tuple((n, values[n]) for n in names))

    def _refute(self, lhs: ast.Node, rhs: ast.Node, candidates: list[bounded.Candidate],
                method: str) -> Outcome:
        found = find_counterexample(self.scope, lhs, rhs, candidates, self.options.seed)
        if found is None:
            return Outcome(Verdict.UNDECIDED, method,
                           "the exact screen found lhs ≠ rhs, but no counterexample could be "
                           "confirmed numerically (relations between exp/log/sqrt may be lost)")
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
        result = bounded.screen(self.scope, lhs, rhs, where, free, combos[:1], self.options.seed)
        if not result.candidates and len(combos) > 1:
            # the largest sizes can be costly (25 nested sums at N = 3): at most 2 s (or a
            # quarter of the time limit), after which the proof stands on the smallest sizes
            try:
                with deadline(min(CROSS_CHECK_SECONDS, self.options.timeout / 4)):
                    result = bounded.screen(self.scope, lhs, rhs, where, free, combos[-1:],
                                            self.options.seed)
            except CheckTimeout:
                pass
        if not result.candidates:
            return proof
        found = find_counterexample(self.scope, lhs, rhs, result.candidates, self.options.seed)
        if found is None:
            return proof
        detail = ", ".join(f"{k} = {v}" for k, v in found.sizes + found.indices)
        return Outcome(Verdict.UNDECIDED, "inconsistent",
                       f"engine inconsistency: sympy's proof disagrees with exact evaluation at "
                       f"{detail} (lhs = {found.lhs}, rhs = {found.rhs}); not trusting either",
                       counterexample=found)

    # -- checks ----------------------------------------------------------------------------

    def claim(self, claim: Claim) -> CheckResult:
        started = time.perf_counter()
        assert claim.claim is not None
        node = claim.claim.node
        assert isinstance(node, ast.Compare)
        where = claim.where.node if claim.where is not None else None
        outcome = self.decide(node.left, node.right, where)
        return CheckResult(
            id=claim.id, kind="claim", verdict=outcome.verdict, expect=claim.expect,
            message=outcome.message, location=claim.location, method=outcome.method,
            seconds=time.perf_counter() - started, counterexample=outcome.counterexample,
            proof=outcome.proof, warnings=outcome.warnings, details=outcome.details,
            diagnosis=self.diagnosis(node.left, node.right, where, outcome),
        )

    def diagnosis(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                  outcome: Outcome) -> object:
        """What is wrong and how to fix it, for refuted equations only (None otherwise)."""
        if outcome.verdict != Verdict.REFUTED or not self.options.diagnose:
            return None
        from symderiv.check.diagnose import diagnose

        return diagnose(self, lhs, rhs, where, outcome.counterexample)

    def derivation(self, derivation: Derivation) -> CheckResult:
        started = time.perf_counter()
        where = derivation.where.node if derivation.where is not None else None
        steps: list[StepResult] = []
        for number in range(1, len(derivation.steps)):
            before, after = derivation.steps[number - 1], derivation.steps[number]
            outcome = self.decide(before.formula.node, after.formula.node, where)
            if not steps or all(s.verdict.holds for s in steps):
                # the first broken step only: later ones are judged against a wrong start
                outcome = replace(outcome, diagnosis=self.diagnosis(
                    before.formula.node, after.formula.node, where, outcome))
            steps.append(StepResult(number + 1, outcome.verdict, after.by, "holds", outcome,
                                    after.formula.location))
        verdict = weakest([s.verdict for s in steps])
        broken = [s for s in steps if not s.verdict.holds]
        if broken:
            first = broken[0]
            by = f" ({first.by})" if first.by else ""
            message = f"step {first.step}{by} is {first.verdict.value}: {first.outcome.message}"
        else:
            message = f"all {len(steps)} steps hold"
        counterexample = broken[0].outcome.counterexample if broken else None
        diagnosis = None
        if broken and broken[0].outcome.diagnosis is not None:
            diagnosis = self.final(derivation, broken[0], where)
        return CheckResult(
            id=derivation.id, kind="derivation", verdict=verdict, expect=derivation.expect,
            message=message, location=derivation.location, method="steps",
            seconds=time.perf_counter() - started, counterexample=counterexample,
            steps=tuple(steps), diagnosis=diagnosis,
            warnings=tuple(f"step {s.step}: {w}" for s in steps for w in s.outcome.warnings),
            details=_largest_errors([s.outcome for s in steps]),
        )

    def final(self, derivation: Derivation, broken: StepResult, where: ast.Node | None
              ) -> object:
        """The broken step's diagnosis, plus whether the last step still equals the first."""
        first, last = derivation.steps[0].formula.node, derivation.steps[-1].formula.node
        outcome = self.decide(first, last, where)
        holds = outcome.verdict.holds
        if holds:
            text = (f"the final result still holds ({outcome.verdict.value}): a later step "
                    f"cancels the error in step {broken.step}")
        elif outcome.verdict == Verdict.REFUTED:
            text = "the final result is wrong too (last step ≠ first step)"
        else:
            text = f"the final result is {outcome.verdict.value}"
        return replace(broken.outcome.diagnosis, step=broken.step, final_holds=holds
                       if outcome.verdict in (Verdict.REFUTED,) or holds else None,
                       final_message=text)


def _largest_errors(outcomes: list[Outcome]) -> tuple[tuple[str, object], ...]:
    """The numeric layer's largest errors over several outcomes (a derivation's steps)."""
    out: dict[str, object] = {}
    for outcome in outcomes:
        for key, value in outcome.details:
            if key in ("max_abs_error", "max_rel_error", "points"):
                out[key] = max(out.get(key, 0), value)
            else:
                out.setdefault(key, value)
    return tuple(out.items())


def check_scope(scope: Scope, options: Options,
                implementations: list[CheckResult] | None = None) -> list[CheckResult]:
    """Every check of one spec: claims (each with its ID.tex), derivations, implementations,
    then examples. `implementations`: their results if already known (symderiv.jobs)."""
    from symderiv.check.tex import check_tex

    if implementations is None:
        implementations = numeric.implementation_checks(scope, options)
    engine = Engine(scope, options, numeric.trusted_implementations(scope, implementations))
    results = []
    for claim in scope.spec.claims:
        if claim.claim is None:  # tex not read (a Spec built without the loader)
            continue
        results.append(engine.claim(claim))
        if claim.tex_formula is not None and claim.tex_formula is not claim.claim:
            results.append(check_tex(engine, claim))
    results += [engine.derivation(derivation) for derivation in scope.spec.derivations]
    results += implementations
    results += [numeric.example_check(scope, example, options)
                for example in scope.spec.examples]
    return results
