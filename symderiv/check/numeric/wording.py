"""The sentences of implementation checks and of the decider's numeric layer.

The checks compute their values (errors, differences, evidence) and hand them here to be
worded; nothing here decides a verdict. Worked examples word theirs in `example_wording`.
"""

from __future__ import annotations

import numpy as np

from symderiv.check.numeric.error_measures import Errors
from symderiv.check.numeric.evidence import Evidence, Mismatch
from symderiv.check.numeric.implementation_differences import Difference, DifferenceKind
from symderiv.check.numeric.points import SCALES
from symderiv.check.verdict import Values
from symderiv.load.model import Implementation


# -- pieces shared by the sentences --------------------------------------------------------------


def sizes_text(sizes: dict[str, int]) -> str:
    """`N = 2, T = 3`."""
    return ", ".join(f"{k} = {v}" for k, v in sizes.items())


def entry_text(name: str, entry: tuple[int, ...]) -> str:
    """`S[1, 2]`, or `S` for a scalar."""
    return f"{name}[{', '.join(map(str, entry))}]" if entry else name


def scales_text(scales: tuple[float, ...]) -> str:
    """`0.1, 1, 10`."""
    return ", ".join(f"{s:g}" for s in scales)


def errors_text(errors: Errors, rtol: float) -> str:
    """The largest errors seen, in two significant digits.

    Beside a verdict that the points passed, a relative error above `rtol` comes from entries
    near 0 (the tolerance is relative to the largest entry at a point, and allows for the
    error of finite differences): it would read as a large error ("1 relative" beside
    1.7e-16 absolute), so it is not given.
    """
    if errors.relative > rtol:
        return (f"largest error {errors.absolute:.2g} absolute, within each entry's tolerance "
                "(entries near 0)")
    return f"largest error {errors.absolute:.2g} absolute, {errors.relative:.2g} relative"


def _short_value(value: Values) -> str:
    """An input value (a number or nested tuples of numbers) in a few digits."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_short_value(v) for v in value) + "]"
    return f"{float(value):.6g}"


# -- implementation checks -----------------------------------------------------------------------


def cannot_evaluate(sizes: dict[str, int], message: str) -> str:
    """The implementation raised at these sizes (a shape mismatch)."""
    return f"cannot evaluate at {sizes_text(sizes)}: {message}"


def rounding_warning(implementation: Implementation, dtype: str, sizes: dict[str, int],
                     difference: Difference) -> str:
    """numpy's value is off only by rounding: the formula is exact there."""
    counterexample = difference.counterexample
    at = ", ".join(f"{k} = {_short_value(v)}" for k, v in counterexample.values)
    entry = entry_text(implementation.definition, counterexample.entry or ())
    return (f"{implementation.qualified_name} loses digits to rounding in {dtype} "
            f"(its formula is exact): at {at}{', ' if at and sizes else ''}"
            f"{sizes_text(sizes)}, {entry} is {counterexample.lhs} but "
            f"{counterexample.rhs} (definition); relative error {difference.relative:.3g}")


def disagreement(implementation: Implementation, dtype: str, sizes: dict[str, int],
                 difference: Difference, rtol: float) -> str:
    """The refutation of an implementation: where, both values, and by how much."""
    counterexample = difference.counterexample
    where = f" at {sizes_text(sizes)}" if sizes else ""
    entry = entry_text(implementation.definition, counterexample.entry or ())
    computed = "its formula computed exactly in mpmath" \
        if difference.kind is DifferenceKind.FORMULA else f"numpy, {dtype}"
    return (f"{implementation.qualified_name} disagrees with the definition"
            f"{where}: {entry} is {counterexample.lhs} ({computed}) but "
            f"{counterexample.rhs} (definition, {counterexample.digits} "
            f"digits); relative error {difference.relative:.3g} (rtol {rtol:g})")


def out_of_range_warning(implementation: Implementation, dtype: str, points: int,
                         largest: float) -> str:
    """inf or nan where the float range ran out: not counted as a difference."""
    return (f"{implementation.qualified_name} gives inf or nan because {dtype} "
            f"overflows or underflows at {points} random points (inputs "
            f"up to {largest:.3g} in size); not counted as a difference: "
            "an example with fails documents such a limit")


