"""YAML -> composed nodes with marks. Nothing is constructed, so no tag can build an object."""

from __future__ import annotations

import yaml

from symderiv import limits
from symderiv.errors import Location, SymderivError

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq")
}



def location(path: str, node: yaml.Node) -> Location:
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _scan(path: str, text: str) -> None:
    """Refuse aliases, deep nesting and too many nodes from the event stream, before composing."""
    depth = 0
    count = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        mark = event.start_mark
        assert mark is not None  # the parser marks every event it emits
        where = Location(path, mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            # refused at the anchor, before any alias could expand (billion laughs)
            raise SymderivError("YAML anchors and aliases (&name, *name) are not supported in "
                                "specs", where, "yaml")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.active().max_yaml_depth:
                raise SymderivError(f"YAML nested more than {limits.active().max_yaml_depth} levels deep "
                                    "(--limit max_yaml_depth=...)", where, "limit")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > limits.active().max_nodes:
                raise SymderivError(f"spec has more than {limits.active().max_nodes} YAML nodes "
                                    "(--limit max_nodes=...)", where, "limit")


def compose(path: str, text: str) -> yaml.Node | None:
    """Compose `text` and validate it: standard tags only, no aliases, no duplicate keys.

    Raises:
        SymderivError: located at the offending node.
    """
    try:
        _scan(path, text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path, 1, 1)
        problem = error.problem or error.context or "invalid YAML"
        raise SymderivError(f"invalid YAML: {problem}", where, "yaml") from error
    except yaml.reader.ReaderError as error:  # a control character such as NUL
        before = text[: error.position]
        where = Location(path, before.count("\n") + 1, error.position - before.rfind("\n"))
        character = chr(error.character) if isinstance(error.character, int) else error.character
        raise SymderivError(f"invalid YAML: character {character!r} is not allowed", where,
                            "yaml") from error
    except yaml.YAMLError as error:
        message = " ".join(str(error).split())  # one line, whatever PyYAML wrote
        raise SymderivError(f"invalid YAML: {message}", Location(path, 1, 1), "yaml") from error
    if root is None:
        return None
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise SymderivError(
                "YAML anchors and aliases (&name, *name) are not supported in specs",
                location(path, node), "yaml"
            )
        seen.add(id(node))
        if len(seen) > limits.active().max_nodes:
            raise SymderivError(
                f"spec has more than {limits.active().max_nodes} YAML nodes", location(path, node), "limit"
            )
        if node.tag not in _PLAIN_TAGS:
            raise SymderivError(
                f"YAML tag {node.tag!r} is not allowed in specs", location(path, node), "yaml"
            )
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        raise SymderivError(
                            f"duplicate key {key.value!r}", location(path, key), "duplicate"
                        )
                    keys.add(key.value)
                stack.extend((value, key))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return root


def formula_location(path: str, node: yaml.ScalarNode) -> Location:
    """Where the text of a scalar starts (after a quote; on the next line for block scalars)."""
    start = location(path, node)
    if node.style in ('"', "'"):
        return Location(path, start.line, start.column + 1)
    if node.style in ("|", ">"):
        # block scalar: the text starts on the next line, at the block's indentation
        return Location(path, start.line + 1, max(1, node.end_mark.column + 1))
    return start
