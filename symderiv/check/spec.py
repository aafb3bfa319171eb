"""Every check of one spec, in report order: the check stage of the pipeline for one file."""

from __future__ import annotations

from symderiv.check.numeric.examples import example_check
from symderiv.check.numeric.implementations import (
    implementation_checks, trusted_implementations,
)
from symderiv.check.claims import check_claim, check_derivation
from symderiv.check.decide import Decider
from symderiv.check.tex import check_tex
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.load.model import Broken, in_file_order
from symderiv.options import Expect, Kind, Options
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
    results += _broken(scope, "claim")
    results += [check_derivation(decider, derivation) for derivation in scope.spec.derivations]
    results += _broken(scope, "derivation")
    results += implementations
    results += _broken(scope, "implementation")
    results += [example_check(scope, example, options)
                for example in scope.spec.examples]
    results += _broken(scope, "example")
    return results


def _broken(scope: Scope, kind: str) -> list[CheckResult]:
    """The checks of `kind` that cannot be built, as `jobs.plan` orders them."""
    return [broken_result(b) for _, b in in_file_order(scope.spec.broken) if b.kind == kind]


def broken_result(broken: Broken) -> CheckResult:
    """A check that cannot be built: its `error`, with the problem's `path:line:column`."""
    return CheckResult(id=broken.id, kind=Kind(broken.kind), verdict=Verdict.ERROR,
                       expect=Expect(broken.expect), message=broken.text,
                       location=broken.location, method=broken.code)
