"""The typed reading of YAML nodes: mappings, lists, text, integers, names, formulas and
allowed keys, each mistake collected as a located error; `SpecErrors` raises them together."""

from __future__ import annotations

import re

import yaml

from symderiv import limits
from symderiv.errors import FormulaError, Location, SymderivError
from symderiv.language.parser import parse
from symderiv.load import latex_names, model
from symderiv.load.yaml_nodes import formula_location, location

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
#: Terminal escapes and other C0/C1 controls (tab and newline are fine), and the bidirectional
#: overrides that make text read differently from what it is ("Trojan Source").
UNSAFE_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: What an id (which every report prints on one line, and JUnit as an XML name) cannot hold
#: besides: tab and newline, the line and paragraph separators, lone surrogates (a YAML
#: "\ud800") and the Unicode non-characters (U+FDD0–U+FDEF, U+FFFE and U+FFFF of every plane).
NOT_IN_ID = re.compile("[\t\n\u2028\u2029\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(chr(plane + end) for plane in range(0, 0x110000, 0x10000)
                                 for end in (0xFFFE, 0xFFFF))
                       + "]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class SpecErrors(Exception):
    """All the errors found in one spec file, sorted by position."""

    def __init__(self, errors: list[SymderivError]) -> None:
        def key(error: SymderivError) -> tuple[int, int]:
            where = error.location
            return (where.line, where.column) if where else (0, 0)

        self.errors = sorted(errors, key=key)
        super().__init__("\n".join(error.render() for error in self.errors))


class Reader:
    """Reads the nodes of one spec file, collecting every error it finds (located)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[SymderivError] = []
        #: checks set aside with their problems (`items.set_aside`)
        self.broken: list[model.Broken] = []

    def error(self, message: str, node: yaml.Node, code: str = "spec") -> None:
        self.errors.append(SymderivError(message, location(self.path, node), code))

    def at(self, node: yaml.Node) -> Location:
        return location(self.path, node)

    # -- typed accessors -------------------------------------------------------------------

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.error(f"{what} must be a mapping", node, "type")
            return []
        pairs = []
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.error(f"keys of {what} must be text", key, "type")
                continue
            pairs.append((key, value))
        if len(pairs) > limits.active().max_items:
            self.error(f"{what} has more than {limits.active().max_items} entries (--limit max_items=...)",
                       node, "limit")
            return pairs[:limits.active().max_items]
        return pairs

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(f"{what} must be a list", node, "type")
            return []
        if len(node.value) > limits.active().max_items:
            self.error(f"{what} has more than {limits.active().max_items} entries (--limit max_items=...)",
                       node, "limit")
            return list(node.value[:limits.active().max_items])
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            self.error(f"{what} must be text", node, "type")
            return None
        value = _joined_surrogates(str(node.value))
        hidden = UNSAFE_CHARACTER.search(value)
        if hidden is not None:  # "\e[2J" in a title would reach the teacher's terminal
            self.error(f"{what} contains the control character U+{ord(hidden.group()):04X}",
                       node, "type")
            return None
        return value

    def identifier(self, node: yaml.Node, what: str) -> str | None:
        """Text that names a check: one line of characters every report can print."""
        value = self.text(node, what)
        if value is None:
            return None
        odd = NOT_IN_ID.search(value)
        if odd is not None:
            self.error(f"{what} contains the {_kind(odd.group())} U+{ord(odd.group()):04X}",
                       node, "type")
            return None
        return value

    def latex(self, node: yaml.Node, what: str) -> str | None:
        """A name's LaTeX (`latex:`), in the subset a report may paste (`load/latex_names.py`);
        a refused value is an error at its offending character."""
        value = self.text(node, what)
        if value is None or not isinstance(node, yaml.ScalarNode):
            return None
        found = latex_names.problem(value)
        if found is not None:
            where = formula_location(self.path, node).shifted(value, found.offset)
            self.errors.append(SymderivError(f"{what}: {found.message}", where, found.code))
            return None
        return value

    def integer(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int"):
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                pass
        self.error(f"{what} must be an integer", node, "type")
        return None

    def name(self, node: yaml.ScalarNode, what: str) -> str | None:
        value = str(node.value)
        if not NAME.match(value):
            self.error(
                f"{what} {value!r} is not a name (a letter, then letters, digits or '_')",
                node, "name",
            )
            return None
        if value in model.RESERVED:
            self.error(f"{value!r} is a reserved word and cannot be declared", node, "reserved")
            return None
        return value

    def formula(self, node: yaml.Node, what: str) -> model.Formula | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            self.error(f"{what} must be a formula (text)", node, "type")
            return None
        text = str(node.value)
        where = formula_location(self.path, node)
        try:
            tree = parse(text)
        except FormulaError as error:
            self.errors.append(error.at(where, text))
            return None
        return model.Formula(text, tree, where)

    def keys(self, pairs: list[tuple[yaml.ScalarNode, yaml.Node]], allowed: tuple[str, ...],
             what: str) -> dict[str, yaml.Node]:
        found: dict[str, yaml.Node] = {}
        for key, value in pairs:
            if key.value not in allowed:
                self.error(
                    f"unknown key {key.value!r} in {what} (allowed: {', '.join(allowed)})",
                    key, "key",
                )
                continue
            found[key.value] = value
        return found


def _joined_surrogates(value: str) -> str:
    """`value` with each UTF-16 surrogate pair (YAML's `"\\ud83d\\ude00"`) as the character it
    encodes; a lone surrogate stays."""
    if _SURROGATE.search(value) is None:
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _kind(character: str) -> str:
    """What `character`, refused in an id, is."""
    if character in "\t\n":
        return "control character"
    if character in "\u2028\u2029":
        return "line separator" if character == "\u2028" else "paragraph separator"
    return "lone surrogate" if _SURROGATE.match(character) else "non-character"
