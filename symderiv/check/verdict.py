"""Verdicts and check results: values, never exceptions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from symderiv.errors import Location
from symderiv.options import Expect, Kind


class Verdict(enum.Enum):
    PROVED = "proved"
    VERIFIED = "verified"
    CONSISTENT = "consistent"
    REFUTED = "refuted"
    UNDECIDED = "undecided"
    ERROR = "error"

    @property
    def holds(self) -> bool:
        return self in (Verdict.PROVED, Verdict.VERIFIED, Verdict.CONSISTENT)


#: Weakest first: a derivation gets its weakest step's verdict.
STRENGTH = [Verdict.ERROR, Verdict.REFUTED, Verdict.UNDECIDED, Verdict.CONSISTENT,
            Verdict.VERIFIED, Verdict.PROVED]


def weakest(verdicts: list[Verdict]) -> Verdict:
    return min(verdicts, key=STRENGTH.index)


def meets(verdict: Verdict, expect: Expect) -> bool:
    """Does `verdict` meet the spec's `expect` (holds / refuted)?"""
    return verdict == Verdict.REFUTED if expect == Expect.REFUTED else verdict.holds


#: A number or nested tuples of numbers (an input array at a counterexample).
Values = Fraction | tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A confirmed point where the two sides differ."""

    sizes: tuple[tuple[str, int], ...]
    indices: tuple[tuple[str, int], ...]
    values: tuple[tuple[str, Values], ...]
    lhs: str  # decimal text, >= 30 significant digits
    rhs: str
    entry: tuple[int, ...] | None = None  # for matrix claims: the entry that differs
    digits: int = 30
    difference: str | None = None  # lhs − rhs, decimal text like lhs and rhs
    #: exact rational values where the point gives one: ("lhs", "1/4"), ("difference", "-1/2")
    rational: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ProofStep:
    """One stage of a symbolic proof, for the reports (label and a sympy expression).

    Read back from the cache, a step has no expression (the cache never rebuilds sympy
    objects) but the LaTeX the report printed for it when it was stored.
    """

    label: str
    expression: Any  # a sympy expression; None when read from the cache
    latex: str | None = None  # from the cache: the expression as the LaTeX report prints it
    #: a recorded proof's step (`check/proof/`): the rule's detail, and the step's formula
    #: text (None for the evidence steps of the generic layer: the sides, the cases, zero)
    detail: str = ""
    formula: str | None = None

    @property
    def rule(self) -> str:
        """A recorded step's rule (its label; "" for the first formula)."""
        return self.label


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What is wrong with one refuted equation lhs == rhs (or one derivation step)."""

    holds_when: tuple[str, ...] = ()
    fails_when: tuple[str, ...] = ()
    error_class: str | None = None
    evidence: str | None = None
    suggestion: str | None = None
    suggestion_verdict: str | None = None  # proved / verified: how `lhs == suggestion` was shown
    lhs: str | None = None
    step: int | None = None  # derivations: the first broken step
    final_holds: bool | None = None  # derivations: does the last step equal the first?
    final_message: str | None = None
    regions_settled: bool = True  # False: where it holds could not be told
    # a slip on the left side (say a flat position in the wrong order): the left side to
    # write instead, and then `suggested_lhs == suggestion` is what the engine proved
    suggested_lhs: str | None = None
    undefined_when: tuple[str, ...] = ()  # where a side has no value (0/0 at N == 1)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one engine layer concluded about one equation."""

    verdict: Verdict
    method: str
    message: str
    counterexample: Counterexample | None = None
    proof: tuple[ProofStep, ...] = ()
    warnings: tuple[str, ...] = ()
    sizes_checked: tuple[tuple[str, tuple[int, ...]], ...] = ()
    diagnosis: Diagnosis | None = None
    details: tuple[tuple[str, Any], ...] = ()  # e.g. the numeric layer's largest errors


@dataclass(frozen=True, slots=True)
class StepResult:
    step: int
    verdict: Verdict
    by: str | None
    expect: Expect
    outcome: Outcome
    location: Location

    @property
    def ok(self) -> bool:
        return self.verdict.holds


@dataclass(frozen=True, slots=True)
class CheckResult:
    id: str
    kind: Kind
    verdict: Verdict
    expect: Expect
    message: str
    location: Location
    method: str = ""
    seconds: float = 0.0
    counterexample: Counterexample | None = None
    steps: tuple[StepResult, ...] = ()
    proof: tuple[ProofStep, ...] = ()
    warnings: tuple[str, ...] = ()
    details: tuple[tuple[str, Any], ...] = field(default=())
    diagnosis: Diagnosis | None = None
    #: why the proof shown is the decider's evidence, not a recorded chain ("" if it is one)
    proof_note: str = ""

    @property
    def ok(self) -> bool:
        return meets(self.verdict, self.expect)

    @property
    def chain(self) -> bool:
        """Is the proof a recorded chain of steps (each with its rule)?"""
        return bool(self.proof) and self.proof[0].formula is not None
