"""The HTML report: one self-contained page, math as MathML, nothing that runs.

`markup` (text escaped unless it is `Html`), `mathml` (the course notation's LaTeX as
sanitized MathML), `evidence` (proof, counterexample, diagnosis), `checks` (a check's
section), `style` and `document` (the page, its policy, the notebook fragments, `write`).
"""

from __future__ import annotations

from symderiv.report.html.document import document, fragment, write
from symderiv.report.html.markup import Html, escape

__all__ = ["Html", "document", "escape", "fragment", "write"]
