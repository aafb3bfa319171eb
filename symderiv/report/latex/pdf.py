"""The PDF step: report.tex compiled with latexmk -xelatex (or xelatex twice)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

INSTALL_HINT = ("install XeLaTeX and latexmk (Debian/Ubuntu: apt-get install texlive-xetex "
                "texlive-latex-extra texlive-lang-cjk texlive-lang-chinese latexmk fonts-noto-cjk)")


class LatexError(Exception):
    """The PDF could not be made (no TeX installed, or the compilation failed)."""


def compile_pdf(tex: Path, timeout: float = 300.0) -> Path:
    """Compile `tex` with latexmk -xelatex (or xelatex twice); returns the PDF's path.

    Raises:
        LatexError: no TeX installation, or TeX failed (the message names the log).
    """
    directory, name = tex.parent, tex.name
    latexmk, xelatex = shutil.which("latexmk"), shutil.which("xelatex")
    if xelatex is None:
        raise LatexError(f"--pdf needs xelatex, which is not installed: {INSTALL_HINT}")
    flags = ["-interaction=nonstopmode", "-halt-on-error"]
    if latexmk is not None:
        commands = [[latexmk, "-xelatex", "-quiet", *flags, name]]
    else:
        commands = [[xelatex, *flags, name]] * 2
    for command in commands:
        try:
            finished = subprocess.run(command, cwd=directory, capture_output=True,
                                      timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise LatexError(f"TeX did not finish within {timeout:g} s") from error
        if finished.returncode != 0:
            log = tex.with_suffix(".log")
            raise LatexError(f"TeX failed on {tex}; see {log}" + first_error(log))
    return tex.with_suffix(".pdf")


def first_error(log: Path) -> str:
    """': <the first TeX error line>' from a log, or ''."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in lines:
        if line.startswith("! "):
            return ": " + line[2:]
    return ""
