"""TeX itself: LaTeX files compiled with latexmk -xelatex (or xelatex twice) in a private folder.

The report's output folder is not trusted: a `latexmkrc` there would run as Perl, and TeX reads
a `.sty` or `.cfg` from its working folder before the system's. So TeX runs in a fresh folder
that only this user can enter (`private_directory`: mkdtemp, 0700) and that holds only the
files handed to `typeset`, with no rc file (`-norc`), no shell escape, kpathsea's paranoid mode
for every file TeX opens or writes (`openin_any=p`, `openout_any=p`: no absolute path outside
the folder, no `..`, no dot file) and neither TEXINPUTS nor TEXMFOUTPUT from the caller's
environment.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

INSTALL_HINT = ("install XeLaTeX and latexmk (Debian/Ubuntu: apt-get install texlive-xetex "
                "texlive-latex-extra texlive-lang-cjk texlive-lang-chinese latexmk fonts-noto-cjk)")
#: What a run may not take from the caller's environment: where TeX looks for inputs and
#: where it may write.
UNSET = ("TEXINPUTS", "TEXMFOUTPUT")
#: A driver's fatal error on its output ("xdvipdfmx:fatal: Capacity exceeded."): the error
#: of a document TeX itself typeset, which the log does not show.
_FATAL = re.compile(r"^([\w-]+):fatal: (.*)$")


class LatexError(Exception):
    """The PDF could not be made (no TeX installed, or the compilation failed)."""


class TexFailed(LatexError):
    """TeX (or its PDF driver) ran and failed on a document.

    Attributes:
        first_error: the first error line ("TeX capacity exceeded, sorry [...]"), or ''.
        log: TeX's log of the document in the private folder (it may not exist).
    """

    def __init__(self, message: str, first_error: str, log: Path) -> None:
        super().__init__(message)
        self.first_error = first_error
        self.log = log


@contextlib.contextmanager
def private_directory() -> Iterator[Path]:
    """A fresh folder only this user can enter (removed afterwards, whatever it holds)."""
    path = Path(tempfile.mkdtemp(prefix="symderiv-tex-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def commands(main: str) -> list[list[str]]:
    """The runs that turn `main` into a PDF: latexmk, or xelatex twice without it.

    Raises:
        LatexError: xelatex is not installed.
    """
    latexmk, xelatex = shutil.which("latexmk"), shutil.which("xelatex")
    if xelatex is None:
        raise LatexError(f"--pdf needs xelatex, which is not installed: {INSTALL_HINT}")
    flags = ["-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error"]
    if latexmk is not None:
        return [[latexmk, "-norc", "-xelatex", "-quiet", *flags, main]]
    return [[xelatex, *flags, main]] * 2


def environment() -> dict[str, str]:
    """The caller's environment without TEXINPUTS and TEXMFOUTPUT, in paranoid mode."""
    env = {name: value for name, value in os.environ.items() if name not in UNSET}
    env.update(openin_any="p", openout_any="p")
    return env


def typeset(directory: Path, files: Mapping[str, str], timeout: float = 300.0) -> Path:
    """Write `files` (name -> LaTeX) into `directory`, a new folder made inside a
    `private_directory`, and compile its `report.tex`; returns the PDF's path there.

    Raises:
        LatexError: no TeX installation, or TeX did not finish within `timeout` seconds (each
            run of latexmk or xelatex).
        TexFailed: TeX failed on the document.
    """
    directory.mkdir(mode=0o700)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    log = directory / "report.log"
    for command in commands("report.tex"):
        try:
            finished = subprocess.run(command, cwd=directory, capture_output=True,
                                      timeout=timeout, check=False, env=environment(),
                                      stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as error:
            raise LatexError(f"TeX did not finish within {timeout:g} s") from error
        if finished.returncode != 0:
            output = (finished.stdout + finished.stderr).decode("utf-8", errors="replace")
            first = first_error(log, output)
            raise TexFailed("TeX failed" + (f": {first}" if first else ""), first, log)
    return directory / "report.pdf"


def first_error(log: Path, output: str = "") -> str:
    """The first TeX error line of a log ('! ...'), else the PDF driver's fatal error in the
    run's output ('xdvipdfmx: Capacity exceeded.'), else ''."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.startswith("! "):
            return line[2:]
    for line in output.splitlines():
        fatal = _FATAL.match(line.strip())
        if fatal is not None:
            return f"{fatal.group(1)}: {fatal.group(2)}"
    return ""
