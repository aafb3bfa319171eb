"""One check of a spec as a unit of work: what the cache keys, the executors run, pytest items.

A job is a claim, derivation, example or implementation of one spec. `run_job` runs the
check of that one item, exactly as `check_scope` checks it among the others. Claims, derivations and
examples depend on one fact about the implementations: which ones failed their own check
(the numeric layer trusts only the others). The pipeline runs implementation jobs first and
hands that set to the rest (`Task.refuted`).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symderiv.check.verdict import CheckResult, Verdict
from symderiv.errors import Location
from symderiv.load.model import (Broken, Claim, Derivation, Example, Implementation, Spec,
                                 in_file_order)
from symderiv.options import Expect, Kind, Options

if TYPE_CHECKING:  # resolving imports sympy: a fully cached run never does
    from symderiv.resolve.scope import Scope

#: The spec fields that hold checks, in the order `check_scope` reports them.
FIELDS = {Kind.CLAIM: "claims", Kind.DERIVATION: "derivations",
          Kind.IMPLEMENTATION: "implementations", Kind.EXAMPLE: "examples"}

#: Fields that say where something is, not what it is: never part of a cache key.
_PLACES = frozenset({"location", "tex_location", "expect_locations", "node", "start", "end"})


@dataclass(frozen=True, slots=True)
class Job:
    """One check of one spec."""

    kind: Kind
    id: str  # the check's id (for an implementation DEFINITION.NAME)
    position: int  # index in its spec field
    location: Location
    expect: Expect
    decisions: int  # how many equations the decider decides (the timeout applies to each)
    broken: bool = False  # a check that cannot be built: `position` is in `spec.broken`


@dataclass(frozen=True, slots=True)
class Task:
    """A job to execute: which loaded file, what the implementations showed, how long."""

    file: int  # index into the run's loaded files
    job: Job
    refuted: frozenset[str]  # implementations whose own check failed (see the module doc)
    limit: float  # seconds before a worker running it is ended


def plan(spec: Spec) -> list[Job]:
    """Every check of `spec`, in report order."""
    found = []
    for kind, field in FIELDS.items():
        for position, item in enumerate(getattr(spec, field)):
            if kind == Kind.IMPLEMENTATION:
                found.append(Job(kind, item.qualified_name, position, item.formula.location,
                                 Expect.HOLDS, 1))
                continue
            if kind == Kind.CLAIM and item.claim is None:
                continue
            expect = item.expect_verdict if kind == Kind.EXAMPLE else item.expect
            decisions = max(1, len(item.steps) - 1) if kind == Kind.DERIVATION else 1
            found.append(Job(kind, item.id, position, item.location, Expect(expect), decisions))
        # the checks of this kind that cannot be built: after the others, in file order
        found.extend(Job(kind, broken.id, position, broken.location, Expect(broken.expect), 0,
                         True)
                     for position, broken in in_file_order(spec.broken)
                     if broken.kind == kind.value)
    return found


def item(spec: Spec, job: Job) -> Claim | Derivation | Implementation | Example | Broken:
    """The spec's model value of `job` (a Claim, Derivation, Implementation, Example, or a
    Broken check)."""
    if job.broken:
        return spec.broken[job.position]
    found: tuple[Claim | Derivation | Implementation | Example, ...] = getattr(
        spec, FIELDS[job.kind])
    return found[job.position]


def load_scope(path: Path, display: str, text: str | None = None) -> Scope:
    """Load and resolve one spec file, or spec `text` shown as `display` (the load and
    resolve stages).

    Raises:
        SpecErrors: every error of the file, located.
    """
    from symderiv.load.loader import load_file, load_string
    from symderiv.resolve.implementations import check_numpy
    from symderiv.resolve.scope import build_scope

    spec = load_file(path, display) if text is None else load_string(display, text)
    return check_numpy(build_scope(spec))


def run_job(scope: Scope, job: Job, options: Options, refuted: frozenset[str]
            ) -> list[CheckResult]:
    """The CheckResults of one job (a claim may have two: itself and its `tex`)."""
    from symderiv.check.numeric.examples import example_check
    from symderiv.check.numeric.implementations import implementation_check
    from symderiv.check.claims import check_claim, check_derivation
    from symderiv.check.spec import broken_result, decider_for
    from symderiv.check.tex import check_tex

    model = item(scope.spec, job)
    if isinstance(model, Broken):
        return [broken_result(model)]
    if isinstance(model, Implementation):
        return [implementation_check(scope, model, options)]
    if isinstance(model, Example):
        return [example_check(scope, model, options)]
    decider = decider_for(scope, options, refuted)
    if isinstance(model, Derivation):
        return [check_derivation(decider, model)]
    results = [check_claim(decider, model)]
    if model.tex_formula is not None and model.tex_formula is not model.claim:
        results.append(check_tex(decider, model))
    return results


#: Methods of a job stopped before its verdict by a limit of the run: `undecided`, not `error`.
STOPPED = frozenset({"timeout", "memory", "budget"})


def failed(job: Job, message: str, method: str) -> CheckResult:
    """The result of a job that gave none: stopped by a limit (`STOPPED`), or crashed."""
    verdict = Verdict.UNDECIDED if method in STOPPED else Verdict.ERROR
    return CheckResult(id=job.id, kind=job.kind, verdict=verdict, expect=job.expect,
                       message=message, location=job.location, method=method)


def out_of_memory(job: Job, megabytes: int) -> CheckResult:
    """The result of a job that needed more memory than `--memory` allows."""
    return failed(job, f"the check needed more than {megabytes} MiB (--memory)", "memory")


def over_budget(job: Job, budget: float) -> CheckResult:
    """The result of a job not finished when the run's `--budget` was used up."""
    return failed(job, f"not checked: the run's budget of {budget:g} s was used up", "budget")


