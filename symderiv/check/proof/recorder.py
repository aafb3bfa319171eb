"""A claim's proof recorded one rule at a time, in the spec's names (definitions folded).

Each side is rewritten forwards: an outermost derivative by the rule of its form (substitute
a definition, the chain rule through a named definition, linearity, product, quotient,
power, exp, log, an input entry's delta), the simple inner derivatives evaluated on the way
and named in the step's detail; then the algebra a teacher writes (collapse a sum over a
delta, the case of `where`, cancellation, fold a definition back, a delta on the diagonal).
The proof ends where the two sides meet in one form. Nothing here is trusted: every step is
decided afterwards (`check.proof.checked`).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy
from sympy import KroneckerDelta, Sum

from symderiv.check.proof import rules
from symderiv.check.proof.rules import Step
from symderiv.check.proof.formula import Writer
from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.check.generic import cancels
from symderiv.check.positivity import expand_logs
from symderiv.resolve.normalize import canonical_sums, normalize
from symderiv.resolve.scope import Scope
from symderiv.resolve.symbolic import Derivative, SympyBuilder, Unsupported


class NoProof(Exception):
    """The recorder has no rule for what it met (the reason is the message)."""


Rewrite = Callable[[sympy.Expr], Step | None]


class Recorder:
    """Records the proof of `lhs == rhs` in one scope (`where`: index equalities/inequalities
    given as pairs of index names)."""

    def __init__(self, scope: Scope, equal: list[tuple[str, str]] | None = None,
                 different: list[tuple[str, str]] | None = None) -> None:
        self.scope = scope
        self.builder = SympyBuilder(scope, folded=True)
        self.writer = Writer(scope)
        self.ranges = self.builder.ranges()
        symbols = self.builder.index_symbols
        self.equal = [(symbols[a], symbols[b]) for a, b in equal or []]
        self.different = [(symbols[a], symbols[b]) for a, b in different or []]
        self._reach: dict[str, frozenset[str]] = {}
        self.depth = 0
        #: False once definitions are substituted to make the sides meet (no folding back)
        self.folding = True

    # ---- the vocabulary ------------------------------------------------------------------

    def text(self, expr: sympy.Basic) -> str:
        return unparse(self.writer.node(expr))

    def name_of(self, expr: sympy.Basic) -> str | None:
        """The spec name of a folded entry or scalar (a symbol or a definition)."""
        if isinstance(expr, sympy.Indexed):
            return str(expr.base.label)
        if isinstance(expr, sympy.Symbol) and (expr.name in self.scope.symbols
                                               or expr.name in self.scope.definitions):
            return str(expr.name)
        return None

    def is_definition(self, expr: sympy.Basic) -> bool:
        name = self.name_of(expr)
        return name is not None and name in self.scope.definitions

    def reach(self, name: str) -> frozenset[str]:
        """Every name a definition's value depends on (definitions through their bodies)."""
        if name not in self._reach:
            self._reach[name] = frozenset()  # a guard: definitions are never recursive
            _, body = self.builder.definition(name)
            found: set[str] = set()
            for atom in _named_atoms(body, self):
                found.add(atom)
                if atom in self.scope.definitions:
                    found |= self.reach(atom)
            self._reach[name] = frozenset(found)
        return self._reach[name]

    def depends(self, expr: sympy.Basic, variable: sympy.Basic) -> bool:
        target = self.name_of(variable)
        for name in _named_atoms(expr, self):
            if name == target or (name in self.scope.definitions and target in self.reach(name)):
                return True
        return False

    def body(self, entry: sympy.Basic) -> sympy.Expr:
        """A definition's value at `entry`'s indices, its sum variables renamed away from
        them."""
        name = self.name_of(entry)
        assert name is not None
        params, body = self.builder.definition(name)
        indices = entry.indices if isinstance(entry, sympy.Indexed) else ()
        used = set().union(*(i.free_symbols for i in indices))
        for total in body.atoms(Sum):
            for variable, _, _ in total.limits:
                if variable in used:
                    fresh = self.fresh(variable, used | body.atoms(sympy.Symbol))
                    body = body.xreplace({variable: fresh})
        return body.xreplace(dict(zip(params, indices)))

    def fresh(self, like: sympy.Symbol, used: set[sympy.Basic]) -> sympy.Symbol:
        """A declared index over `like`'s range that `used` does not hold."""
        size = self.scope.indices[like.name].size
        names = {str(s) for s in used}
        for index in self.scope.indices.values():
            if index.size == size and index.name not in names:
                return self.builder.index_symbols[index.name]
        raise NoProof(f"no free index over {size} to name a sum variable")

    def fresh_over(self, size: str, used: set[sympy.Basic]) -> sympy.Symbol:
        names = {str(s) for s in used}
        preferred = sorted(self.scope.indices.values(),
                           key=lambda i: (i.name not in ("k", "l", "m"), i.name))
        for index in preferred:
            if index.size == size and index.name not in names:
                return self.builder.index_symbols[index.name]
        raise NoProof(f"no free index over {size} to name a sum variable")

    def fact(self, left: sympy.Basic, right: sympy.Basic) -> str:
        return f"{self.text(left)} = {self.text(right)}"

    # ---- derivatives -------------------------------------------------------------------

    def simple(self, expr: sympy.Basic, variable: sympy.Basic) -> bool:
        """No definition in `expr` depends on `variable`: sympy may differentiate it as it
        stands (definitions are independent of the variable)."""
        return not any(name in self.scope.definitions and name != self.name_of(variable)
                       and self.depends(sympy.Symbol(name), variable)
                       for name in _named_atoms(expr, self)) and not expr.has(Derivative)

    def evaluate(self, expr: sympy.Expr, variable: sympy.Basic) -> sympy.Expr:
        """∂expr/∂variable for a `simple` expr: sympy's derivative, sums over deltas
        collapsed."""
        value = normalize(sympy.diff(expr, variable), self.ranges)
        if value.has(sympy.Piecewise):
            raise NoProof("a sum over a delta whose index may fall outside its range")
        return value

    def inner(self, expr: sympy.Expr, variable: sympy.Basic, facts: list[str]) -> sympy.Expr:
        """∂expr/∂variable, evaluated (and said in `facts`) if simple, else left as D."""
        if not self.depends(expr, variable):
            return sympy.Integer(0)
        if self.simple(expr, variable):
            value = self.evaluate(expr, variable)
            if not (expr.is_Symbol and value == 1):  # ∂a/∂a = 1 goes without saying
                facts.append(self.fact(Derivative(expr, variable), value))
            return value
        return Derivative(expr, variable)

    def derivative(self, node: Derivative) -> tuple[sympy.Expr, str, list[str]]:
        """One rule applied to ∂f/∂x: the new expression, the rule, its facts."""
        f, x = node.args
        facts: list[str] = []
        if not self.depends(f, x):
            return sympy.Integer(0), rules.CONSTANT, facts
        if self.name_of(f) == self.name_of(x) and not self.is_definition(f):
            return self.evaluate(f, x), rules.INPUT, facts
        if self.is_definition(f):
            return self.definition_derivative(f, x)
        if isinstance(f, sympy.Add):
            return sympy.Add(*(self.inner(t, x, facts) for t in f.args)), rules.LINEARITY, facts
        if isinstance(f, Sum):
            body = self.inner(f.function, x, facts)
            value = normalize(Sum(body, *f.limits), self.ranges) \
                if not body.has(Derivative) else Sum(body, *f.limits)
            return value, rules.LINEARITY, facts
        if isinstance(f, sympy.exp):
            return f * self.inner(f.args[0], x, facts), rules.EXP, facts
        if isinstance(f, sympy.log):
            return self.inner(f.args[0], x, facts) / f.args[0], rules.LOG, facts
        if isinstance(f, sympy.Pow):
            base, exponent = f.args
            if self.depends(exponent, x):
                raise NoProof("a power with the variable in its exponent")
            return (exponent * base ** (exponent - 1) * self.inner(base, x, facts),
                    rules.POWER, facts)
        if isinstance(f, sympy.Mul):
            return self.product(f, x, facts)
        raise NoProof(f"no rule for the derivative of {type(f).__name__}")

    def form_rule(self, f: sympy.Basic, x: sympy.Basic) -> str:
        """The rule of the outermost form of f (for a derivative evaluated in one go)."""
        if self.is_definition(f):
            return rules.SUBSTITUTE
        if self.name_of(f) == self.name_of(x):
            return rules.INPUT
        forms = ((sympy.Add, rules.LINEARITY), (Sum, rules.LINEARITY), (sympy.exp, rules.EXP),
                 (sympy.log, rules.LOG), (sympy.Pow, rules.POWER), (sympy.Mul, rules.PRODUCT))
        return next((rule for form, rule in forms if isinstance(f, form)), rules.LINEARITY)

    def product(self, f: sympy.Mul, x: sympy.Basic, facts: list[str]
                ) -> tuple[sympy.Expr, str, list[str]]:
        constant = [a for a in f.args if not self.depends(a, x)]
        varying = [a for a in f.args if self.depends(a, x)]
        below = [a for a in varying if isinstance(a, sympy.Pow) and a.exp.is_Rational
                 and a.exp < 0]
        scale = sympy.Mul(*constant)
        if below:
            u = sympy.Mul(*[a for a in varying if a not in below])
            v = sympy.Mul(*[1 / a for a in below])
            du, dv = self.inner(u, x, facts), self.inner(v, x, facts)
            quotient = sympy.Mul(du * v - u * dv, sympy.Pow(v, -2))
            return scale * quotient, rules.QUOTIENT, facts
        if len(varying) == 1:  # c·f: the rule of f, the constant kept
            inner = self.inner(varying[0], x, facts)
            return scale * inner, self.form_rule(varying[0], x), facts
        terms = [sympy.Mul(*varying[:n], self.inner(varying[n], x, facts), *varying[n + 1:])
                 for n in range(len(varying))]
        # the constant into each term: a sum of products, as the rule reads
        return sympy.Add(*(scale * term for term in terms)), rules.PRODUCT, facts

    def lemma(self, node: Derivative) -> tuple[sympy.Expr, str, list[str]]:
        """A definition's derivative inside a larger formula, worked out on its own (its
        value, folded, is a lemma the step uses: ∂P_y/∂W_ij = P_y(δ_yi − P_i)x_j)."""
        if self.depth > 2:
            raise NoProof("lemmas nested too deeply")
        self.depth += 1
        try:
            steps = self.forward(node)
        finally:
            self.depth -= 1
        value = steps[-1].expression
        if value.has(Derivative):
            raise NoProof(f"no rule for {self.text(node)}")
        value = self.tidy(value)
        return value, rules.LEMMA, [self.fact(node, value)]

    def definition_derivative(self, f: sympy.Basic, x: sympy.Basic
                              ) -> tuple[sympy.Expr, str, list[str]]:
        """∂S_i/∂x: substitute S_i if its value holds x itself, else the chain rule through
        the one definition it reaches x by."""
        body = self.body(f)
        name = self.name_of(x)
        direct = any(atom == name for atom in _named_atoms(body, self))
        through = sorted({atom for atom in _named_atoms(body, self)
                          if atom in self.scope.definitions
                          and self.depends(sympy.Symbol(atom), x)})
        fact = self.fact(f, body)
        if direct or len(through) != 1:
            return Derivative(body, x), rules.SUBSTITUTE, [fact]
        return self.chain(f, body, through[0], x)

    def chain(self, f: sympy.Basic, body: sympy.Expr, through: str, x: sympy.Basic
              ) -> tuple[sympy.Expr, str, list[str]]:
        """∂f/∂x = Σ_k ∂f/∂g_k · ∂g_k/∂x, ∂f/∂g_k worked out with g as an input."""
        definition = self.scope.definitions[through]
        if len(definition.params) > 1:
            raise NoProof("the chain rule through a matrix-valued definition")
        rule = f"{rules.CHAIN} through {through}"
        if not definition.params:
            g = sympy.Symbol(through, real=True)
            outer = self.tidy(self.evaluate(body, g))
            return outer * Derivative(g, x), rule, [self.fact(Derivative(f, g), outer)]
        size = self.scope.indices[definition.params[0]].size
        k = self.fresh_over(size, body.atoms(sympy.Symbol) | x.free_symbols | f.free_symbols)
        g = self.builder.definition_base(through)[k]
        if not self.simple(body, g):
            raise NoProof(f"{self.text(f)} reaches {through} by another definition")
        outer = self.tidy(self.evaluate(body, g))
        total = Sum(outer * Derivative(g, x), (k, 1, self.scope.index_size(k.name)))
        return total, rule, [self.fact(Derivative(f, g), outer)]

    def tidy(self, expr: sympy.Expr) -> sympy.Expr:
        """A lemma's value as a teacher states it: definitions folded, factored."""
        for _ in range(4):
            found = self.fold(expr)
            if found is None:
                break
            expr = found.expression
        return sympy.factor_terms(expr)

    # ---- one step ------------------------------------------------------------------------

    def step(self, expr: sympy.Expr) -> Step | None:
        """The next step from `expr`, or None where no rule applies."""
        found = self.collapse(expr, direct=True)
        if found is not None:
            return found
        derivatives = _outermost(expr)
        if derivatives:
            mapping = {}
            names: list[str] = []
            facts: list[str] = []
            for node in derivatives:
                if node is not expr and self.is_definition(node.args[0]):
                    value, rule, found_facts = self.lemma(node)
                else:
                    value, rule, found_facts = self.derivative(node)
                mapping[node] = value
                if rule not in names:
                    names.append(rule)
                facts += found_facts
            value = _substitute(expr, mapping)
            evaluated = _evaluated(value)
            if _denominators(evaluated) == _denominators(value):
                value = evaluated  # nothing cancels: no step of its own
            return Step(value, ", ".join(names), "; ".join(facts))
        rewrites = (self.cancel, self.case, self.fold) if self.folding else \
            (self.cancel, self.case, self.split_exp, self.split_log, self.pull)
        for rewrite in rewrites:
            found = rewrite(expr)
            if found is not None and found.expression != expr:
                return found
        return None

    def collapse(self, expr: sympy.Expr, direct: bool = False) -> Step | None:
        """Σ_k δ_kj f_k = f_j (`direct`: only sums whose summand is a product with the
        delta as a factor, before any derivative is taken)."""
        if not expr.has(Sum):
            return None
        sums = {total: self.sum_out(total) for total in expr.atoms(Sum)}
        sums = {total: value for total, value in sums.items() if value is not None}
        if sums:
            value = expr.xreplace(sums)
        elif direct:
            return None
        else:
            value = normalize(expr, self.ranges)
        if value == expr or value.has(sympy.Piecewise):
            return None
        return Step(value, rules.COLLAPSE)

    def split_exp(self, expr: sympy.Expr) -> Step | None:
        """e^{u+v} = e^u e^v."""
        value = expr.replace(
            lambda e: isinstance(e, sympy.exp) and isinstance(e.args[0], sympy.Add),
            lambda e: sympy.Mul(*(sympy.exp(t) for t in e.args[0].args)))
        return Step(value, rules.EXP_SUM) if value != expr else None

    def split_log(self, expr: sympy.Expr) -> Step | None:
        """log(ab) = log a + log b, log(a/b) = log a − log b, log e^u = u (each step is
        decided afterwards: where an argument is not shown positive, no proof is printed)."""
        if not expr.has(sympy.log):
            return None
        value = sympy.expand_log(expr, force=True)
        return Step(value, rules.LOG_SPLIT) if value != expr else None

    def pull(self, expr: sympy.Expr) -> Step | None:
        """Σ_k c f_k = c Σ_k f_k for c free of k (the product kept as written: what cancels
        is the next step)."""
        def pulled(total: Sum) -> sympy.Expr:
            variable = total.limits[0][0]
            factors = sympy.Mul.make_args(total.function)
            outside = [f for f in factors if not f.has(variable)]
            if len(total.limits) != 1 or not outside:
                return total
            inside = sympy.Mul(*[f for f in factors if f.has(variable)])
            return sympy.Mul(*outside, Sum(inside, *total.limits), evaluate=False)

        value = expr.replace(lambda e: isinstance(e, Sum), pulled)
        return Step(value, rules.LINEARITY) if value != expr else None

    def unfold(self, expr: sympy.Expr) -> Step | None:
        """Every definition in `expr` replaced by its value (one level)."""
        mapping = {}
        facts = []
        for atom in sorted(expr.atoms(sympy.Indexed, sympy.Symbol), key=str):
            if not self.is_definition(atom) or atom in mapping or (
                    isinstance(atom, sympy.Symbol) and (self.scope.definitions[atom.name].params
                                                        or self.scope.shapes.get(atom.name))):
                continue
            try:
                mapping[atom] = self.jacobian_entry(atom) or self.body(atom)
            except Unsupported:
                continue  # another matrix-valued definition: kept as it is
            facts.append(self.fact(atom, mapping[atom]))
        if not mapping:
            return None
        rule = rules.JACOBIAN_ENTRY if all(isinstance(v, Derivative) and self.is_jacobian(k)
                                           for k, v in mapping.items()) else rules.SUBSTITUTE
        return Step(expr.xreplace(mapping), rule, "; ".join(facts))

    def is_jacobian(self, atom: sympy.Basic) -> bool:
        name = self.name_of(atom)
        if name is None or name not in self.scope.definitions:
            return False
        node = self.scope.definitions[name].body.node
        return isinstance(node, ast.Call) and node.function == "jacobian"

    def jacobian_entry(self, atom: sympy.Basic) -> sympy.Expr | None:
        """Dg[r, c] for Dg = jacobian(g, W): ∂g_r/∂W at the entry of W in column c
        (row-major, as the builder numbers them), or None for another definition."""
        if not (isinstance(atom, sympy.Indexed) and len(atom.indices) == 2
                and self.is_jacobian(atom)):
            return None
        node = self.scope.definitions[str(atom.base.label)].body.node
        assert isinstance(node, ast.Call)
        f, x = node.args
        if not (isinstance(f, ast.Name) and isinstance(x, ast.Name)):
            raise Unsupported("a Jacobian of an expression")
        row = self.builder.unravel(atom.indices[0], self.builder.value_shape(f))
        column = self.builder.unravel(atom.indices[1],
                                      self.scope.symbol_shape(self.scope.symbols[x.name]))
        if f.name in self.scope.definitions:
            entry = self.builder.definition_base(f.name)[row] if row \
                else sympy.Symbol(f.name, real=True)
        else:
            base = self.builder.base(f.name)
            entry = base[row] if row else base
        variable = self.builder.base(x.name)
        return Derivative(entry, variable[column] if column else variable)

    def sum_out(self, total: Sum) -> sympy.Expr | None:
        """Σ_k δ_ke f_k = f_e for a summand that is a product with the delta as a factor,
        where e is an index over k's range (so the one term k = e is in the sum)."""
        if len(total.limits) != 1:
            return None
        variable, low, high = total.limits[0]
        factors = sympy.Mul.make_args(total.function)
        for factor in factors:
            if not isinstance(factor, KroneckerDelta) or variable not in factor.args:
                continue
            other = factor.args[1] if factor.args[0] == variable else factor.args[0]
            if not (isinstance(other, sympy.Symbol) and other.name in self.scope.indices
                    and low == 1 and sympy.expand(high - self.scope.index_size(other.name)) == 0
                    and other != variable):
                continue
            rest = [f for f in factors if f is not factor]
            return sympy.Mul(*rest).xreplace({variable: other})
        return None

    def cancel(self, expr: sympy.Expr) -> Step | None:
        """A product built as written (a derivative's value put in) multiplied out: a
        cancellation where a denominator goes, else arithmetic."""
        value = _evaluated(expr)
        if not self.folding:  # Σ_k e^{a_k} / Σ_j e^{a_j}: one sum, which cancels
            value = _unify_sums(value)
        if value == expr:
            return None
        return Step(value, rules.CANCEL if _denominators(value) < _denominators(expr)
                    else rules.ARITHMETIC)

    def case(self, expr: sympy.Expr) -> Step | None:
        """`where`'s case: δ_ij = 1 for i == j (else j written as i), δ_ij = 0 for i != j."""
        said: list[str] = []
        ones = {}
        for a, b in self.equal:
            for delta in expr.atoms(KroneckerDelta):
                if set(delta.args[:2]) == {a, b}:
                    ones[delta] = sympy.Integer(1)
                    said.append(f"{a} = {b}")
        if ones:
            return Step(expr.xreplace(ones), f"{rules.CASE} {', '.join(dict.fromkeys(said))}")
        zeros = {}
        for a, b in self.different:
            for delta in expr.atoms(KroneckerDelta):
                if set(delta.args[:2]) == {a, b}:
                    zeros[delta] = sympy.Integer(0)
                    said.append(f"{a} ≠ {b}")
        if not zeros:
            return None
        return Step(expr.xreplace(zeros), f"{rules.CASE} {', '.join(dict.fromkeys(said))}")

    def letters(self, expr: sympy.Expr) -> sympy.Expr:
        """`where`'s equal indices written as one (the later letter as the earlier)."""
        mapping = {}
        for a, b in self.equal:
            keep, drop = sorted((a, b), key=str)
            mapping[drop] = keep
        return expr.xreplace(mapping)

    def fold(self, expr: sympy.Expr) -> Step | None:
        """A definition's value written back as its name (e^{a_i}/Σ_k e^{a_k} = S_i)."""
        for name, definition in self.scope.definitions.items():
            if len(definition.params) != 1:
                continue
            params, body = self.builder.definition(name)
            top, bottom = sympy.fraction(body)
            if bottom == 1 or bottom.has(params[0]) or not top.has(params[0]):
                continue
            if not expr.has(bottom):
                continue
            placeholder = sympy.Symbol("_fold", positive=True)
            wild = sympy.Wild("_w")
            pattern = top.xreplace({params[0]: wild})
            entry = self.builder.definition_base(name)
            value = expr.xreplace({bottom: placeholder})
            value = value.replace(pattern, lambda **found: entry[found["_w"]] * placeholder)
            folded = sympy.expand(sympy.cancel(value))
            if folded.has(placeholder) or folded == expr:
                continue
            return Step(folded, f"{rules.FOLD} {name}",
                        self.fact(body, self.builder.definition_base(name)[params[0]]))
        return None

    def diagonal(self, expr: sympy.Expr) -> sympy.Expr:
        """δ_ij f(j) = δ_ij f(i) in each term, the later letter replaced by the earlier."""
        expanded = sympy.expand(expr)
        terms = []
        said: list[str] = []
        for term in sympy.Add.make_args(expanded):
            for delta in term.atoms(KroneckerDelta):
                a, b = delta.args[:2]
                if not (a.is_Symbol and b.is_Symbol) or any(
                        v in (a, b) for total in term.atoms(Sum) for v, *_ in total.limits):
                    continue
                keep, drop = sorted((a, b), key=str)
                rest = term / delta
                if rest.has(drop):
                    term = delta * rest.xreplace({drop: keep})
                    said.append(f"delta({keep}, {drop})")
            terms.append(term)
        return sympy.Add(*terms)

    # ---- a whole side, and the meeting -------------------------------------------------

    def forward(self, expr: sympy.Expr) -> list[Step]:
        steps = [Step(expr)]
        while len(steps) <= rules.MAX_STEPS:
            found = self.step(steps[-1].expression)
            if found is None:
                return steps
            steps.append(found)
        raise NoProof(f"more than {rules.MAX_STEPS} steps")

    def prove(self, lhs: sympy.Expr, rhs: sympy.Expr) -> list[Step]:
        """The chain from lhs to rhs: lhs forwards, then rhs's forward steps read back.
        Where the sides do not meet with their definitions folded, definitions are
        substituted on both, a level at a time."""
        left, right = self.forward(lhs), self.forward(rhs)
        for _ in range(3):
            if self.best(left, right) is not None:
                break
            self.folding = False
            grown = False
            for chain in (left, right):
                step = self.unfold(chain[-1].expression)
                if step is not None:
                    chain.append(step)
                    chain.extend(self.forward(step.expression)[1:])
                    grown = True
            if not grown:
                break
            if len(left) + len(right) > 2 * rules.MAX_STEPS + 2:
                raise NoProof(f"more than {rules.MAX_STEPS} steps")
        return self.joined(left, right)

    def best(self, left: list[Step], right: list[Step]) -> tuple[int, int, int, str] | None:
        """Where the chains meet soonest: (length, position in each, the joining rule)."""
        best: tuple[int, int, int, str] | None = None
        for a, first in enumerate(left):
            for b, second in enumerate(right):
                meet = self.meeting(first.expression, second.expression)
                if meet is None:
                    continue
                length = a + b + (meet != "")
                if best is None or (length, meet != "") < (best[0], best[3] != ""):
                    best = (length, a, b, meet)
        return best

    def joined(self, left: list[Step], right: list[Step]) -> list[Step]:
        best = self.best(left, right)
        if best is None:
            joining = self.simplifies(left[-1].expression, right[-1].expression)
            if joining is not None:
                best = (len(left) + len(right) - 1, len(left) - 1, len(right) - 1, joining)
        if best is None:
            raise NoProof("the two sides do not meet in one form: "
                          f"{self.text(left[-1].expression)} and "
                          f"{self.text(right[-1].expression)}")
        _, a, b, meet = best
        chain = left[:a + 1]
        if meet:
            chain.append(Step(right[b].expression, meet))
        for n in range(b, 0, -1):
            rule = right[n].rule
            rule = rule.replace(rules.SUBSTITUTE, rules.FOLD)
            chain.append(Step(right[n - 1].expression, rule, right[n].detail))
        if len(chain) - 1 > rules.MAX_STEPS:
            raise NoProof(f"more than {rules.MAX_STEPS} steps")
        return chain

    def simplifies(self, a: sympy.Expr, b: sympy.Expr) -> str | None:
        """The rule by which algebra alone joins a and b, if it does: a − b cancels to 0 as a
        rational function of its sums and exponentials (`generic.cancels`), or does so with
        the logs of positive arguments split (`positivity.expand_logs`, under its side
        conditions). Either way the step is then decided by the engine like every other."""
        if a.has(Derivative) or b.has(Derivative):
            return None
        try:
            difference = canonical_sums(normalize(a - b, self.ranges))
            if cancels(difference):
                return rules.SIMPLIFY
            split = canonical_sums(normalize(expand_logs(difference, self.ranges), self.ranges))
            if split != difference and cancels(split):
                return rules.LOG_SPLIT
        except (ArithmeticError, ValueError, TypeError, sympy.PolynomialError):
            return None
        return None

    def meeting(self, a: sympy.Expr, b: sympy.Expr) -> str | None:
        """"" where a and b are one form, the rule joining them where they are equal as
        polynomials in the folded names, None otherwise."""
        if a == b:
            return ""
        if a.has(Derivative) or b.has(Derivative) or _evaluated(a) != a:
            return None
        if sympy.expand(a - b) != 0:
            if self.equal and sympy.expand(self.letters(a) - self.letters(b)) == 0:
                pairs = ", ".join(f"{x} = {y}" for x, y in self.equal)
                return f"{rules.CASE} {pairs}"
            if sympy.expand(self.diagonal(a) - self.diagonal(b)) == 0:
                return rules.DIAGONAL
            return None
        if isinstance(a, sympy.Add) and isinstance(b, sympy.Mul) \
                and any(isinstance(f, sympy.Add) for f in b.args):
            return rules.FACTOR
        if sympy.expand(b) == b and isinstance(b, sympy.Add) and not isinstance(a, sympy.Add):
            return rules.EXPAND
        return rules.REARRANGE


