"""Math placed on the page: displayed equations and align cells, scaled down only if too wide."""

from __future__ import annotations

#: The width of a side as written, left of what sympy made of it in a proof.
NARROW = "0.3\\linewidth"
#: The width of what sympy made of a side, right of it (with the label, within the line).
WIDE = "0.5\\linewidth"


def display(body: str) -> str:
    """A displayed equation, scaled down only if wider than the line."""
    return ("\\begin{center}\\begin{adjustbox}{max width=\\linewidth}"
            f"$\\displaystyle {body}$\\end{{adjustbox}}\\end{{center}}\n")


def fit(body: str, width: str = "0.8\\linewidth") -> str:
    """Math in an align cell, scaled down only if wider than `width`."""
    return f"\\adjustbox{{max width={width}}}{{$\\displaystyle {body}$}}"
