"""numpy implementations: the formula language read with numpy meaning, over whole arrays.

Every value carries a leading axis of points, so one evaluation computes an implementation
at many random points at once (no Python loop per point). A value is a `Batch`: `data` has
shape (P, *shape) where P is the number of points, or 1 for a constant (numpy broadcasting
does the rest). Only `exp log sqrt abs relu max min sum`, the elementary functions (`tanh sigmoid
softplus log1p expm1 sin cos`), `@`, `.T`, `outer`, `diag`, `eye`, the batched ones (`mean
logaddexp where clip`, `axis=` and `keepdims=` on the reductions), arithmetic and
broadcasting exist; `resolve.implementations` rejects everything else with a location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from symderiv.numbers.domains import Undefined
from symderiv.language import ast

#: Functions of one number beyond exp/log/sqrt, as in claims (scope.ELEMENTARY).
ELEMENTARY = ("tanh", "sigmoid", "softplus", "log1p", "expm1", "sin", "cos")
ELEMENTWISE = ("exp", "log", "sqrt", "abs") + ELEMENTARY
REDUCTIONS = ("max", "min", "sum", "mean")
FUNCTIONS = {"exp": (1,), "log": (1,), "sqrt": (1,), "abs": (1,), "relu": (1,), "max": (1, 2),
             "min": (1, 2), "sum": (1,), "mean": (1,), "outer": (2,), "diag": (1,),
             "eye": (1,), "logaddexp": (2,), "where": (3,), "clip": (3,), "arange": (1,),
             **{function: (1,) for function in ELEMENTARY}}
#: The keyword arguments each function takes (issue 15, item 5): numpy's, on reductions.
KEYWORDS = {function: ("axis", "keepdims") for function in REDUCTIONS}
#: Functions whose complex extension is not analytic: derivatives use central differences.
KINKED = frozenset({"abs", "relu", "max", "min", "where", "clip"})


#: The elementary functions in mpmath (exact mode): sigmoid and softplus as their formulas.
MPMATH_ELEMENTARY = {
    "tanh": mpmath.tanh, "log1p": mpmath.log1p, "expm1": mpmath.expm1, "sin": mpmath.sin,
    "cos": mpmath.cos, "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)),
    "softplus": lambda v: mpmath.log1p(mpmath.exp(v)),
}


def float_elementary(function: str, data: Any) -> Any:
    """An elementary function in floats, real or complex (complex-step differentiation):
    numpy's own, and sigmoid and softplus in stable forms, each branch analytic (softplus
    u = u + log1p(e^{−u}) for u > 0, log1p(e^u) otherwise: np.logaddexp(0, u) in a form
    complex numbers accept)."""
    with np.errstate(all="ignore"):
        if function == "sigmoid":
            positive = np.real(data) >= 0
            return np.where(positive, 1 / (1 + np.exp(-data)),
                            np.exp(data) / (1 + np.exp(data)))
        if function == "softplus":
            return np.where(np.real(data) > 0, data + np.log1p(np.exp(-data)),
                            np.log1p(np.exp(data)))
        functions = {"tanh": np.tanh, "log1p": np.log1p, "expm1": np.expm1, "sin": np.sin,
                     "cos": np.cos}
        return functions[function](data)


def label_key(name: str, index: tuple[int, ...]) -> str:
    """Where a label's value is kept beside the sizes of one assignment: `y` for a scalar
    label, `c[2]` for the second entry of a vector label (no declared name has brackets)."""
    return f"{name}[{', '.join(map(str, index))}]" if index else name


class NumpyError(ValueError):
    """An implementation cannot be evaluated (a shape mismatch); `node` says where."""

    def __init__(self, message: str, node: ast.Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass(frozen=True, slots=True)
class Batch:
    """A value at every point: data has shape (P or 1, *shape)."""

    data: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape[1:])


def _pad(value: Batch, rank: int) -> np.ndarray:
    """Insert unit axes after the points axis so `value` has `rank` value axes (numpy rule)."""
    missing = rank - len(value.shape)
    if missing <= 0:
        return value.data
    return value.data.reshape((value.data.shape[0],) + (1,) * missing + value.shape)


@dataclass
class NumpyEvaluator:
    """Evaluates numpy implementations at a batch of points.

    Args:
        inputs: symbol name -> array of shape (P, *symbol shape).
        sizes: concrete size values (a size name in a formula is that number).
        implementations: definition name -> the formula of its single implementation, for
            implementations that use an earlier definition by name.
        complex_mode: allow complex data (complex-step differentiation): `abs`, `max`, `min`
            then act on the real part.

    With `dtype=object` the values are mpmath numbers at the caller's precision (`exact`):
    the implementation's mathematics, free of float rounding; a point where it is undefined
    raises `Undefined`, and `extreme_bits` is the largest |log2| of any term added.
    """

    inputs: dict[str, np.ndarray]
    sizes: dict[str, int]
    dtype: Any = np.float64
    implementations: dict[str, ast.Node] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    #: per point, the largest |term| added or subtracted: the scale of rounding error after
    #: cancellation (diag(P) - outer(P, P) near P = 1 loses digits, exactly as numpy does)
    magnitude: Any = 0.0
    extreme_bits: int = 0
    #: the names of the labels (issue 15): their values are in `sizes` (`label_key`), and a
    #: numpy expression sees each as an integer array of its 0-based class numbers
    labels: frozenset[str] = frozenset()

    @property
    def exact(self) -> bool:
        return self.dtype is object

    def _constant(self, value: Fraction | int) -> np.ndarray:
        if self.exact:
            number = mpmath.mpf(value.numerator) / value.denominator \
                if isinstance(value, Fraction) else mpmath.mpf(value)
            return np.array([number], dtype=object)
        return np.full((1,), float(value), dtype=self.dtype)

    def _elementwise(self, function: str, data: np.ndarray) -> np.ndarray:
        """exp/log/sqrt in mpmath, element by element; Undefined outside their domain."""
        if function in ELEMENTARY:
            if function == "log1p" and any(v <= -1 for v in data.flat):
                raise Undefined("log1p of a number ≤ −1")
            mapped: np.ndarray = np.frompyfunc(MPMATH_ELEMENTARY[function], 1, 1)(data)
            return mapped
        if function != "exp" and any(v < 0 or (v == 0 and function == "log")
                                     for v in data.flat):
            raise Undefined(f"{function} of a number outside its domain")
        result: np.ndarray = np.frompyfunc(getattr(mpmath, function), 1, 1)(data)
        return result

    def _track(self, data: np.ndarray) -> None:
        if self.exact:
            bits = [abs(int(mpmath.mag(v))) for v in data.flat if v]
            self.extreme_bits = max([self.extreme_bits] + bits)
            return
        size = np.abs(data).reshape(data.shape[0], -1)
        if size.shape[1]:
            with np.errstate(all="ignore"):
                self.magnitude = np.fmax(self.magnitude, np.max(size, axis=1).real)

    def value(self, node: ast.Node) -> Batch:
        with np.errstate(all="ignore"):
            return self._value(node)

    def _note(self, event: str) -> None:
        if event not in self.events:
            self.events.append(event)

    def _label(self, name: str) -> Batch:
        """A label as numpy code holds it: its 0-based class number(s), as integers."""
        if name in self.sizes:
            return Batch(np.array([self.sizes[name] - 1]))
        values: list[int] = []
        while label_key(name, (len(values) + 1,)) in self.sizes:
            values.append(self.sizes[label_key(name, (len(values) + 1,))] - 1)
        return Batch(np.array([values]))

    def _index(self, node: ast.Index) -> Batch:
        """`P[y]`, `P[arange(B), c]`: numpy's integer-array indexing, the index arrays (labels
        and arange) broadcast together; the axes they do not index stay."""
        base = self._value(node.base)
        if len(node.indices) > len(base.shape):
            raise NumpyError(f"{len(node.indices)} indices for an array of shape {base.shape}",
                             node)
        positions = [self._value(index) for index in node.indices]
        for index, position, length in zip(node.indices, positions, base.shape):
            if position.data.size and (position.data.min() < -length
                                       or position.data.max() >= length):
                raise NumpyError(f"index out of bounds for an axis of length {length}", index)
        arrays = self._broadcast(node, positions)
        points = max(base.data.shape[0], arrays[0].shape[0])
        data = np.broadcast_to(base.data, (points,) + base.shape)
        arrays = [np.broadcast_to(a, (points,) + a.shape[1:]) for a in arrays]
        rows = np.arange(points).reshape((points,) + (1,) * (arrays[0].ndim - 1))
        return Batch(data[(rows, *arrays)])

    def _value(self, node: ast.Node) -> Batch:
        if isinstance(node, ast.Number):
            return Batch(self._constant(node.value))
        if isinstance(node, ast.Index):
            return self._index(node)
        if isinstance(node, ast.Name):
            if node.name in self.labels:
                return self._label(node.name)
            if node.name in self.inputs:
                return Batch(self.inputs[node.name])
            if node.name in self.sizes:
                return Batch(self._constant(self.sizes[node.name]))
            if node.name in self.implementations:
                return self._value(self.implementations[node.name])
            raise NumpyError(f"{node.name!r} has no value in a numpy expression", node)
        if isinstance(node, ast.Neg):
            return Batch(-self._value(node.operand).data)
        if isinstance(node, ast.Transpose):
            inner = self._value(node.operand)
            if len(inner.shape) < 2:
                return inner  # numpy: a 1-d array's .T is itself
            return Batch(np.swapaxes(inner.data, -1, -2))
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        raise NumpyError("not available in numpy expressions", node)

    def _broadcast(self, node: ast.Node, values: list[Batch]) -> list[np.ndarray]:
        """The values' data padded to one rank and broadcast together (numpy's rule)."""
        rank = max(len(v.shape) for v in values)
        try:
            return list(np.broadcast_arrays(*[_pad(v, rank) for v in values]))
        except ValueError as error:
            shapes = " and ".join(str(v.shape) for v in values)
            what = f"{node.function}()" if isinstance(node, ast.Call) else f"'{node.op}'" \
                if isinstance(node, ast.Compare | ast.BinOp) else "this expression"
            raise NumpyError(f"shapes {shapes} do not broadcast in {what}", node) from error

    def _compare(self, node: ast.Compare) -> Batch:
        """A comparison (the condition of where()): booleans, of the real parts."""
        a, b = self._broadcast(node, [self._value(node.left), self._value(node.right)])
        compare = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                   ">": np.greater, ">=": np.greater_equal}[node.op]
        return Batch(np.asarray(compare(np.real(a), np.real(b)), dtype=bool))

    def _binop(self, node: ast.BinOp) -> Batch:
        left, right = self._value(node.left), self._value(node.right)
        if node.op == "@":
            return self._matmul(node, left, right)
        rank = max(len(left.shape), len(right.shape))
        a, b = _pad(left, rank), _pad(right, rank)
        if node.op in "+-":
            self._track(left.data)
            self._track(right.data)
        try:
            if node.op == "+":
                out = a + b
            elif node.op == "-":
                out = a - b
            elif node.op == "*":
                out = a * b
            elif node.op == "/":
                if self.exact and np.any(b == 0):
                    raise Undefined("division by zero")
                out = a / b
                if np.any(b == 0):
                    self._note("division by zero")
            else:
                out = np.power(a, b)
        except ValueError as error:
            raise NumpyError(f"shapes {left.shape} and {right.shape} do not broadcast in "
                             f"'{node.op}'", node) from error
        except ZeroDivisionError as error:  # exact: 0 to a negative power
            raise Undefined("division by zero") from error
        if self.exact:
            if any(isinstance(v, mpmath.mpc) for v in np.ravel(out)):
                raise Undefined("a negative number to a fractional power")
            return Batch(out)
        if node.op in "/^" and not np.all(np.isfinite(out)) \
                and np.all(np.isfinite(a)) and np.all(np.isfinite(b)):
            self._note("division by zero" if node.op == "/" else "'^' overflows")
        elif node.op in "/-" and np.any(np.isnan(out)) and not (np.any(np.isnan(a))
                                                                or np.any(np.isnan(b))):
            self._note("inf / inf gives nan" if node.op == "/" else "inf − inf gives nan")
        return Batch(out)

    def _matmul(self, node: ast.BinOp, left: Batch, right: Batch) -> Batch:
        if not left.shape or not right.shape:
            raise NumpyError("'@' multiplies arrays, not scalars", node)
        a, b = left.data, right.data
        inner_left = left.shape[-1]
        inner_right = right.shape[0] if len(right.shape) == 1 else right.shape[-2]
        if inner_left != inner_right or len(left.shape) > 2 or len(right.shape) > 2:
            raise NumpyError(f"shapes {left.shape} and {right.shape} do not match in '@'", node)
        if len(left.shape) == 1 and len(right.shape) == 1:
            return Batch(np.sum(a * b, axis=-1))
        if len(right.shape) == 1:
            return Batch(np.matmul(a, b[..., None])[..., 0])
        if len(left.shape) == 1:
            return Batch(np.matmul(a[:, None, :], b)[:, 0, :])
        return Batch(np.matmul(a, b))

    def _call(self, node: ast.Call) -> Batch:
        function = node.function
        if function == "eye":
            return self._eye(node.args[0])
        if function == "arange":
            return Batch(np.arange(self._length(node.args[0]))[None])
        args = [self._value(a) for a in node.args]
        data = args[0].data
        if self.exact and function in ("exp", "log", "sqrt") + ELEMENTARY:
            return Batch(self._elementwise(function, data))
        if function in ("exp", "log", "sqrt"):
            return Batch(self._transcendental(function, data))
        if function in ELEMENTARY:
            if function == "log1p" and np.any(np.real(data) <= -1):
                self._note("log1p of a number ≤ −1")
            out = np.asarray(float_elementary(function, data))
            if function == "expm1" and np.any(~np.isfinite(out) & np.isfinite(data)):
                self._note("exp overflows")
            return Batch(out)
        if function == "abs":
            return Batch(data * np.sign(np.real(data)) if np.iscomplexobj(data)
                         else np.abs(data))
        if function == "relu":  # np.maximum(x, 0), for complex and exact values too
            return Batch(np.where(np.real(data) > 0, data, 0 * data))
        if function in ("max", "min") and len(args) == 2:
            return self._extreme(node, args)
        if function in REDUCTIONS:
            return self._reduce(node, args[0])
        if function == "logaddexp":
            return self._logaddexp(node, args)
        if function == "where":
            condition, a, b = self._broadcast(node, args)
            return Batch(np.where(condition, a, b))
        if function == "clip":
            x, low, high = self._broadcast(node, args)
            x = np.where(np.real(x) < np.real(low), low, x)
            return Batch(np.where(np.real(x) > np.real(high), high, x))
        if function == "outer":
            u = args[0].data.reshape(args[0].data.shape[0], -1)
            v = args[1].data.reshape(args[1].data.shape[0], -1)
            return Batch(u[:, :, None] * v[:, None, :])
        if function == "diag":
            return self._diag(node, args[0])
        raise NumpyError(f"{function}() is not available in numpy expressions", node)

    def _length(self, argument: ast.Node) -> int:
        """The n of eye(n) or arange(n): a size or a positive integer."""
        if isinstance(argument, ast.Name) and argument.name in self.sizes:
            return self.sizes[argument.name]
        if isinstance(argument, ast.Number):
            return int(argument.value)
        raise NumpyError("eye() and arange() take a size or a positive integer", argument)

    def _eye(self, argument: ast.Node) -> Batch:
        n = self._length(argument)
        return Batch(np.eye(n, dtype=self.dtype)[None])  # object: exact 0 and 1

    def _transcendental(self, function: str, data: np.ndarray) -> np.ndarray:
        """exp, log or sqrt in floats, noting overflow and values outside the domain."""
        if function == "exp":
            out = np.exp(data)
            if np.any(~np.isfinite(out) & np.isfinite(data)):
                self._note("exp overflows")
            if np.any((out == 0) & np.isfinite(data)):
                self._note("exp underflows to 0")
        elif function == "log":
            if np.any(np.real(data) <= 0):
                self._note("log of a number ≤ 0")
            out = np.log(data)
        else:
            if np.any(np.real(data) < 0):
                self._note("square root of a negative number")
            out = np.sqrt(data)
        return np.asarray(out)

    def _extreme(self, node: ast.Call, args: list[Batch]) -> Batch:
        """max(a, b) / min(a, b): elementwise, broadcast."""
        rank = max(len(args[0].shape), len(args[1].shape))
        a, b = _pad(args[0], rank), _pad(args[1], rank)
        try:  # the comparison broadcasts first: a shape error can come from either step
            pick = np.real(a) >= np.real(b) if node.function == "max" \
                else np.real(a) <= np.real(b)
            return Batch(np.where(pick, a, b))
        except ValueError as error:
            raise NumpyError(f"shapes {args[0].shape} and {args[1].shape} do not "
                             f"broadcast in {node.function}()", node) from error

    def _reduce(self, node: ast.Call, value: Batch) -> Batch:
        """sum, mean, max, min: of every entry, or along `axis=` (`keepdims=True` keeps it
        as a length-1 axis), as numpy reduces; max and min choose by the real part."""
        axis, keepdims = reduction_options(node, len(value.shape))
        data = value.data
        if axis is None:  # every entry: one axis of all of them
            data = data.reshape(data.shape[0], -1)
            along = 1
        else:
            along = axis + 1
        if data.shape[along] == 0:
            raise NumpyError(f"{node.function}() of an empty array", node)
        if node.function in ("sum", "mean"):
            self._track(data)
            out = data.sum(axis=along, keepdims=True)
            if node.function == "mean":
                out = out / data.shape[along]
        else:
            chooser = np.argmax if node.function == "max" else np.argmin
            position = np.expand_dims(chooser(np.real(data), axis=along), along)
            out = np.take_along_axis(data, position, axis=along)
        if keepdims:
            return Batch(out.reshape((out.shape[0],) + tuple(
                1 for _ in value.shape)) if axis is None else out)
        return Batch(np.squeeze(out, axis=along))

    def _logaddexp(self, node: ast.Call, args: list[Batch]) -> Batch:
        """log(e^a + e^b) as numpy computes it: the larger plus log1p(e^(smaller − larger)),
        each branch analytic (complex-step differentiation) and exact with mpmath."""
        a, b = self._broadcast(node, args)
        first = np.real(a) >= np.real(b)
        larger, rest = np.where(first, a, b), np.where(first, b, a) - np.where(first, a, b)
        if self.exact:
            return Batch(larger + np.frompyfunc(lambda v: mpmath.log1p(mpmath.exp(v)), 1, 1)(rest))
        return Batch(larger + np.log1p(np.exp(rest)))

    def _diag(self, node: ast.Call, argument: Batch) -> Batch:
        data, shape = argument.data, argument.shape
        if len(shape) == 1:
            n = shape[0]
            out = np.zeros(data.shape + (n,), dtype=data.dtype)
            index = np.arange(n)
            out[:, index, index] = data
            return Batch(out)
        if len(shape) == 2:
            return Batch(np.diagonal(data, axis1=1, axis2=2).copy())
        raise NumpyError("diag() takes a vector or a matrix", node)


def reduction_options(node: ast.Call, rank: int) -> tuple[int | None, bool]:
    """The `axis=` (None: every entry) and `keepdims=` of a reduction of an array of `rank`
    axes, the axis counted from 0 (a negative one from the end, as numpy does).

    Raises:
        NumpyError: at the keyword, an axis the array does not have.
    """
    axis: int | None = None
    keepdims = False
    for keyword in node.keywords:
        if keyword.name == "keepdims":
            keepdims = isinstance(keyword.value, ast.Name) and keyword.value.name == "True"
            continue
        value = keyword.value
        negative = isinstance(value, ast.Neg)
        number = value.operand if isinstance(value, ast.Neg) else value
        assert isinstance(number, ast.Number)  # resolve.implementations checked the form
        written = -int(number.value) if negative else int(number.value)
        if not -rank <= written < rank:
            raise NumpyError(f"axis {written} is out of bounds for {node.function}() of an "
                             f"array with {rank} ax{'is' if rank == 1 else 'es'}", keyword)
        axis = written % rank
    return axis, keepdims


#: Events that mean the float range was exceeded, not that the formula is wrong.
RANGE_EVENTS = frozenset({"exp overflows", "exp underflows to 0", "inf / inf gives nan",
                          "inf − inf gives nan", "'^' overflows"})


#: Functions whose value can follow one formula in one region and another elsewhere:
#: sqrt(x^2) is x for x ≥ 0 and −x below, log and fractional powers have branches too.
BRANCHED = KINKED | {"sqrt", "log", "log1p"}


def uses_kinks(node: ast.Node, implementations: dict[str, ast.Node],
               functions: frozenset[str] = KINKED) -> bool:
    """Does the formula use abs/max/min (or `functions`), directly or through another
    definition's formula (`implementations`: name -> formula)?"""
    for part in ast.walk(node):
        if isinstance(part, ast.Call) and part.function in functions:
            return True
        if functions is BRANCHED and isinstance(part, ast.BinOp) and part.op == "^" and not (
                isinstance(part.right, ast.Number) and part.right.value.denominator == 1):
            return True  # a fractional or variable power
        if isinstance(part, ast.Name) and part.name in implementations:
            if uses_kinks(implementations[part.name], implementations, functions):
                return True
    return False
