"""sympy expressions tidied for printing: as written (flat sums, one sign), readable sum letters."""

from __future__ import annotations

import sympy

from symderiv.resolve.scope import Scope

#: Letters for generated sum variables, conventional ones first.
_SUM_NAMES = ("k", "l", "m", "n", "p", "q", "r", "u", "v", "w")


def as_written(expr: sympy.Basic) -> sympy.Basic:
    """Undo what unevaluated construction adds: `a + b + c` nests as `(a + b) + c` and
    `Sum` wraps its body in `1 * body`."""
    if expr.is_Atom or not expr.args:
        return expr
    args = [as_written(a) for a in expr.args]
    if isinstance(expr, sympy.Add):
        flat: list[sympy.Basic] = []
        for arg in args:
            flat.extend(arg.args if isinstance(arg, sympy.Add) else (arg,))
        return sympy.Add(*flat, evaluate=False)
    if isinstance(expr, sympy.Mul):
        return _product_as_written(args)
    if isinstance(expr, sympy.Indexed | sympy.Sum) or not isinstance(expr, sympy.Expr):
        return expr.func(*args)
    return expr.func(*args, evaluate=False)


def _product_as_written(args: list[sympy.Basic]) -> sympy.Basic:
    """A product without factors 1; a minus sign inside a factor ((-x) / y) is printed in
    front: -x/y, not (-1) x / y."""
    negative = False
    kept = []
    flat: list[sympy.Basic] = []
    for arg in args:  # (a b) c as a b c: a product's grouping is not printed
        nested = isinstance(arg, sympy.Mul) and len(arg.args) > 1 and arg.args[0] != -1 \
            and not any(isinstance(f, sympy.Pow) and f.exp.could_extract_minus_sign()
                        for f in arg.args)
        flat.extend(arg.args if nested else (arg,))
    for arg in flat:
        if isinstance(arg, sympy.Mul) and len(arg.args) > 1 and arg.args[0] == -1:
            negative = not negative
            rest = arg.args[1:]
            arg = rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)
        if arg != 1:
            kept.append(arg)
    product = (kept[0] if len(kept) == 1 else sympy.Mul(*kept, evaluate=False)) \
        if kept else sympy.Integer(1)
    return sympy.Mul(-1, product, evaluate=False) if negative else product


def readable_dummies(expr: sympy.Basic, scope: Scope) -> sympy.Basic:
    """Rename generated sum variables (`_s1`, Dummies) to free letters, preferring an index
    the spec declares over the same range (k for a sum up to N)."""
    generated: dict[sympy.Symbol, sympy.Basic] = {}
    for total in expr.atoms(sympy.Sum):
        for variable, _, high in total.limits:
            if isinstance(variable, sympy.Dummy) or variable.name.startswith("_"):
                generated.setdefault(variable, high)
    if not generated:
        return expr
    used = {s.name for s in expr.atoms(sympy.Symbol) if s not in generated}
    by_size: dict[str, list[str]] = {}
    for index in scope.indices.values():
        by_size.setdefault(index.size, []).append(index.name)
    mapping = {}
    # The outermost sum (highest number) chooses first, conventional letters (k, n) first.
    for variable in sorted(generated, key=lambda v: v.name, reverse=True):
        high = generated[variable]
        preferred = sorted(by_size.get(str(high), []),
                           key=lambda n: _SUM_NAMES.index(n) if n in _SUM_NAMES else 99)
        choices = [*preferred, *_SUM_NAMES] + [f"k_{n}" for n in range(1, len(generated) + 1)]
        name = next(c for c in choices if c not in used)
        used.add(name)
        mapping[variable] = sympy.Symbol(name, integer=True)
    return expr.xreplace(mapping)
