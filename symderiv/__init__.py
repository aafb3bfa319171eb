"""symderiv: checks the mathematics in course material.

    report = symderiv.check("derivations/")       # or a spec as YAML text
    spec = symderiv.load("derivations/softmax.yaml")

`%load_ext symderiv` in IPython or Jupyter adds the `%%symderiv` cell magic
(`symderiv.notebook`). The names here are re-exported from their rooms; importing the package
imports neither sympy nor numpy.
"""

from symderiv.api import SpecError, check, load, make_options
from symderiv.errors import SymderivError
from symderiv.notebook import load_ipython_extension
from symderiv.results import FileResult, Report
from symderiv.version import __version__

__all__ = ["FileResult", "Report", "SpecError", "SymderivError", "__version__", "check", "load",
           "load_ipython_extension", "make_options"]
