"""The report's files: `report.tex` (preamble, summary, legend, an \\input per spec) and
one `NAME.tex` fragment per spec, written into a directory."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from symderiv.report.latex import files
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
% ragged right: spec text in typewriter type (a claim, a numpy line, a value list) has few
% spaces and none that stretch, so a justified line of it would run into the margin
\raggedright
\emergencystretch=2em
"""

CJK_SETUP = r"""\usepackage{xeCJK}
\setCJKmainfont{Noto Serif CJK SC}
\setCJKsansfont{Noto Sans CJK SC}
\setCJKmonofont{Noto Sans Mono CJK SC}"""


@dataclass(frozen=True, slots=True)
class Section:
    """One spec's section: its file name (without .tex), the spec's path and title, its LaTeX."""

    name: str
    path: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Sources:
    """The report's LaTeX in memory: what `write` puts in the folder and `--pdf` compiles
    (from these texts, never from the folder)."""

    preamble: str
    report: str
    sections: tuple[Section, ...]

    def files(self) -> dict[str, str]:
        """File name -> LaTeX: report.tex and one NAME.tex per section."""
        return {"report.tex": self.report,
                **{f"{section.name}.tex": section.text for section in self.sections}}

    def alone(self, section: Section) -> dict[str, str]:
        """The files of a document that holds only `section` (same preamble)."""
        return {"report.tex": self.preamble + f"\\begin{{document}}\n\\input{{{section.name}}}\n"
                "\\end{document}\n", f"{section.name}.tex": section.text}

    def replaced(self, texts: dict[str, str]) -> Sources:
        """These sources with the sections named in `texts` (name -> LaTeX) replaced."""
        return Sources(self.preamble, self.report, tuple(
            Section(s.name, s.path, s.title, texts.get(s.name, s.text)) for s in self.sections))


@dataclass(frozen=True, slots=True)
class Written:
    """The files written for a report: the main document, one fragment per spec, and their
    LaTeX."""

    report: Path
    fragments: tuple[Path, ...]
    sources: Sources


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


def preamble(cjk: bool) -> str:
    """The preamble, with xeCJK when `cjk`, up to \\begin{document}."""
    return PREAMBLE.replace("%CJK%", CJK_SETUP if cjk else "")


def document(report: Report, names: list[str], cjk: bool) -> str:
    """report.tex: preamble (xeCJK when `cjk`), summary and an \\input per spec."""
    legend = (f"{CHECK} proved: shown symbolically for every value of the sizes; verified: "
              "shown symbolically for each listed size value; "
              f"{NUMERIC} numerically consistent: no difference at the points tried; "
              f"{CROSS} refuted: a confirmed counterexample.")
    inputs = "".join(f"\\input{{{name}}}\n\\clearpage\n" for name in names)
    return (preamble(cjk) + "\\title{Checked derivations}\n\\author{symderiv}\n\\date{}\n"
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


def sources(report: Report) -> Sources:
    """The report's LaTeX: a section per spec, and report.tex."""
    names = fragment_names(report.files)
    sections = tuple(Section(name, result.path, result.title or result.path,
                             spec_fragment(result))
                     for name, result in zip(names, report.files))
    # any CJK, in a title or a `by`, needs xeCJK's fonts
    cjk = any(has_cjk(section.text) for section in sections)
    return Sources(preamble(cjk), document(report, names, cjk), sections)


def write(report: Report, directory: Path) -> Written:
    """Write NAME.tex for every spec and report.tex into `directory` (never through a link
    already there: `files.write_text`)."""
    directory.mkdir(parents=True, exist_ok=True)
    latex = sources(report)
    fragments = tuple(files.write_text(directory, f"{section.name}.tex", section.text)
                      for section in latex.sections)
    main = files.write_text(directory, "report.tex", latex.report)
    return Written(main, fragments, latex)
