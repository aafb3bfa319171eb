"""The claims (an equation `lhs == rhs`, or its LaTeX in `tex`) and the derivations (a chain
of steps, each equal to the one before)."""

from __future__ import annotations

import yaml

from symderiv.errors import SymderivError
from symderiv.language import ast
from symderiv.load import model
from symderiv.load.items import expect_written, read_expect, read_id, set_aside
from symderiv.load.reader import Reader
from symderiv.load.yaml_nodes import formula_location


#: The relations a claim may state: an equation, or an inequality *(addition)*.
CLAIM_RELATIONS = ("==", "<", "<=", ">", ">=")


def read_claims(reader: Reader, node: yaml.Node, ids: set[str]) -> list[model.Claim]:
    out: list[model.Claim] = []
    for item in reader.sequence(node, "claims"):
        mark, count = len(reader.errors), len(out)
        fields = reader.keys(reader.mapping(item, "a claim"),
                             ("id", "claim", "where", "expect", "tex", "wrt"), "a claim")
        item_id = read_id(reader, fields, item, ids, "a claim")
        _claim(reader, item, fields, item_id, out)
        if set_aside(reader, mark, item_id, "claim", expect_written(fields)):
            del out[count:]
    return out


def _claim(reader: Reader, item: yaml.Node, fields: dict[str, yaml.Node], item_id: str | None,
           out: list[model.Claim]) -> None:
    """Read one claim into `out` (its problems into `reader.errors`)."""
    if "claim" not in fields and "tex" not in fields:
        reader.error("a claim needs 'claim' (or 'tex')", item, "key")
        return
    claim = reader.formula(fields["claim"], "claim") if "claim" in fields else None
    where = reader.formula(fields["where"], "where") if "where" in fields else None
    tex = reader.text(fields["tex"], "tex") if "tex" in fields else None
    wrt = reader.text(fields["wrt"], "wrt") if "wrt" in fields else None
    if claim is not None and not (
        isinstance(claim.node, ast.Compare) and claim.node.op in CLAIM_RELATIONS
    ):
        reader.errors.append(SymderivError(
            "a claim must be an equation 'lhs == rhs' or an inequality (lhs < rhs, <=, >, >=)",
            claim.location, "claim"))
        return
    if item_id is None or ("claim" in fields and claim is None):
        return
    if "where" in fields and where is None:
        return
    tex_node = fields.get("tex")
    # not text: `reader.text` has reported it
    tex_location = (formula_location(reader.path, tex_node)
                    if isinstance(tex_node, yaml.ScalarNode) else None)
    out.append(model.Claim(item_id, claim, where, read_expect(reader, fields), tex,
                           reader.at(item), tex_location, wrt))


def read_derivations(reader: Reader, node: yaml.Node, ids: set[str]) -> list[model.Derivation]:
    out: list[model.Derivation] = []
    for item in reader.sequence(node, "derivations"):
        mark, count = len(reader.errors), len(out)
        fields = reader.keys(reader.mapping(item, "a derivation"),
                             ("id", "steps", "where", "expect"), "a derivation")
        item_id = read_id(reader, fields, item, ids, "a derivation")
        try:
            if "steps" not in fields:
                reader.error("a derivation needs 'steps'", item, "key")
                continue
            read = [_step(reader, step) for step in reader.sequence(fields["steps"], "steps")]
            steps = [step for step in read if step is not None]
            complete = len(steps) == len(read)
            if complete and len(steps) < 2:
                reader.error("a derivation needs at least two steps", fields["steps"], "type")
                continue
            where = reader.formula(fields["where"], "where") if "where" in fields else None
            if item_id is None or not complete:
                continue
            out.append(model.Derivation(item_id, tuple(steps), where, read_expect(reader, fields),
                                        reader.at(item)))
        finally:
            if set_aside(reader, mark, item_id, "derivation", expect_written(fields, "expect")):
                del out[count:]
    return out


def _step(reader: Reader, node: yaml.Node) -> model.Step | None:
    """One step: a formula, or `{expr: FORMULA, by: TEXT}`; None (reported) if unreadable."""
    by = None
    expr_node = node
    if isinstance(node, yaml.MappingNode):
        fields = reader.keys(reader.mapping(node, "a step"), ("expr", "by"), "a step")
        if "expr" not in fields:
            reader.error("a step needs 'expr'", node, "key")
            return None
        expr_node = fields["expr"]
        if "by" in fields:
            by = reader.text(fields["by"], "by")
    formula = reader.formula(expr_node, "a step")
    if formula is None:
        return None
    return model.Step(formula, by)
