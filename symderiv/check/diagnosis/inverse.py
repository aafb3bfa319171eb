"""A value written in a definition it does not contain verbatim, by solving for a generator.

The derivative of `th: (exp(u) - exp(-u)) / (exp(u) + exp(-u))` is a rational function of
exp(u) in which the body of th no longer occurs, so folding cannot put `th` back. Writing
g = exp(u), solving th = body(g) for g and substituting gives the value in th itself
(`1 - th^2`), the form a readable proof writes. A root may be the wrong branch: callers show
nothing before the engine has proved it.
"""

from __future__ import annotations

import functools

import sympy
from sympy import IndexedBase

#: A definition as the Folder holds it: name, index parameters, body (definitions folded).
Body = tuple[str, tuple[sympy.Symbol, ...], sympy.Expr]

#: At most this many instances of one definition are solved for in one value.
MAX_INSTANCES = 4


def generator(body: sympy.Expr) -> sympy.Expr | None:
    """c when every exp(...) in `body` is exp(k·c) for integers k (exp(u), exp(-u)), else None."""
    arguments = [atom.args[0] for atom in body.atoms(sympy.exp)]
    if not arguments:
        return None
    _, core = arguments[0].as_coeff_Mul()
    for argument in arguments:
        if not sympy.cancel(argument / core).is_Integer:
            return None
    return core


def entry(name: str, values: tuple[sympy.Expr, ...]) -> sympy.Expr:
    """The definition's entry as the Folder writes it: `th`, or `h[i]`."""
    return IndexedBase(name, real=True)[values] if values else sympy.Symbol(name)


def solved_forms(expr: sympy.Expr, bodies: list[Body]) -> list[sympy.Expr]:
    """`expr` rewritten in each definition whose generator it uses (none may apply)."""
    out: list[sympy.Expr] = []
    for name, params, body in bodies:
        core = generator(body)
        if core is None:
            continue
        for values in _instances(expr, params, core)[:MAX_INSTANCES]:
            mapping = dict(zip(params, values))
            out += _solved(expr, body.xreplace(mapping), core.xreplace(mapping),
                           entry(name, values))
    return out


def _instances(expr: sympy.Expr, params: tuple[sympy.Symbol, ...], core: sympy.Expr
               ) -> list[tuple[sympy.Expr, ...]]:
    """The index values at which `expr` has exp(k·core) (() for a scalar definition)."""
    wilds = tuple(sympy.Wild(f"w{n}") for n in range(len(params)))
    pattern = core.xreplace(dict(zip(params, wilds)))
    found: list[tuple[sympy.Expr, ...]] = []
    for atom in expr.atoms(sympy.exp):
        _, inner = atom.args[0].as_coeff_Mul()
        match = inner.match(pattern)
        if match is None or any(w not in match for w in wilds):
            continue
        values = tuple(match[w] for w in wilds)
        if values not in found:
            found.append(values)
    return found


#: The generator exp(core) and the definition's entry while solving (a spec name never
#: starts with an underscore, so neither can meet one).
GENERATOR = sympy.Symbol("_g", positive=True)
ENTRY = sympy.Symbol("_d")


@functools.lru_cache(maxsize=64)
def _roots(body: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """GENERATOR in terms of ENTRY, from ENTRY = body (a rational function of GENERATOR)."""
    try:
        return tuple(sympy.solve(sympy.Eq(body, ENTRY), GENERATOR))
    except (NotImplementedError, ValueError, TypeError):  # sympy cannot solve this body
        return ()


def _solved(expr: sympy.Expr, body: sympy.Expr, core: sympy.Expr, name: sympy.Expr
            ) -> list[sympy.Expr]:
    """`expr` in `name` = body, through g = exp(core): every root free of g and sqrt."""
    def powers(node: sympy.Expr) -> sympy.Expr:
        return node.replace(
            lambda e: isinstance(e, sympy.exp) and sympy.cancel(e.args[0] / core).is_Integer,
            lambda e: GENERATOR ** sympy.cancel(e.args[0] / core))

    in_g = powers(expr)
    out: list[sympy.Expr] = []
    for root in _roots(powers(body)):
        value = sympy.factor(sympy.cancel(in_g.xreplace({GENERATOR: root})))
        if GENERATOR in value.free_symbols or any(
                p.exp.is_Rational and not p.exp.is_Integer for p in value.atoms(sympy.Pow)):
            continue
        # common factors out of the expanded value: W[i, j] * (1 - h[i]^2)
        value = sympy.factor_terms(sympy.expand(value.xreplace({ENTRY: name})))
        if value not in out:
            out.append(value)
    return out
