"""Spec-derived text made safe to print: what a terminal or a CI runner would act on is escaped.

A title, id, `by`, file name or mapping key comes from a spec someone else wrote. Printed as
it is, an ESC starts a terminal escape sequence, and a line that starts with `::` (after
leading blanks) or holds `##[` anywhere is a GitHub Actions workflow command
(`::error::`, `::add-mask::`, `::stop-commands::`, `##[set-output name=x]y`). `one_line`
shows such characters as escapes, `safe_line` also defuses a leading `::`; the JSON and XML
documents keep the text exact but write it so that no parser chokes and no runner reads it.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Controls (C0 with tab and newline, DEL, C1), the line and paragraph separators, the
#: bidirectional embeddings, overrides and isolates ("Trojan Source"), and lone surrogates
#: (a YAML "\ud800", or a file name that is not UTF-8).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: The prefix of the old-style workflow commands, which the runner finds anywhere in a line.
_COMMAND_PREFIX = "##["
_COMMAND_PREFIX_SHOWN = "##\\x5b"
#: Characters XML 1.0 cannot hold at all (not even as `&#…;`), and C1 and DEL, which it
#: discourages.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def escaped(character: str) -> str:
    """`character` as a visible escape: `\\n`, `\\x1b`, `\\u202e`, `\\udcff`."""
    code = ord(character)
    return _NAMED.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(text: str) -> str:
    """`text` on one line, with every control, separator, bidi control and lone surrogate
    shown as an escape and `##[` as `##\\x5b`; other characters (any script) are kept."""
    return _UNPRINTABLE.sub(lambda found: escaped(found.group()), text) \
        .replace(_COMMAND_PREFIX, _COMMAND_PREFIX_SHOWN)


def safe_line(text: str) -> str:
    """`one_line(text)`, whose first `:` is escaped if it would start a workflow command (the
    runner reads `::name::` after leading blanks)."""
    line = one_line(text)
    stripped = line.lstrip()
    if stripped.startswith("::"):
        return line[:len(line) - len(stripped)] + "\\x3a" + stripped[1:]
    return line


def json_document(value: Any) -> str:
    """`value` as indented JSON (UTF-8 text kept as it is) that any text stream can carry.

    A lone surrogate is written as its JSON escape (`"\\ud800"`, what `json.loads` reads back
    as the same string) and `##[` as `##\\u005b`: the same data, but valid UTF-8 and nothing a
    CI runner would read as a command.
    """
    text = json.dumps(value, ensure_ascii=False, indent=2)
    # JSON text holds '#' and raw surrogates only inside strings, where an escape is the same
    text = _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    return text.replace(_COMMAND_PREFIX, "##\\u005b")


def xml_document(text: str) -> str:
    """Serialized XML whose every character XML 1.0 allows: the others shown as escapes (as in
    `one_line`), and `##[` as `##&#91;` (the same text, not a workflow command)."""
    # outside attribute values and text only fixed markup remains, which holds none of these
    return _NOT_XML.sub(lambda found: escaped(found.group()), text) \
        .replace(_COMMAND_PREFIX, "##&#91;")
