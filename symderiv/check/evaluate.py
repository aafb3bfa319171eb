"""Evaluate formulas at concrete sizes, index values and inputs, in any `Domain`.

`D(f, x)` is computed by forward-mode differentiation (`DualDomain`), and every definition
entry is memoised per domain, so the Jacobian of a whole layer costs little more than its
value. Nothing here uses sympy: this is the independent second opinion on every proof.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

from symderiv import limits
from symderiv.resolve.scope import ELEMENTARY, PIECEWISE, Scope
from symderiv.numbers.numpy_eval import label_key
from symderiv.numbers.domains import Domain, DualDomain, piecewise
from symderiv.errors import SymderivError
from symderiv.language import ast



class EvaluationError(ValueError):
    """The formula cannot be evaluated at these sizes (e.g. an index out of range)."""


@dataclass(frozen=True, slots=True)
class Tensor:
    """A vector (shape (n,)) or matrix (shape (m, n)) of domain values, row-major."""

    shape: tuple[int, ...]
    data: tuple[Any, ...]

    def entry(self, index: tuple[int, ...]) -> Any:
        return self.data[self.position(index)]

    def position(self, index: tuple[int, ...]) -> int:
        """Where the entry at `index` (1-based) is in `data`."""
        if len(index) != len(self.shape):
            raise EvaluationError(f"{len(index)} indices for a {len(self.shape)}-d value")
        flat = 0
        for position, (value, size) in enumerate(zip(index, self.shape)):
            if not 1 <= value <= size:
                raise EvaluationError(
                    f"index {value} in position {position + 1} is outside 1..{size}")
            flat = flat * size + (value - 1)
        return flat

    def as_matrix(self) -> tuple[int, int]:
        return (self.shape[0], 1) if len(self.shape) == 1 else (self.shape[0], self.shape[1])


def comparable(left: Any, right: Any) -> bool:
    """Two scalars, or two tensors of one shape (a vector and a column matrix alike)?"""
    if isinstance(left, Tensor) and isinstance(right, Tensor):
        return left.as_matrix() == right.as_matrix()
    return not isinstance(left, Tensor) and not isinstance(right, Tensor)


def check_comparable(left: Any, right: Any) -> None:
    """Raises EvaluationError unless the two values can be compared entry by entry."""
    if not comparable(left, right):
        shapes = [value.shape if isinstance(value, Tensor) else () for value in (left, right)]
        raise EvaluationError(f"shape mismatch {shapes[0]} and {shapes[1]}")


def index_tuples(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of `shape`, 1-based, in row-major order."""
    out: list[tuple[int, ...]] = [()]
    for size in shape:
        out = [prefix + (value,) for prefix in out for value in range(1, size + 1)]
    return out


