"""HTML built so that text is escaped unless it is already markup: `Html` marks the safe kind.

Every string that is not an `Html` value is escaped where it goes into an element or an
attribute, so spec text (titles, ids, `by`, messages: untrusted, docs/security.md) can only
ever be text. Controls, lone surrogates and bidi controls are shown as escapes first
(`safe_text.one_line`), as in the terminal report: HTML may not hold them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from symderiv.report.safe_text import one_line


class Html(str):
    """Markup made by this package from escaped parts: inserted as it is."""

    __slots__ = ()


def escape(text: str) -> Html:
    """Spec (or any) text as HTML text, quotes included (safe in attribute values too)."""
    return Html(html.escape(one_line(text), quote=True))


def markup(part: str | None) -> Html:
    """`part` as markup: an `Html` value as it is, any other text escaped, None as nothing."""
    if part is None:
        return Html("")
    return part if isinstance(part, Html) else escape(part)


def join(parts: Iterable[str | None], separator: str = "") -> Html:
    """The parts one after the other, each through `markup`."""
    return Html(markup(separator).join(markup(part) for part in parts))


def element(tag: str, *children: str | None, **attributes: str | None) -> Html:
    """`<tag attributes>children</tag>`: `tag` and the attribute names are this package's
    own (`class_` is `class`); attribute values and plain-text children are escaped."""
    names = "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"'
                    for name, value in attributes.items() if value is not None)
    return Html(f"<{tag}{names}>{join(children)}</{tag}>")
