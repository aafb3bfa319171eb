"""A recorded proof, every step decided by the engine like a derivation's steps.

A printed proof is itself verified: each step against the one before, by the decider's
generic layer (and, for a claim verified at the listed sizes, its exact screen). A step
the engine cannot decide, or a recorder with no rule for what it met, gives no chain: the
check keeps the decider's evidence and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from symderiv.check.decide import Decider
from symderiv.check.proof.formula import NotWritable, Writer
from symderiv.check.proof.recorder import NoProof, Recorder, where_pairs
from symderiv.check.proof.rules import Step
from symderiv.check.verdict import ProofStep, Verdict
from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.options import Strategy
from symderiv.resolve.symbolic import Unsupported


@dataclass(frozen=True, slots=True)
class Recorded:
    """A checked chain of proof steps, or none and why."""

    steps: tuple[ProofStep, ...] = ()
    why: str = ""


def record(decider: Decider, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
           verdict: Verdict) -> Recorded:
    """The proof of lhs == rhs (which the decider found `verdict`), every step checked."""
    try:
        equal, different = where_pairs(where)
        recorder = Recorder(decider.scope, equal, different)
        left = recorder.builder.expr(lhs, {})
        right = recorder.builder.expr(rhs, {})
        chain = recorder.prove(left, right)
    except (NoProof, NotWritable, Unsupported) as error:
        return Recorded(why=f"no step-by-step proof: {error}")
    except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError,
            RecursionError) as error:
        return Recorded(why=f"no step-by-step proof: the recorder failed "
                            f"({type(error).__name__})")
    return check_chain(decider, chain, lhs, rhs, where, verdict, Writer(decider.scope))


def check_chain(decider: Decider, chain: list[Step], lhs: ast.Node, rhs: ast.Node,
                where: ast.Node | None, verdict: Verdict, writer: Writer) -> Recorded:
    """`chain` as proof steps if each step is decided equal to the one before (the first is
    lhs and the last rhs as written), else none and the first step that was not."""
    try:
        nodes = [lhs, *(writer.node(s.expression) for s in chain[1:-1]), rhs]
    except NotWritable as error:
        return Recorded(why=f"no step-by-step proof: a step the formula language cannot "
                            f"write ({error})")
    if len(chain) < 2:
        return Recorded(why="no step-by-step proof: the sides are one formula")
    strategies = (Strategy.GENERIC,) if verdict == Verdict.PROVED \
        else (Strategy.GENERIC, Strategy.BOUNDED)
    steps_decider = Decider(decider.scope, replace(decider.options, strategies=strategies,
                                                   diagnose=False),
                            decider.implementations, decider.builder, largest=False)
    for number in range(1, len(chain)):
        outcome = steps_decider.decide(nodes[number - 1], nodes[number], where)
        if outcome.verdict not in (Verdict.PROVED, verdict):
            return Recorded(why=f"no step-by-step proof: step {number + 1} "
                                f"({chain[number].rule}) is {outcome.verdict.value}: "
                                f"{outcome.message}")
    return Recorded(tuple(ProofStep(step.rule, node, detail=step.detail, formula=unparse(node))
                          for step, node in zip(chain, nodes)))