def nonfinite_warning(implementation: Implementation, dtype: str, points: int, drawn: int,
                      first: str) -> str:
    """inf or nan where the definition, evaluated in mpmath, is finite."""
    return (f"{implementation.qualified_name} gives inf or nan in {dtype} at {points} of "
            f"{drawn} random points where {implementation.definition} is finite (first at "
            f"{first}); not compared there")


def point_text(inputs: dict[str, np.ndarray], point: int, name: str, value: str | None
               ) -> str:
    """One random point's inputs (and the definition's value there, if one entry)."""
    def entries(array: np.ndarray) -> str:
        if array.ndim == 0:
            return f"{float(array):.6g}"
        return "[" + ", ".join(entries(a) for a in array) + "]"
    text = ", ".join(f"{symbol} = {entries(values[point])}" for symbol, values in inputs.items())
    return text + (f", where {name} = {value}" if value is not None else "")


def implementation_consistent(implementation: Implementation, checked: int, seed: int,
                              scales: tuple[float, ...], combos: list[dict[str, int]],
                              dtype: str, rtol: float, errors: Errors, drawn: int = 0,
                              exactly: int = 0) -> str:
    """No difference at any point: what was compared, and the largest errors."""
    sizes = "; ".join(sizes_text(s) for s in combos if s) or "no sizes"
    of = f" of {drawn}" if drawn > checked else ""
    exact = (f", {exactly} of them against the definition in mpmath (no float value there)"
             if exactly else "")
    return (f"numeric evidence only: {implementation.qualified_name} equals "
            f"{implementation.definition} at {checked}{of} random points{exact} (seed {seed}, scales "
            f"{scales_text(scales)}; {sizes}; {dtype}, rtol {rtol:g}); "
            f"{errors_text(errors, rtol)}")


def nothing_to_compare(implementation: Implementation) -> str:
    """The definition has no float value at any point."""
    return f"{implementation.definition} is undefined at every random point; nothing to compare"


# -- the decider's numeric layer -----------------------------------------------------------------


def evidence_summary(found: Evidence, seed: int, dtype: str, rtol: float) -> str:
    """How many points, at which seed, scales and sizes, how D was taken, the largest errors."""
    sizes = "; ".join(sizes_text(c) for c in found.combos if c)
    how = ", ".join(sorted(found.methods)) or "no derivatives"
    undefined = f", {found.undefined} undefined" if found.undefined else ""
    if found.rounding:
        undefined += (f"; {found.rounding} float difference(s) re-evaluated in mpmath "
                      "showed no difference")
    return (f"{found.points} random point evaluations{undefined} (seed {seed}, scales "
            f"{scales_text(SCALES)}{'; ' + sizes if sizes else ''}; "
            f"{dtype}); D by {how}; {errors_text(found.errors, rtol)}")


def mismatch_text(found: Evidence, mismatches: list[Mismatch] | None = None) -> str:
    """The first of `mismatches` (default: the evidence's own): where, both sides, how far."""
    first = (mismatches or found.mismatches)[0]
    where = ", ".join(f"{k} = {v}" for k, v in list(first.sizes.items())
                      + list(first.indices.items()))
    entry = f" entry {list(first.entry)}" if first.entry else ""
    return (f"at {where or 'a random point'}{entry}: lhs = {first.lhs:.10g}, rhs = "
            f"{first.rhs:.10g} (difference {abs(first.lhs - first.rhs):.3g}, "
            f"{found.worst_gap:.3g}× the allowed finite-difference and rounding error)")


def implementation_proved(proof: str, numeric: str) -> str:
    """A proved implementation: the proof, then what the floats showed."""
    floats = numeric.removeprefix("numeric evidence only: ")
    return f"{proof}; float behaviour: {floats}"


def probe_warning(scale: float, text: str) -> str:
    """A float problem found at large inputs, beside a proof of the formula."""
    return f"float behaviour at inputs of scale {scale:g}: {text}"

