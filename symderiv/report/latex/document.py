"""The report's files: `report.tex` (preamble, summary, legend, an \\input per spec) and
one `NAME.tex` fragment per spec, written into a directory."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from symderiv.report.latex.escape import escape, has_cjk
from symderiv.report.latex.fragment import spec_fragment
from symderiv.report.latex.verdicts import CHECK, CROSS, NUMERIC
from symderiv.results import FileResult, Report

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{fontspec}
%CJK%
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{adjustbox}
\usepackage[dvipsnames]{xcolor}
\definecolor{okgreen}{RGB}{0,128,0}
\definecolor{okblue}{RGB}{0,90,160}
\definecolor{badred}{RGB}{190,0,0}
\definecolor{warnorange}{RGB}{200,110,0}
% hyperref loads the Zapf Dingbats metric pzdr under XeTeX, which a TeX Live without
% its recommended fonts lacks; the font only pads link areas, so go on without it.
\suppressfontnotfounderror=1
\usepackage[hidelinks]{hyperref}
\suppressfontnotfounderror=0
\setcounter{secnumdepth}{3}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.4em}
\allowdisplaybreaks
"""

CJK_SETUP = r"""\usepackage{xeCJK}
\setCJKmainfont{Noto Serif CJK SC}
\setCJKsansfont{Noto Sans CJK SC}
\setCJKmonofont{Noto Sans Mono CJK SC}"""


@dataclass(frozen=True, slots=True)
class Written:
    """The files written for a report: the main document and one fragment per spec."""

    report: Path
    fragments: tuple[Path, ...]


def fragment_names(results: Iterable[FileResult]) -> list[str]:
    """A distinct, TeX-safe file name (without .tex) for every spec."""
    names: list[str] = []
    for result in results:
        stem = re.sub(r"[^A-Za-z0-9-]+", "-", Path(result.path).stem).strip("-") or "spec"
        if stem == "report":
            stem = "report-spec"
        name, number_ = stem, 2
        while name in names:
            name, number_ = f"{stem}-{number_}", number_ + 1
        names.append(name)
    return names


def document(report: Report, names: list[str], cjk: bool) -> str:
    """report.tex: preamble (xeCJK when `cjk`), summary and an \\input per spec."""
    preamble = PREAMBLE.replace("%CJK%", CJK_SETUP if cjk else "")
    legend = (f"{CHECK} proved: shown symbolically for every value of the sizes; verified: "
              "shown symbolically for each listed size value; "
              f"{NUMERIC} numerically consistent: no difference at the points tried; "
              f"{CROSS} refuted: a confirmed counterexample.")
    inputs = "".join(f"\\input{{{name}}}\n\\clearpage\n" for name in names)
    return (preamble + "\\title{Checked derivations}\n\\author{symderiv}\n\\date{}\n"
            "\\begin{document}\n\\maketitle\n" + escape(summary(report)) + "\\par\n"
            + "{\\small " + legend + "}\n\\tableofcontents\n\\clearpage\n" + inputs
            + "\\end{document}\n")


def summary(report: Report) -> str:
    """The sentence under the title: how many checks, how many as expected, by verdict."""
    checks = report.checks
    ok = sum(1 for c in checks if c.ok)
    detail = report.verdict_counts()
    text = (f"{len(checks)} checks in {len(report.files)} spec file(s): {ok} as expected, "
            f"{len(checks) - ok} not" + (f" ({detail})" if detail else "") + ".")
    if report.file_errors:
        text += f" {report.file_errors} file(s) could not be loaded."
    return text


def write(report: Report, directory: Path) -> Written:
    """Write NAME.tex for every spec and report.tex into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    names = fragment_names(report.files)
    fragments = []
    cjk = False
    for name, result in zip(names, report.files):
        path = directory / f"{name}.tex"
        text = spec_fragment(result)
        cjk = cjk or has_cjk(text)  # any CJK, in a title or a `by`, needs xeCJK's fonts
        path.write_text(text, encoding="utf-8")
        fragments.append(path)
    main = directory / "report.tex"
    main.write_text(document(report, names, cjk), encoding="utf-8")
    return Written(main, tuple(fragments))
