"""What every checked item (claim, derivation, example) shares: a unique `id` and an
expected verdict."""

from __future__ import annotations

import yaml

from symderiv.load import model
from symderiv.load.reader import Reader


def read_id(reader: Reader, fields: dict[str, yaml.Node], node: yaml.Node, ids: set[str],
            what: str) -> str | None:
    """The item's `id`, recorded in `ids`; None (reported) if missing, not text or taken."""
    if "id" not in fields:
        reader.error(f"{what} needs an 'id'", node, "key")
        return None
    item_id = reader.identifier(fields["id"], "id")
    if item_id is None:
        return None
    if item_id in ids:
        reader.error(f"duplicate id {item_id!r}", fields["id"], "duplicate")
        return None
    ids.add(item_id)
    return item_id


def read_expect(reader: Reader, fields: dict[str, yaml.Node]) -> str:
    """The item's expected verdict: 'holds' (the default) or 'refuted'."""
    if "expect" not in fields:
        return "holds"
    value = reader.text(fields["expect"], "expect")
    if value not in ("holds", "refuted"):
        reader.error("expect must be 'holds' or 'refuted'", fields["expect"], "type")
        return "holds"
    return value


def expect_written(fields: dict[str, yaml.Node], key: str = "expect") -> str:
    """The expectation as written, without reporting: 'refuted' or 'holds'."""
    node = fields.get(key)
    return "refuted" if isinstance(node, yaml.ScalarNode) and node.value == "refuted" \
        else "holds"


def set_aside(reader: Reader, mark: int, item_id: str | None, kind: str, expect: str) -> bool:
    """Whether the item read since `mark` (the count of `reader.errors` before it) had
    problems; those of an item with an id become its `Broken` check (the file's other checks
    still run), those of an item without one stay the file's errors."""
    found = reader.errors[mark:]
    if not found:
        return False
    if item_id is not None:
        del reader.errors[mark:]
        first = found[0]
        assert first.location is not None
        reader.broken.append(model.Broken(item_id, kind, expect, first.location,
                                          first.message, first.code))
    return True
