"""The declarations: `sizes` (their concrete values), `indices` (each over a size), `symbols`
(shape, domain, LaTeX) and `labels` (integer inputs over a size's values), every name
declared once."""

from __future__ import annotations

import yaml

from symderiv import limits
from symderiv.errors import Location
from symderiv.load import model
from symderiv.load.reader import Reader

DEFAULT_SIZE_VALUES = (1, 2, 3, 4)


def declare(reader: Reader, declared: dict[str, Location], name: str, node: yaml.Node) -> bool:
    """Record `name` as declared at `node`; False (and an error) if it already was."""
    if name in declared:
        reader.error(f"{name!r} is already declared at line {declared[name].line}", node,
                     "duplicate")
        return False
    declared[name] = reader.at(node)
    return True


def read_sizes(reader: Reader, node: yaml.Node,
               declared: dict[str, Location]) -> list[model.SizeDecl]:
    out = []
    for key, value in reader.mapping(node, "sizes"):
        name = reader.name(key, "size")
        if name is None or not declare(reader, declared, name, key):
            continue
        values = _size_values(reader, name, value)
        if values is None:
            continue
        for number in values:
            if number > limits.active().max_size:
                reader.error(
                    f"size {name} = {number} exceeds the limit {limits.active().max_size} for concrete checks "
                    "(--limit max_size=...)",
                    value, "limit",
                )
                break
        else:
            if values:
                out.append(model.SizeDecl(name, tuple(sorted(set(values))), reader.at(key)))
            elif not any(error.location == reader.at(value) for error in reader.errors):
                reader.error(f"size {name} needs at least one value", value, "type")
    return out


def _size_values(reader: Reader, name: str, value: yaml.Node) -> list[int] | None:
    """The values of size `name` as written: none given, a largest value, or a list of values.
    None when the size is refused outright (already reported)."""
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):
        return list(DEFAULT_SIZE_VALUES)
    if isinstance(value, yaml.ScalarNode):
        top = reader.integer(value, f"size {name}")
        if top is None:
            return []
        if top < 1:
            reader.error(f"size {name} must be a positive integer", value, "type")
        if top > limits.active().max_size:  # before range(1, top + 1): `N: 10**18` must not allocate
            reader.error(f"size {name} = {top} exceeds the limit {limits.active().max_size} for "
                         "concrete checks (--limit max_size=...)", value, "limit")
            return None
        return list(range(1, top + 1))
    values: list[int] = []
    for item in reader.sequence(value, f"values of size {name}"):
        number = reader.integer(item, f"a value of size {name}")
        if number is None:
            continue
        if number < 1:
            reader.error(f"a value of size {name} must be a positive integer", item,
                         "type")
            continue
        values.append(number)
    return values


def read_indices(reader: Reader, node: yaml.Node, declared: dict[str, Location],
                 sizes: set[str]) -> list[model.IndexDecl]:
    out = []
    for key, value in reader.mapping(node, "indices"):
        name = reader.name(key, "index")
        size = reader.text(value, f"the size of index {key.value}")
        if name is None or size is None or not declare(reader, declared, name, key):
            continue
        if size not in sizes:
            reader.error(f"index {name} ranges over {size!r}, which is not a declared size",
                         value, "name")
            continue
        out.append(model.IndexDecl(name, size, reader.at(key)))
    return out


def read_symbols(reader: Reader, node: yaml.Node, declared: dict[str, Location],
                 sizes: set[str]) -> list[model.SymbolDecl]:
    out = []
    for key, value in reader.mapping(node, "symbols"):
        name = reader.name(key, "symbol")
        if name is None or not declare(reader, declared, name, key):
            continue
        domain, latex = "real", None
        shape_node: yaml.Node | None = value
        if isinstance(value, yaml.MappingNode):
            fields = reader.keys(reader.mapping(value, f"symbol {name}"),
                                 ("shape", "domain", "latex"), f"symbol {name}")
            shape_node = fields.get("shape")
            if "domain" in fields:
                domain = reader.text(fields["domain"], "domain") or "real"
                if domain not in ("real", "positive"):
                    reader.error(f"domain must be 'real' or 'positive', not {domain!r}",
                                 fields["domain"], "type")
                    domain = "real"
            if "latex" in fields:
                latex = reader.latex(fields["latex"], f"the latex of symbol {name}")
        shape = _shape(reader, shape_node, name, sizes) if shape_node is not None else []
        if len(shape) > 2:
            reader.error(f"symbol {name} has {len(shape)} dimensions; at most 2 are supported",
                         shape_node or value, "shape")
            continue
        out.append(model.SymbolDecl(name, tuple(shape), domain, reader.at(key), latex))
    return out


def _shape(reader: Reader, node: yaml.Node, name: str, sizes: set[str]) -> list[str | int]:
    """The dimensions of symbol `name`: positive integers or declared sizes."""
    shape: list[str | int] = []
    for item in reader.sequence(node, f"the shape of {name}"):
        if isinstance(item, yaml.ScalarNode) and item.tag.endswith(":int"):
            number = reader.integer(item, "a dimension")
            if number is not None and number > limits.active().max_size:
                reader.error(f"dimension {number} exceeds the limit {limits.active().max_size} "
                             "(--limit max_size=...)", item, "limit")
            elif number is not None and number >= 1:
                shape.append(number)
            else:
                reader.error("a dimension must be a positive integer or a size", item)
        elif isinstance(item, yaml.ScalarNode) and item.value in sizes:
            shape.append(item.value)
        else:
            reader.error(f"dimension {getattr(item, 'value', '?')!r} is not a declared "
                         "size", item, "name")
    return shape


def read_labels(reader: Reader, node: yaml.Node, declared: dict[str, Location],
                sizes: set[str]) -> list[model.LabelDecl]:
    """`y: T` (one label, a value in 1..T) or `c: {shape: [B], range: T}` (one per entry)."""
    out = []
    for key, value in reader.mapping(node, "labels"):
        name = reader.name(key, "label")
        if name is None or not declare(reader, declared, name, key):
            continue
        shape: list[str | int] = []
        range_node: yaml.Node = value
        if isinstance(value, yaml.MappingNode):
            fields = reader.keys(reader.mapping(value, f"label {name}"), ("shape", "range"),
                                 f"label {name}")
            if "range" not in fields:
                reader.error(f"label {name} needs a 'range': the size whose values 1..size "
                             "it takes", value, "key")
                continue
            range_node = fields["range"]
            if "shape" in fields:
                shape = _shape(reader, fields["shape"], name, sizes)
                if len(shape) > 1 or any(isinstance(d, int) for d in shape):
                    reader.error(f"label {name} has shape {shape}; a label is one number "
                                 "([]) or one per entry of a size ([B])", fields["shape"],
                                 "shape")
                    continue
        size = reader.text(range_node, f"the range of label {name}")
        if size is None:
            continue
        if size not in sizes:
            reader.error(f"label {name} takes the values of {size!r}, which is not a declared "
                         "size", range_node, "name")
            continue
        out.append(model.LabelDecl(name, tuple(str(d) for d in shape), size, reader.at(key)))
    return out
