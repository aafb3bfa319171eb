"""The definitions (`define`: NAME or NAME[i, j] -> a formula) and their numpy
implementations (`numpy`: one formula, or several by name)."""

from __future__ import annotations

import re

import yaml

from symderiv.errors import Location
from symderiv.load import model
from symderiv.load.declarations import declare
from symderiv.load.items import set_aside
from symderiv.load.reader import NAME, Reader

DEFINITION_HEAD = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\[([^\]]*)\])?\s*\Z")


def read_definitions(reader: Reader, node: yaml.Node,
                     declared: dict[str, Location]) -> list[model.Definition]:
    out = []
    for key, value in reader.mapping(node, "define"):
        head = DEFINITION_HEAD.match(str(key.value))
        if head is None:
            reader.error(f"{key.value!r} is not a definition head (NAME or NAME[i, j])", key,
                         "name")
            continue
        name = head.group(1)
        if name in model.RESERVED:
            reader.error(f"{name!r} is a reserved word and cannot be declared", key, "reserved")
            continue
        params = tuple(p.strip() for p in head.group(2).split(",")) if head.group(2) else ()
        if head.group(2) is not None and (not params or not all(NAME.match(p) for p in params)):
            reader.error(f"the parameters of {name} must be index names", key, "name")
            continue
        if not declare(reader, declared, name, key):
            continue
        latex = None
        if isinstance(value, yaml.MappingNode):  # extension: {expr: FORMULA, latex: TEXT}
            fields = reader.keys(reader.mapping(value, f"definition {name}"),
                                 ("expr", "latex"), f"definition {name}")
            if "latex" in fields:
                latex = reader.latex(fields["latex"], f"the latex of definition {name}")
            if "expr" not in fields:
                reader.error(f"definition {name} needs 'expr'", value, "key")
                continue
            value = fields["expr"]
        body = reader.formula(value, f"the definition of {name}")
        if body is not None:
            out.append(model.Definition(name, params, body, reader.at(key), latex))
    return out


def read_implementations(reader: Reader, node: yaml.Node) -> list[model.Implementation]:
    """The `numpy:` section. A formula that cannot be read is its implementation's problem
    (that check's `error`, `items.set_aside`), not the file's."""
    out = []
    for key, value in reader.mapping(node, "numpy"):
        name = str(key.value)
        if isinstance(value, yaml.MappingNode):
            pairs = [(impl_key, impl_value, reader.name(impl_key, "implementation"),
                      f"implementation {name}.{impl_key.value}")
                     for impl_key, impl_value in reader.mapping(value,
                                                                f"numpy implementations of {name}")]
        else:
            pairs = [(key, value, "numpy", f"the numpy implementation of {name}")]
        for _, impl_value, impl_name, what in pairs:
            if impl_name is None:
                continue
            mark = len(reader.errors)
            formula = reader.formula(impl_value, what)
            if set_aside(reader, mark, f"{name}.{impl_name}", "implementation", "holds"):
                continue
            assert formula is not None
            out.append(model.Implementation(name, impl_name, formula))
    return out