class Evaluator:
    """Evaluates the formulas of one scope at fixed concrete sizes in one domain."""

    def __init__(self, scope: Scope, sizes: dict[str, int], domain: Domain) -> None:
        self.scope = scope
        self.sizes = sizes
        self.domain = domain
        #: entries by (name, index); whole definitions by (name, ("*",))
        self.memo: dict[tuple[str, tuple[int, ...] | tuple[str]], Any] = {}
        self.children: dict[tuple[str, tuple[int, ...]], Evaluator] = {}
        #: the evaluator this one carries derivatives for (`child`), and by what
        self.parent: Evaluator | None = None
        self.wrt: tuple[str, tuple[int, ...]] | None = None
        base = domain
        while isinstance(base, DualDomain):
            base = base.base
        #: exp/log are opaque atoms here (exact modular screening): use their identities
        self.atomic = getattr(base, "atomic", False)

    # -- integers ----------------------------------------------------------------------------

    def integer(self, node: ast.Node, env: dict[str, int]) -> int:
        if isinstance(node, ast.Number):
            return int(node.value)
        if isinstance(node, ast.Name):
            if node.name in env:
                return env[node.name]
            if node.name in self.sizes:
                return self.sizes[node.name]
            raise EvaluationError(f"index {node.name!r} has no value here")
        if isinstance(node, ast.Neg):
            return -self.integer(node.operand, env)
        if isinstance(node, ast.BinOp) and node.op in "+-*":
            return int(ast.ARITHMETIC[node.op](self.integer(node.left, env),
                                               self.integer(node.right, env)))
        if isinstance(node, ast.Index) and isinstance(node.base, ast.Name) \
                and node.base.name in self.scope.labels:
            return self.label_value(node.base.name,
                                    tuple(self.integer(i, env) for i in node.indices))
        raise EvaluationError("not an integer expression")

    def label_value(self, name: str, index: tuple[int, ...]) -> int:
        """The value of label `name` at `index` (1-based): labels take their values like
        sizes, one assignment per evaluator (`bounded.size_combinations`)."""
        key = label_key(name, index)
        if key not in self.sizes:
            raise EvaluationError(f"label {key} has no value here (an index outside its range?)")
        return self.sizes[key]

    def condition(self, node: ast.Node, env: dict[str, int]) -> bool:
        if isinstance(node, ast.BoolOp):
            if node.op == "not":
                return not self.condition(node.left, env)
            second = cast(ast.Node, node.right)  # only `not` has no right operand
            if node.op == "and":
                return self.condition(node.left, env) and self.condition(second, env)
            return self.condition(node.left, env) or self.condition(second, env)
        assert isinstance(node, ast.Compare)
        left = self.integer(node.left, env)
        right = self.integer(node.right, env)
        return {
            "==": left == right, "!=": left != right, "<": left < right,
            "<=": left <= right, ">": left > right, ">=": left >= right,
        }[node.op]

    def dimension(self, name: str | int) -> int:
        return name if isinstance(name, int) else self.sizes[name]

    def range_of(self, index: str) -> int:
        return self.sizes[self.scope.indices[index].size]

    # -- values ------------------------------------------------------------------------------

    def symbol_shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.dimension(d) for d in self.scope.symbols[name].shape)

    def definition_shape(self, name: str) -> tuple[int, ...]:
        definition = self.scope.definitions[name]
        if definition.params:
            return tuple(self.range_of(p) for p in definition.params)
        value = self.definition_value(name)
        return value.shape if isinstance(value, Tensor) else ()

    def holds(self, name: str) -> bool:
        """Is the definition `name` held as an independent variable here: is this
        evaluator, or one it carries derivatives for, a D(f, name[...])'s?"""
        return self.parent is not None and self.wrt is not None and (
            self.wrt[0] == name or self.parent.holds(name))

    def held(self, name: str, index: tuple[int, ...]) -> Any:
        """A held quantity's entry: its value where f is evaluated (the parent's), with
        derivative 1 by itself and 0 by every other variable."""
        assert self.parent is not None and isinstance(self.domain, DualDomain)
        base = self.domain.base
        value = self.parent.definition_entry(name, index) if index or \
            self.scope.definitions[name].params else self.parent.definition_value(name)
        return (value, base.one if self.wrt == (name, index) else base.zero)

    def definition_entry(self, name: str, index: tuple[int, ...]) -> Any:
        key = (name, index)
        if key in self.memo:
            return self.memo[key]
        definition = self.scope.definitions[name]
        if self.holds(name):
            value = self.held(name, index)
        elif definition.params:
            for param, value in zip(definition.params, index):
                if not 1 <= value <= self.range_of(param):
                    raise EvaluationError(
                        f"{name}[{', '.join(map(str, index))}]: index {value} is outside "
                        f"1..{self.range_of(param)}")
            value = self.value(definition.body.node, dict(zip(definition.params, index)))
        else:
            whole = self.definition_value(name)
            value = whole.entry(index) if isinstance(whole, Tensor) else whole
        self.memo[key] = value
        return value

    def definition_value(self, name: str) -> Any:
        """The whole value of a definition: a scalar or a Tensor."""
        key = (name, ("*",))
        if key in self.memo:
            return self.memo[key]
        definition = self.scope.definitions[name]
        value: Any
        if not definition.params and self.holds(name):
            value = self.held(name, ())
        elif definition.params:
            shape = tuple(self.range_of(p) for p in definition.params)
            value = Tensor(shape, tuple(self.definition_entry(name, index)
                                             for index in index_tuples(shape)))
        else:
            value = self.value(definition.body.node, {})
        self.memo[key] = value
        return value

    def input_value(self, name: str, index: tuple[int, ...]) -> Any:
        shape = self.symbol_shape(name)
        if len(index) != len(shape):
            raise EvaluationError(f"{name} takes {len(shape)} indices")
        for value, size in zip(index, shape):
            if not 1 <= value <= size:
                raise EvaluationError(
                    f"{name}[{', '.join(map(str, index))}]: index {value} is outside 1..{size}")
        return self.domain.input(name, index)

    def whole(self, name: str) -> Any:
        """A bare name: a scalar or a Tensor of all its entries."""
        if name in self.scope.symbols:
            shape = self.symbol_shape(name)
            if not shape:
                return self.domain.input(name, ())
            return Tensor(shape, tuple(self.domain.input(name, i) for i in index_tuples(shape)))
        return self.definition_value(name)

    def value(self, node: ast.Node, env: dict[str, int]) -> Any:
        domain = self.domain
        if isinstance(node, ast.Number):
            return domain.const(node.value)
        if isinstance(node, ast.Name):
            name = node.name
            if name in env:
                return domain.const(Fraction(env[name]))
            if name in self.sizes:
                return domain.const(Fraction(self.sizes[name]))
            if name in self.scope.indices:
                raise EvaluationError(f"index {name!r} has no value here")
            return self.whole(name)
        if isinstance(node, ast.Index):
            index = tuple(self.integer(i, env) for i in node.indices)
            base = node.base
            if isinstance(base, ast.Name) and base.name in self.scope.labels:
                return domain.const(Fraction(self.label_value(base.name, index)))
            if isinstance(base, ast.Name):
                if base.name in self.scope.symbols:
                    return self.input_value(base.name, index)
                if base.name in self.scope.definitions:
                    return self.definition_entry(base.name, index)
            whole = self.value(base, env)
            if not isinstance(whole, Tensor):
                raise EvaluationError("cannot index a scalar")
            return whole.entry(index)
        if isinstance(node, ast.Neg):
            return self.map(domain.neg, self.value(node.operand, env))
        if isinstance(node, ast.BinOp):
            return self.binop(node, env)
        if isinstance(node, ast.Transpose):
            inner = self.value(node.operand, env)
            if not isinstance(inner, Tensor):
                return inner
            rows, cols = inner.as_matrix()
            data = tuple(inner.data[r * cols + c] for c in range(cols) for r in range(rows))
            return Tensor((cols, rows), data)
        if isinstance(node, ast.Call):
            return self.call(node, env)
        raise EvaluationError(f"cannot evaluate {type(node).__name__}")

    @staticmethod
    def map(function: Any, value: Any) -> Any:
        if isinstance(value, Tensor):
            return Tensor(value.shape, tuple(function(v) for v in value.data))
        return function(value)

    def constant_exponent(self, node: ast.Node, env: dict[str, int]) -> Fraction | None:
        """The exponent's exact value when it uses only numbers, sizes and indices."""
        if isinstance(node, ast.Number):
            return node.value
        if isinstance(node, ast.Name) and (node.name in env or node.name in self.sizes):
            return Fraction(self.integer(node, env))
        if isinstance(node, ast.Neg):
            inner = self.constant_exponent(node.operand, env)
            return None if inner is None else -inner
        if isinstance(node, ast.BinOp) and node.op in "+-*/":
            left = self.constant_exponent(node.left, env)
            right = self.constant_exponent(node.right, env)
            if left is None or right is None or (node.op == "/" and right == 0):
                return None
            return Fraction(ast.ARITHMETIC[node.op](left, right))
        return None

    def binop(self, node: ast.BinOp, env: dict[str, int]) -> Any:
        domain = self.domain
        left = self.value(node.left, env)
        if node.op == "^":
            exponent = self.constant_exponent(node.right, env)
            if exponent is not None:
                if abs(exponent) > limits.active().max_exponent:
                    raise EvaluationError(f"exponent {exponent} is larger than {limits.active().max_exponent}")
                if exponent.denominator == 1:
                    return domain.ipow(left, int(exponent))
                return domain.rpow(left, exponent)
            right = self.value(node.right, env)
            return domain.exp(domain.mul(right, domain.log(left)))
        right = self.value(node.right, env)
        if node.op == "@":
            return self.matmul(node, left, right)
        left_tensor, right_tensor = isinstance(left, Tensor), isinstance(right, Tensor)
        operation = {"+": domain.add, "-": domain.sub, "*": domain.mul, "/": domain.div}[node.op]
        if left_tensor and right_tensor:
            check_comparable(left, right)
            return Tensor(left.shape, tuple(operation(a, b)
                                            for a, b in zip(left.data, right.data)))
        if left_tensor:
            return Tensor(left.shape, tuple(operation(a, right) for a in left.data))
        if right_tensor:
            return Tensor(right.shape, tuple(operation(left, b) for b in right.data))
        return operation(left, right)

    def matmul(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        """left @ right: a scalar only where the formula's shape is one (x.T @ x), never
        because a size is 1 (W @ x is a vector of length T at T = 1 too, like g[t])."""
        domain = self.domain
        rows, inner = left.as_matrix()
        inner_right, cols = right.as_matrix()
        if inner != inner_right:
            raise EvaluationError(f"shape mismatch in '@': {left.shape} and {right.shape}")
        data = []
        for r in range(rows):
            for c in range(cols):
                total = domain.zero
                for k in range(inner):
                    total = domain.add(total, domain.mul(left.data[r * inner + k],
                                                         right.data[k * cols + c]))
                data.append(total)
        if len(right.shape) == 1:
            return data[0] if not self.shape(node) else Tensor((rows,), tuple(data))
        return Tensor((rows, cols), tuple(data))

    def shape(self, node: ast.Node) -> tuple[Any, ...]:
        """The shape of `node` with sizes as symbols (scope.value_shape)."""
        try:
            return self.scope.value_shape(node)
        except SymderivError as error:
            raise EvaluationError(error.message) from error

    def sum_terms(self, args: tuple[ast.Node, ...], env: dict[str, int]
                  ) -> Iterator[dict[str, int]]:
        """The environments of the terms of sum(body, k[, lo, hi]): k over its range."""
        variable = args[1]
        assert isinstance(variable, ast.Name)
        if len(args) == 4:
            low, high = self.integer(args[2], env), self.integer(args[3], env)
        else:
            low, high = 1, self.range_of(variable.name)
        inner = dict(env)
        for value in range(low, high + 1):
            inner[variable.name] = value
            yield inner

    def exp_atomic(self, node: ast.Node, env: dict[str, int]) -> Any:
        """exp(u) in a domain where exp is an opaque atom: first use exp's true identities.

        exp(u + v) = exp(u)·exp(v), exp(−u) = 1/exp(u), exp(n·u) = exp(u)^n, exp(log u) = u
        and exp(sum(...)) = product(...), so that the atoms only ever see the simplest
        arguments and true claims relying on these identities are recognised.
        """
        domain = self.domain
        if isinstance(node, ast.BinOp) and node.op in "+-":
            left = self.exp_atomic(node.left, env)
            right = self.exp_atomic(node.right, env)
            return domain.mul(left, right) if node.op == "+" else domain.div(left, right)
        if isinstance(node, ast.Neg):
            return domain.div(domain.one, self.exp_atomic(node.operand, env))
        if isinstance(node, ast.BinOp) and node.op == "*":
            for factor, other in ((node.left, node.right), (node.right, node.left)):
                n = self.constant_exponent(factor, env)
                if n is not None and n.denominator == 1 and abs(n) <= 64:
                    return domain.ipow(self.exp_atomic(other, env), int(n))
        if isinstance(node, ast.Call) and node.function == "log":
            return self.value(node.args[0], env)
        if isinstance(node, ast.Call) and node.function in ("softplus", "log1p"):
            argument = node.args[0]  # exp(log(1 + e^u)) = 1 + e^u, exp(log(1 + u)) = 1 + u
            return domain.add(domain.one, self.exp_atomic(argument, env)
                              if node.function == "softplus" else self.value(argument, env))
        if isinstance(node, ast.Call) and node.function == "sum":
            product = domain.one
            for inner in self.sum_terms(node.args, env):
                product = domain.mul(product, self.exp_atomic(node.args[0], inner))
            return product
        return domain.exp(self.value(node, env))

    def elementary_atomic(self, function: str, argument: ast.Node, env: dict[str, int]) -> Any:
        """An elementary function where exp and log are opaque atoms: written with exp(u)
        (through `exp_atomic`, so that tanh(2x) and sigmoid(−x) meet exp's identities) or
        log; log1p(expm1(u)) = u like log(exp(u)) = u. sin and cos from t = tan(u/2)
        (`half_tangent`): (2t, 1 − t²)/(1 + t²). softplus(−v) = softplus(v) − v, so that the log
        unknown is that of 1 + e^v for both signs."""
        domain = self.domain
        if function == "softplus" and isinstance(argument, ast.Neg):
            inner = argument.operand
            return domain.sub(self.elementary_atomic("softplus", inner, env),
                              self.value(inner, env))
        if function in ("sin", "cos"):
            t = self.half_tangent(argument, env)
            square = domain.mul(t, t)
            numerator = domain.add(t, t) if function == "sin" else domain.sub(domain.one, square)
            return domain.div(numerator, domain.add(domain.one, square))
        if function == "log1p":
            if isinstance(argument, ast.Call) and argument.function == "expm1":
                return self.value(argument.args[0], env)
            return domain.log(domain.add(domain.one, self.value(argument, env)))
        e = self.exp_atomic(argument, env)
        if function == "tanh":
            square = domain.mul(e, e)
            return domain.div(domain.sub(square, domain.one), domain.add(square, domain.one))
        if function == "sigmoid":
            return domain.div(e, domain.add(e, domain.one))
        if function == "softplus":
            return domain.log(domain.add(domain.one, e))
        assert function == "expm1", function
        return domain.sub(e, domain.one)

    def half_tangent(self, node: ast.Node, env: dict[str, int]) -> Any:
        """tan(u/2) where it is an opaque atom: first the true identities of the angle sum,
        t(u ± v) = (t(u) ± t(v)) / (1 ∓ t(u)·t(v)), t(−u) = −t(u), for n·u and sum(...) too,
        so that sin(2x) = 2 sin x cos x and the addition theorems are recognised (like
        `exp_atomic`)."""
        domain = self.domain

        def added(a: Any, b: Any) -> Any:
            return domain.div(domain.add(a, b), domain.sub(domain.one, domain.mul(a, b)))

        if isinstance(node, ast.BinOp) and node.op in "+-":
            right = self.half_tangent(node.right, env)
            return added(self.half_tangent(node.left, env),
                         right if node.op == "+" else domain.neg(right))
        if isinstance(node, ast.Neg):
            return domain.neg(self.half_tangent(node.operand, env))
        if isinstance(node, ast.BinOp) and node.op == "*":
            for factor, other in ((node.left, node.right), (node.right, node.left)):
                n = self.constant_exponent(factor, env)
                if n is not None and n.denominator == 1 and abs(n) <= 64:
                    t, total = self.half_tangent(other, env), domain.zero
                    for _ in range(abs(int(n))):
                        total = added(total, t)
                    return total if n >= 0 else domain.neg(total)
        if isinstance(node, ast.Call) and node.function == "sum":
            total = domain.zero
            for inner in self.sum_terms(node.args, env):
                total = added(total, self.half_tangent(node.args[0], inner))
            return total
        return domain.elementary("tan_half", self.value(node, env))

    def child(self, variable: tuple[str, tuple[int, ...]]) -> Evaluator:
        """The evaluator that carries derivatives by `variable` (cached)."""
        found = self.children.get(variable)
        if found is None:
            found = self.children[variable] = Evaluator(
                self.scope, self.sizes, DualDomain(self.domain, variable))
            found.parent, found.wrt = self, variable
        return found

    def call(self, node: ast.Call, env: dict[str, int]) -> Any:
        domain = self.domain
        function, args = node.function, node.args
        if function == "exp":
            if self.atomic:
                return self.exp_atomic(args[0], env)
            return domain.exp(self.value(args[0], env))
        if function == "log":
            inner = args[0]
            if self.atomic and isinstance(inner, ast.Call) and inner.function == "exp":
                return self.value(inner.args[0], env)  # log(exp(u)) = u for real u
            return domain.log(self.value(inner, env))
        if function == "sqrt":
            return domain.sqrt(self.value(args[0], env))
        if function in ELEMENTARY:
            if self.atomic:
                return self.elementary_atomic(function, args[0], env)
            return domain.elementary(function, self.value(args[0], env))
        if function in PIECEWISE:
            return piecewise(domain, function, [self.value(a, env) for a in args])
        if function == "delta":
            equal = self.integer(args[0], env) == self.integer(args[1], env)
            return domain.one if equal else domain.zero
        if function == "ind":
            return domain.one if self.condition(args[0], env) else domain.zero
        if function == "sum":
            total = domain.zero
            for term_env in self.sum_terms(args, env):
                total = domain.add(total, self.value(args[0], term_env))
            return total
        if function == "D":
            variable = self.variable(args[1], env)
            return self.child(variable).value(args[0], env)[1]
        if function == "jacobian":
            return self.jacobian(args[0], args[1], env)
        if function == "diag":
            vector = self.value(args[0], env)
            n = vector.shape[0]
            return Tensor((n, n), tuple(vector.data[r] if r == c else domain.zero
                                        for r in range(n) for c in range(n)))
        if function == "eye":
            n = self.integer(args[0], env)
            return Tensor((n, n), tuple(domain.one if r == c else domain.zero
                                        for r in range(n) for c in range(n)))
        raise EvaluationError(f"{function}() cannot be evaluated here")

    def variable(self, node: ast.Node, env: dict[str, int]) -> tuple[str, tuple[int, ...]]:
        if isinstance(node, ast.Name):
            return (node.name, ())
        assert isinstance(node, ast.Index) and isinstance(node.base, ast.Name)
        index = tuple(self.integer(i, env) for i in node.indices)
        name = node.base.name
        if name in self.scope.definitions:  # a defined quantity, held (range check)
            self.definition_entry(name, index)
        else:
            self.input_value(name, index)  # range check
        return (name, index)

    def jacobian(self, f: ast.Node, x: ast.Node, env: dict[str, int]) -> Tensor:
        assert isinstance(x, ast.Name)
        x_entries = index_tuples(self.symbol_shape(x.name))
        rows: list[list[Any]] = []
        columns = []
        for entry in x_entries:
            value = self.child((x.name, entry)).value(f, env)
            parts = value.data if isinstance(value, Tensor) else (value,)
            columns.append([part[1] for part in parts])
        row_count = len(columns[0]) if columns else 0
        rows = [[column[r] for column in columns] for r in range(row_count)]
        return Tensor((row_count, len(x_entries)), tuple(v for row in rows for v in row))