def canonical(value: Any) -> Any:
    """A JSON-able description of a model value without its locations."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ == "Formula":
            return {"formula": getattr(value, "text")}
        return {"type": type(value).__name__,
                **{f.name: canonical(getattr(value, f.name))
                   for f in dataclasses.fields(value) if f.name not in _PLACES}}
    if isinstance(value, (tuple, list)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _formulas(value: Any) -> Iterator[Any]:
    """Every Formula inside a model value."""
    if type(value).__name__ == "Formula":
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _formulas(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _formulas(v)


def used_declarations(scope: Scope, job: Job) -> dict[str, Any]:
    """The declarations, definitions and implementations `job` depends on, transitively."""
    from symderiv.resolve.scope import used_names

    spec = scope.spec
    check = item(spec, job)
    nodes = [formula.node for formula in _formulas(check)]
    extra: set[str] = set()
    if isinstance(check, Example):  # given/expect name symbols and definitions
        extra |= {name for name, _ in check.given} | {name for name, _ in check.expect}
        extra |= {name.split(".")[0] for name in check.fails}
    if isinstance(check, Implementation):
        extra.add(check.definition)
    nodes += [scope.definitions[n].body.node for n in extra if n in scope.definitions]
    names = used_names(scope, nodes) | extra
    for name in list(names):  # the sizes behind indices, shapes and definition parameters
        if name in scope.definitions:
            names |= set(scope.definitions[name].params)
    for name in list(names):
        if name in scope.indices:
            names.add(scope.indices[name].size)
        if name in scope.symbols:
            names |= {d for d in scope.symbols[name].shape if isinstance(d, str)}
        if name in scope.labels:
            names |= {scope.labels[name].range, *scope.labels[name].shape}
    used: dict[str, Any] = {}
    for group in ("sizes", "indices", "symbols", "labels", "definitions"):
        declared = getattr(scope, group)
        used[group] = {n: canonical(declared[n]) for n in sorted(names) if n in declared}
    used["implementations"] = sorted(
        (i.qualified_name, i.formula.text) for i in spec.implementations
        if i.definition in names)
    return used


def fingerprint(scope: Scope, job: Job, settings: dict[str, Any],
                versions: dict[str, str]) -> str:
    """The cache key of `job`: a hash of its content, what it uses, versions and options.

    `settings` are `Options.settings()`: everything in the options that may change a verdict.
    """
    content = {
        "kind": job.kind,
        "check": canonical(item(scope.spec, job)),
        "uses": used_declarations(scope, job),
        "versions": versions,
        "options": settings,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # a lone surrogate (a YAML "\ud800" in a `by`) is hashed as itself, not a crash
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
