"""Every check of one spec, in report order: the check stage of the pipeline for one file."""

from __future__ import annotations

from symderiv.check.numeric.examples import example_check
from symderiv.check.numeric.implementations import (
    implementation_checks, trusted_implementations,
)
from symderiv.check.claims import check_claim, check_derivation
from symderiv.check.decide import Decider
from symderiv.check.tex import check_tex
from symderiv.check.verdict import CheckResult
from symderiv.options import Options
from symderiv.resolve.scope import Scope


def decider_for(scope: Scope, options: Options, refuted_implementations: frozenset[str]
                ) -> Decider:
    """The decider of `scope`, whose numeric layer trusts the implementations not refuted."""
    trusted = trusted_implementations(scope, refuted_implementations)
    return Decider(scope, options, trusted)


def refuted(implementations: list[CheckResult]) -> frozenset[str]:
    """The qualified names of the implementations whose own check did not hold."""
    return frozenset(r.id for r in implementations if not r.verdict.holds)


def check_scope(scope: Scope, options: Options,
                implementations: list[CheckResult] | None = None) -> list[CheckResult]:
    """Every check of one spec: claims (each with its ID.tex), derivations, implementations,
    then examples. `implementations`: their results if already known."""
    if implementations is None:
        implementations = implementation_checks(scope, options)
    decider = decider_for(scope, options, refuted(implementations))
    results = []
    for claim in scope.spec.claims:
        if claim.claim is None:  # tex not read (a Spec built without the loader)
            continue
        results.append(check_claim(decider, claim))
        if claim.tex_formula is not None and claim.tex_formula is not claim.claim:
            results.append(check_tex(decider, claim))
    results += [check_derivation(decider, derivation) for derivation in scope.spec.derivations]
    results += implementations
    results += [example_check(scope, example, options)
                for example in scope.spec.examples]
    return results
