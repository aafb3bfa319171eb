"""What every checked item (claim, derivation, example) shares: a unique `id` and an
expected verdict."""

from __future__ import annotations

import yaml

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