def _named_atoms(expr: sympy.Basic, recorder: Recorder) -> set[str]:
    found: set[str] = set()
    for atom in expr.atoms(sympy.Indexed, sympy.Symbol):
        name = recorder.name_of(atom)
        if name is not None:
            found.add(name)
    return found


def _outermost(expr: sympy.Basic) -> list[Derivative]:
    if isinstance(expr, Derivative):
        return [expr]
    found: list[Derivative] = []
    for arg in expr.args:
        for node in _outermost(arg):
            if node not in found:
                found.append(node)
    return found


def _substitute(expr: sympy.Basic, mapping: dict[sympy.Basic, sympy.Basic]) -> sympy.Basic:
    """`expr` with `mapping`'s nodes replaced, the products around them left unevaluated
    (a cancellation is a step of its own)."""
    if expr in mapping:
        return mapping[expr]
    if expr.is_Atom or not expr.args:
        return expr
    args = [_substitute(a, mapping) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    if isinstance(expr, sympy.Mul):
        return sympy.Mul(*args, evaluate=False)
    return expr.func(*args)


def _unify_sums(expr: sympy.Basic) -> sympy.Basic:
    """Sums equal but for their variable's letter written with the first one's letter."""
    seen: dict[sympy.Basic, Sum] = {}
    mapping: dict[Sum, Sum] = {}
    for total in sorted(expr.atoms(Sum), key=str):
        if len(total.limits) != 1:
            continue
        variable = total.limits[0][0]
        key = total.xreplace({variable: _ANY})
        if key in seen and seen[key] != total:
            mapping[total] = seen[key]
        else:
            seen.setdefault(key, total)
    return expr.xreplace(mapping) if mapping else expr


_ANY = sympy.Dummy("any", integer=True)


def _denominators(expr: sympy.Basic) -> int:
    return sum(1 for node in sympy.preorder_traversal(expr)
               if isinstance(node, sympy.Pow) and node.exp.is_negative)


def _evaluated(expr: sympy.Basic) -> sympy.Basic:
    if expr.is_Atom or not expr.args:
        return expr
    args = [_evaluated(a) for a in expr.args]
    if isinstance(expr, sympy.Indexed):
        return expr.func(*args)
    return expr.func(*args)


def where_pairs(node: ast.Node | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """`where`'s index equalities and inequalities, if it is a conjunction of them."""
    equal: list[tuple[str, str]] = []
    different: list[tuple[str, str]] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BoolOp) and current.op == "and" and current.right:
            stack += [current.left, current.right]
        elif isinstance(current, ast.Compare) and current.op in ("==", "!=") \
                and isinstance(current.left, ast.Name) and isinstance(current.right, ast.Name):
            (equal if current.op == "==" else different).append(
                (current.left.name, current.right.name))
    return equal, different
