"""The result cache: results by key, each entry sealed with the machine's key.

A cache never decides a verdict it did not write: an entry is read only if it is a regular
file under the size limit whose MAC (made with the per-machine key, `secret.py`) is right,
and only into the result classes, every field checked against its type (`codec.py`). Anything
else is a miss, and the check is run again and its entry overwritten.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from symderiv.version import __version__
from symderiv.cache import codec
from symderiv.cache.files import MAX_ENTRY_BYTES, file_digest, folder, read_entry, write_entry, \
    write_new
from symderiv.cache.secret import seal, unseal
from symderiv.check.verdict import CheckResult
from symderiv.errors import Location
from symderiv.jobs import fingerprint
from symderiv.options import Options

if TYPE_CHECKING:
    from symderiv.jobs import Job
    from symderiv.resolve.scope import Scope

#: Methods whose verdicts depend on the run, not the content: never cached.
UNSTABLE = frozenset({"timeout", "memory", "budget", "crash", "internal"})

#: What an entry's name may be: a key is a hex digest; nothing that could leave its folder.
_NAME = re.compile(r"[A-Za-z0-9_-]{2,128}")

_TAGS = (("CACHEDIR.TAG", b"Signature: 8a477f597d28d172789f06886806bc55\n"
                          b"# This file is a cache directory tag created by symderiv.\n"),
         (".gitignore", b"# Created by symderiv.\n*\n"))


class ProofPrinter(Protocol):
    """How a proof step is stored: the LaTeX the report prints for it, in a spec's notation
    (`report/proofs.py`)."""

    def notation(self, scope: Scope) -> str:
        """A digest of everything `latex` prints with besides the expression."""

    def latex(self, scope: Scope, expression: Any) -> str:
        """The expression of a proof step of `scope`'s spec, as the LaTeX report shows it."""


