"""One check of a spec as a unit of work: what the cache keys, the workers run, pytest items.

A unit is a claim, derivation, example or implementation of one spec. `check_unit` runs the
engine on a copy of the scope whose spec holds only that unit, so a unit's results are exactly
what `check_scope` gives for it, whatever kinds the engine learns to check.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from symderiv.errors import Location

#: The spec fields that hold checks, in the order `check_scope` reports them.
KINDS = (("claim", "claims"), ("derivation", "derivations"),
         ("implementation", "implementations"), ("example", "examples"))

#: Fields that say where something is, not what it is: never part of a cache key.
_PLACES = frozenset({"location", "tex_location", "expect_locations", "node", "start", "end"})


@dataclasses.dataclass(frozen=True, slots=True)
class Unit:
    kind: str  # claim, derivation, example, implementation
    id: str  # the check's id (for an implementation DEFINITION.NAME)
    position: int  # index in its spec field
    location: Location
    expect: str
    decisions: int  # how many equations the engine decides (the timeout applies to each)


def units(spec: Any) -> list[Unit]:
    """Every check of `spec`, in report order."""
    found = []
    for kind, field in KINDS:
        for position, item in enumerate(getattr(spec, field)):
            if kind == "implementation":
                found.append(Unit(kind, item.qualified_name, position, item.formula.location,
                                  "holds", 1))
                continue
            if kind == "claim" and item.claim is None:
                continue
            expect = item.expect_verdict if kind == "example" else item.expect
            decisions = max(1, len(item.steps) - 1) if kind == "derivation" else 1
            found.append(Unit(kind, item.id, position, item.location, expect, decisions))
    return found


def item(spec: Any, unit: Unit) -> Any:
    return getattr(spec, dict(KINDS)[unit.kind])[unit.position]


def restrict(scope: Any, unit: Unit) -> Any:
    """`scope` with a spec that holds `unit` and no other claim, derivation or example.

    Every implementation stays: one implementation may call another, and the engine checks
    claims numerically against the implementations whose own check passed.
    """
    emptied: dict[str, tuple[Any, ...]] = {
        field: () for kind, field in KINDS if kind != "implementation"}
    if unit.kind != "implementation":
        emptied[dict(KINDS)[unit.kind]] = (item(scope.spec, unit),)
    return dataclasses.replace(scope, spec=dataclasses.replace(scope.spec, **emptied))


#: id(scope) -> (scope, options, results) of the implementation checks: every unit of a spec
#: needs them, so a process computes them once per spec (scopes are not hashable).
_IMPLEMENTATIONS: dict[int, tuple[Any, Any, list[Any]]] = {}


def implementation_results(scope: Any, options: Any) -> list[Any]:
    """The results of all implementation checks of `scope`, computed once per process."""
    from symderiv.check.numeric import implementation_checks

    known = _IMPLEMENTATIONS.get(id(scope))
    if known is None or known[0] is not scope or known[1] != options:
        known = (scope, options, implementation_checks(scope, options))
        _IMPLEMENTATIONS[id(scope)] = known
    return known[2]


def forget_implementations() -> None:
    _IMPLEMENTATIONS.clear()


def check_unit(scope: Any, unit: Unit, options: Any) -> list[Any]:
    """The CheckResults of one unit (a claim may have two: itself and its `tex`)."""
    from symderiv.check.engine import check_scope

    implementations = implementation_results(scope, options)
    if unit.kind == "implementation":
        return [r for r in implementations if r.id == unit.id]
    return [r for r in check_scope(restrict(scope, unit), options, implementations)
            if r.kind != "implementation"]


# -- content hash ---------------------------------------------------------------------------

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


def used_declarations(scope: Any, unit: Unit) -> dict[str, Any]:
    """The declarations, definitions and implementations `unit` depends on, transitively."""
    from symderiv.resolve.scope import used_names

    spec = scope.spec
    check = item(spec, unit)
    nodes = [formula.node for formula in _formulas(check)]
    extra: set[str] = set()
    if unit.kind == "example":  # given/expect name symbols and definitions
        extra |= {name for name, _ in check.given + check.expect}
        extra |= {name.split(".")[0] for name in check.fails}
    if unit.kind == "implementation":
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
    used: dict[str, Any] = {}
    for group in ("sizes", "indices", "symbols", "definitions"):
        declared = getattr(scope, group)
        used[group] = {n: canonical(declared[n]) for n in sorted(names) if n in declared}
    used["implementations"] = sorted(
        (i.qualified_name, i.formula.text) for i in spec.implementations
        if i.definition in names)
    return used


def fingerprint(scope: Any, unit: Unit, settings: dict[str, Any],
                versions: dict[str, str]) -> str:
    """The cache key of `unit`: a hash of its content, what it uses, versions and options.

    `settings` are the engine options as plain data (strategies, timeout, sizes, seed, and
    whatever else `Options` holds: all of them may change a verdict).
    """
    content = {
        "kind": unit.kind,
        "check": canonical(item(scope.spec, unit)),
        "uses": used_declarations(scope, unit),
        "versions": versions,
        "options": settings,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
