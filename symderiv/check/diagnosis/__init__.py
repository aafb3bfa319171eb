"""Why a refuted equation fails: where it holds, the kind of slip, a proved correction.

- `edits`: AST surgery (rebuild, replace one node, negate, split into terms);
- `budget`: the time and engine decisions one diagnosis may spend;
- `regions`: where the claim holds (equality patterns of indices, size corners);
- `hypotheses`: each error class as a changed equation, with `factors` (constant
  factors), `layouts` (transpose, other major order) and `chain` (chain-rule inner functions,
  a definition's own derivative);
- `inverse`: a value solved for a definition through its exp generator (`1 - th^2`);
- `slips`: the kind of slip, named once the engine proves a hypothesis;
- `values`: the left side's true value and the residual lhs − rhs, folded into definitions;
- `suggestions`: the shortest proved right side, never the left side again;
- `diagnoser`: the Diagnoser composing them, and `diagnose(...)`; `inequality_regions`
  for a refuted inequality (where it holds and fails).
"""

from symderiv.check.diagnosis.diagnoser import Diagnoser, diagnose, inequality_regions
from symderiv.check.diagnosis.edits import from_terms, negate, terms
from symderiv.check.diagnosis.slips import ERROR_CLASSES
from symderiv.check.verdict import Diagnosis

__all__ = ["ERROR_CLASSES", "Diagnoser", "Diagnosis", "diagnose", "from_terms", "inequality_regions", "negate",
           "terms"]
