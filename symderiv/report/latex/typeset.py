"""The report's PDF: the whole document, and if TeX fails on it, each spec's section alone to
find the ones it cannot typeset, which the PDF then shows as a short note.

One spec (a 99-deep fraction, a name TeX cannot set) thus costs its own section only. Every
run is in a private folder (`pdf.private_directory`); the PDF and the log are then copied into
the output folder without following a link there (`files.write_bytes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symderiv.report.latex import files, pdf
from symderiv.report.latex.document import Section, Sources, Written
from symderiv.report.latex.fragment import failed_fragment


@dataclass(frozen=True, slots=True)
class SectionFailure:
    """A spec whose section TeX could not typeset, and TeX's first error on it."""

    section: Section
    first_error: str

    def render(self) -> str:
        """One line, `path:1:1: warning: message  [pdf]`."""
        return (f"{self.section.path}:1:1: warning: the PDF shows a note instead of this "
                f"spec's section: TeX failed on it: {self.first_error or 'no error line'}"
                "  [pdf]")

    def note(self) -> str:
        """The section's LaTeX in the PDF: its heading and why it is missing."""
        section = self.section
        return failed_fragment(section.title, section.path, f"{section.name}.tex",
                               self.first_error)


@dataclass(frozen=True, slots=True)
class Typeset:
    """The PDF made, and the sections it shows as a note."""

    pdf: Path
    failures: tuple[SectionFailure, ...]


def compile_pdf(written: Written, timeout: float = 300.0) -> Typeset:
    """Compile the report `written` into a PDF beside it (`OUT/report.pdf`, and the log).

    Raises:
        pdf.LatexError: no TeX installation, or no PDF could be made (the message names the
            log, copied to `OUT/report.log`, and its first error).
    """
    directory = written.report.parent
    pdf.commands("report.tex")  # no TeX: say so before any work
    with pdf.private_directory() as private:
        sources = written.sources
        failures: tuple[SectionFailure, ...] = ()
        try:
            made = pdf.typeset(private / "report", sources.files(), timeout)
        except pdf.TexFailed as whole:
            failures = failing_sections(sources, private, timeout)
            if not failures:
                raise _failed(whole, written) from whole
            notes = {failure.section.name: failure.note() for failure in failures}
            try:
                made = pdf.typeset(private / "with-notes", sources.replaced(notes).files(),
                                   timeout)
            except pdf.TexFailed as error:
                raise _failed(error, written) from error
        _copy_log(made.with_suffix(".log"), directory)
        return Typeset(files.write_bytes(directory, "report.pdf", made.read_bytes()), failures)


def failing_sections(sources: Sources, private: Path,
                     timeout: float) -> tuple[SectionFailure, ...]:
    """The sections TeX cannot typeset even alone, each compiled in its own folder."""
    failures = []
    for number_, section in enumerate(sources.sections):
        try:
            pdf.typeset(private / f"section-{number_}", sources.alone(section), timeout)
        except pdf.TexFailed as error:
            failures.append(SectionFailure(section, error.first_error))
    return tuple(failures)


def _failed(error: pdf.TexFailed, written: Written) -> pdf.LatexError:
    """The error of a report no PDF could be made of; its log is copied out first."""
    log = _copy_log(error.log, written.report.parent)
    where = f"; see {log}" if log is not None else ""
    first = f": {error.first_error}" if error.first_error else ""
    return pdf.LatexError(f"TeX failed on {written.report}{where}{first}")


def _copy_log(log: Path, directory: Path) -> Path | None:
    """TeX's log copied to `directory/report.log`, or None if TeX wrote none."""
    try:
        data = log.read_bytes()
    except OSError:
        return None
    return files.write_bytes(directory, "report.log", data)