class Cache:
    """Results by key under `directory` (created 0700 on first write, with a CACHEDIR.TAG).

    Two kinds of entry: one check's results (keyed by `jobs.fingerprint`, so editing one
    claim re-checks only that claim), and a whole file's results (keyed by its bytes, so an
    unchanged file is answered without loading it or importing sympy).
    """

    def __init__(self, directory: str | os.PathLike[str], versions: dict[str, str],
                 secret: bytes, proofs: ProofPrinter) -> None:
        self.directory = Path(directory)
        self.versions = versions
        self.secret = secret  # the machine's key (`secret.load_key`): entries are sealed with it
        self.proofs = proofs
        self.hits = 0  # entries read back
        self.written: list[str] = []  # ids of the checks stored, in order (not whole files)
        self._prepared = False

    def file_key(self, path: Path, options: Options) -> str | None:
        """The key of a whole spec file's results; None when the file cannot be read or is
        larger than the loader accepts (then it is not read: the loader reports it)."""
        digest = file_digest(path, options.limits.max_file_bytes)
        return None if digest is None else file_key(digest, options.settings(), self.versions)

    def job_key(self, scope: Scope, job: Job, options: Options) -> str:
        """The key of one job's results: its content, what it uses, options, versions."""
        return fingerprint(scope, job, options.settings(), self.versions)

    def entry_path(self, key: str) -> Path:
        """Where the entry of `key` is kept."""
        return self.directory.joinpath(*self._folders(key), f"{key}.json")

    def get(self, key: str, job: Job, scope: Scope | None) -> list[CheckResult] | None:
        """One job's stored results, placed at the job; None when absent or unusable.

        They must be the results of this job as the spec now states it (its id, kind and
        `expect`), and proof steps are used only if printed in the spec's current notation.
        """
        entry = self._read(key, job.location)
        if entry is None or entry.title is not None or not entry.results:
            return None
        first = entry.results[0]
        if (first.id, first.kind, first.expect) != (job.id, job.kind, job.expect) \
                or any(r.kind != job.kind for r in entry.results):
            return None
        if entry.proofs and (scope is None or entry.notation != self.proofs.notation(scope)):
            return None
        self.hits += 1
        return list(entry.results)

    def put(self, key: str, anchor: Location, results: list[CheckResult],
            scope: Scope | None) -> bool:
        """Store one check's results; False (nothing written) when they cannot be stored."""
        stored = self._write(key, anchor, results, None, scope)
        if stored:
            self.written.extend(r.id for r in results)
        return stored

    def get_file(self, key: str, display: str) -> tuple[str, list[CheckResult]] | None:
        """A whole file's title and results, shown under the path `display`. Its key holds
        the file's bytes, hence every `expect` in it."""
        entry = self._read(key, Location(display, 0, 0))
        if entry is None or entry.title is None:
            return None
        self.hits += 1
        return entry.title, list(entry.results)

    def put_file(self, key: str, title: str, results: list[CheckResult],
                 scope: Scope | None) -> bool:
        return self._write(key, Location("", 0, 0), results, title, scope)

    @staticmethod
    def _folders(key: str) -> tuple[str, str]:
        return f"v{codec.FORMAT}", key[:2]

    def _read(self, key: str, anchor: Location) -> codec.Entry | None:
        if not _NAME.fullmatch(key):
            return None
        data = read_entry(self.directory, self._folders(key), f"{key}.json")
        payload = None if data is None else unseal(self.secret, key, data)
        if payload is None:
            return None
        try:
            return codec.decode_entry(payload, key, self.versions, anchor)
        except codec.Malformed:
            return None

    def _write(self, key: str, anchor: Location, results: list[CheckResult],
               title: str | None, scope: Scope | None) -> bool:
        if not _NAME.fullmatch(key) or any(
                r.method in UNSTABLE or r.verdict.value == "error"
                or any(step.outcome.method in UNSTABLE for step in r.steps) for r in results):
            return False  # depends on the machine's load or on a crash, not on the content
        notation = None if scope is None else self.proofs.notation(scope)
        render = None if scope is None else functools.partial(self.proofs.latex, scope)
        try:
            payload = codec.encode_entry(key, self.versions, title, notation, results, anchor,
                                         render)
        except codec.Unstorable:
            return False
        sealed = seal(self.secret, key, payload)
        if len(sealed) > MAX_ENTRY_BYTES:
            return False
        self._prepare()
        return write_entry(self.directory, self._folders(key), f"{key}.json", sealed)

    def _prepare(self) -> None:
        """A new cache folder's CACHEDIR.TAG and .gitignore (never through a link). A folder
        that exists is left as it is: `--cache-dir .` must not ignore a whole project."""
        if self._prepared:
            return
        self._prepared = True
        if self.directory.exists():
            return
        try:
            with folder(self.directory, (), create=True) as where:
                for name, text in _TAGS:
                    with contextlib.suppress(FileExistsError):
                        write_new(where, name, text)
        except OSError:
            pass  # the entry's own write says whether the folder is usable


def versions() -> dict[str, str]:
    """What a cached verdict depends on besides the spec and the options.

    sympy's version is read from its `release.py` without importing sympy (a warm run never
    imports it); if that file is not where it should be, sympy is imported.
    """
    sympy_version = None
    spec = importlib.util.find_spec("sympy")
    if spec is not None and spec.origin:
        try:
            text = (Path(spec.origin).parent / "release.py").read_text(encoding="utf-8")
            found = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
            sympy_version = found.group(1) if found else None
        except OSError:
            pass
    if sympy_version is None:
        import sympy  # only when its release file is not where it should be

        sympy_version = sympy.__version__
    return {"symderiv": __version__, "code": code_digest(), "sympy": sympy_version,
            "format": str(codec.FORMAT)}


#: symderiv's own source folder.
PACKAGE = Path(__file__).resolve().parent.parent


def code_digest(package: Path = PACKAGE) -> str:
    """A digest of symderiv's own source: an edited engine never reuses old verdicts, even
    when the version number did not change (a development checkout)."""
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")) + sorted(package.rglob("*.lark")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def file_key(digest: str, options: dict[str, object], versions: dict[str, str]) -> str:
    """The key of a whole spec file's results: its bytes' digest, the options, the versions."""
    text = json.dumps({"file": digest, "options": options, "versions": versions},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
