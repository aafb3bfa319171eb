"""Decide every check of a spec: strongest evidence first (generic, then bounded)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from symderiv.build.scope import Scope, free_indices
from symderiv.build.symbolic import SympyBuilder
from symderiv.check import bounded, generic
from symderiv.check.evaluate import EvaluationError
from symderiv.check.refute import find_counterexample
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import (
    CheckResult, Outcome, StepResult, Verdict, weakest,
)
from symderiv.language import ast
from symderiv.load.model import Claim, Derivation

STRATEGIES = ("generic", "bounded")
EXTRA_SIZES = (1, 2, 3)


@dataclass(frozen=True)
class Options:
    strategies: tuple[str, ...] = STRATEGIES
    timeout: float = 30.0
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    seed: int = 0


def _sizes_text(names: list[str], values: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{n} ∈ {{{', '.join(map(str, values[n]))}}}" for n in names)


class Engine:
    def __init__(self, scope: Scope, options: Options) -> None:
        self.scope = scope
        self.options = options
        self.builder = SympyBuilder(scope)

    def size_values(self, names: list[str]) -> dict[str, tuple[int, ...]]:
        return {n: self.options.sizes.get(n, self.scope.sizes[n].values) for n in names}

    def decide(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None) -> Outcome:
        """The verdict on lhs == rhs (for all free indices satisfying `where`)."""
        scope = self.scope
        free = sorted(free_indices(lhs, scope) | free_indices(rhs, scope)
                      | (free_indices(where, scope) if where is not None else set()))
        nodes = [lhs, rhs] + ([where] if where is not None else [])
        names = bounded.used_sizes(scope, nodes)
        values = self.size_values(names)
        combos = bounded.size_combinations(scope, names, values)
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
        except MemoryError:
            return Outcome(Verdict.ERROR, "limit", "out of memory while deciding this check")
        except Exception as error:  # noqa: BLE001 - a spec must never crash the run
            # a check that breaks the engine is an `error` verdict, never a traceback: the
            # other checks and files still run (hardening: hostile specs)
            return Outcome(Verdict.ERROR, "internal",
                           f"internal error ({type(error).__name__}): {error}"[:500])

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
        extra = bounded.screen(scope, lhs, rhs, where, free, extra_combos, seed)
        if extra.candidates:
            found = self._refute(lhs, rhs, extra.candidates, "bounded")
            if found.verdict == Verdict.REFUTED:
                return found
        if result.assignments == 0:
            return Outcome(Verdict.UNDECIDED, "bounded",
                           "no index assignment satisfies `where` at the listed sizes")
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
        return Outcome(Verdict.REFUTED, method, f"fails at {where}" if where else "fails",
                       counterexample=found)

    def _cross_check(self, proof: Outcome, lhs: ast.Node, rhs: ast.Node,
                     where: ast.Node | None, free: list[str],
                     combos: list[dict[str, int]]) -> Outcome:
        """A generic proof must agree with exact evaluation at the smallest sizes."""
        if not combos:
            return proof
        result = bounded.screen(self.scope, lhs, rhs, where, free, combos[:1], self.options.seed)
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
        outcome = self.decide(node.left, node.right,
                              claim.where.node if claim.where is not None else None)
        return CheckResult(
            id=claim.id, kind="claim", verdict=outcome.verdict, expect=claim.expect,
            message=outcome.message, location=claim.location, method=outcome.method,
            seconds=time.perf_counter() - started, counterexample=outcome.counterexample,
            proof=outcome.proof, warnings=outcome.warnings,
        )

    def derivation(self, derivation: Derivation) -> CheckResult:
        started = time.perf_counter()
        where = derivation.where.node if derivation.where is not None else None
        steps = []
        for number in range(1, len(derivation.steps)):
            before, after = derivation.steps[number - 1], derivation.steps[number]
            outcome = self.decide(before.formula.node, after.formula.node, where)
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
        return CheckResult(
            id=derivation.id, kind="derivation", verdict=verdict, expect=derivation.expect,
            message=message, location=derivation.location, method="steps",
            seconds=time.perf_counter() - started, counterexample=counterexample,
            steps=tuple(steps),
        )


def check_scope(scope: Scope, options: Options) -> list[CheckResult]:
    """Every check of one spec, in file order: claims, then derivations."""
    engine = Engine(scope, options)
    results = [engine.claim(claim) for claim in scope.spec.claims if claim.claim is not None]
    results += [engine.derivation(derivation) for derivation in scope.spec.derivations]
    return results
