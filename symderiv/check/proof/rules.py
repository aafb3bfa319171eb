"""The rules a recorded proof names, and its steps: frozen values every report prints alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUBSTITUTE = "substitute the definition"
FOLD = "fold the definition"
LINEARITY = "linearity"
PRODUCT = "product rule"
QUOTIENT = "quotient rule"
CHAIN = "chain rule"
POWER = "power rule"
EXP = "exp rule"
LOG = "log rule"
EXP_SUM = "exp of a sum (e^{u+v} = e^u e^v)"
LOG_SPLIT = "log rules (log ab = log a + log b, log a/b = log a − log b, log e^u = u)"
INPUT = "derivative of an input entry"
CONSTANT = "derivative of a constant"
COLLAPSE = "collapse the sum over the delta"
DIAGONAL = "a delta on the diagonal"
CASE = "case"
CANCEL = "cancellation"
ARITHMETIC = "arithmetic"
LEMMA = "derivative of a definition"
JACOBIAN_ENTRY = "an entry of the Jacobian"
REARRANGE = "rearrange"
FACTOR = "factor"
EXPAND = "expand"
#: the two sides' last forms joined by algebra (a common denominator, sums and exps as
#: unknowns, then `cancel`), the step decided by the engine like every other
SIMPLIFY = "simplify"

#: The most steps a printed proof has; a longer one is not printed.
MAX_STEPS = 12


@dataclass(frozen=True, slots=True)
class Step:
    """One formula of a proof (a folded sympy expression), the rule that led to it from the
    one before ("" for the first) and the rule's detail (formula text, `;`-separated facts)."""

    expression: Any
    rule: str = ""
    detail: str = ""
