"""The result cache: one JSON file per check under `.symderiv_cache/`, keyed by content.

A cache file is data, never code: results are written as tagged JSON and read back only into
the known result classes; sympy expressions are rebuilt node by node from the sympy classes
already loaded (no `eval`, no `sympify` of text, no pickle). Anything unreadable, of another
format or for another key is ignored and overwritten.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symderiv.check import verdict
from symderiv.errors import Location
from symderiv.options import Expect, Kind, Options

if TYPE_CHECKING:
    from symderiv.jobs import Job
    from symderiv.resolve.scope import Scope

FORMAT = 1
DEFAULT_DIRECTORY = ".symderiv_cache"


class Unstorable(Exception):
    """A result holds a value this cache cannot write safely: it is simply not cached."""


# -- sympy expressions ----------------------------------------------------------------------

@functools.cache
def _sympy_classes() -> dict[str, type]:
    import sympy

    import symderiv.resolve.symbolic  # noqa: F401 - its sympy classes must be registered

    found: dict[str, type] = {}
    stack: list[type] = [sympy.Basic]
    while stack:
        cls = stack.pop()
        found.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
        stack.extend(cls.__subclasses__())
    return found


def encode_sympy(expression: Any) -> Any:
    import sympy
    from sympy.core.function import AppliedUndef

    if isinstance(expression, sympy.Dummy):
        return {"dummy": expression.name, "index": expression.dummy_index,
                "assumptions": expression.assumptions0}
    if isinstance(expression, sympy.Wild):
        raise Unstorable("Wild")
    if isinstance(expression, sympy.Symbol):
        return {"symbol": expression.name, "assumptions": expression.assumptions0}
    if isinstance(expression, sympy.Integer):
        return {"integer": str(int(expression))}
    if isinstance(expression, sympy.Rational):
        return {"rational": [str(expression.p), str(expression.q)]}
    if isinstance(expression, sympy.Float):
        return {"float": str(expression), "precision": expression._prec}
    if isinstance(expression, sympy.core.symbol.Str):
        return {"str": expression.name}
    if isinstance(expression, AppliedUndef):
        return {"undefined": expression.func.__name__,
                "args": [encode_sympy(a) for a in expression.args]}
    if not isinstance(expression, sympy.Basic):
        raise Unstorable(type(expression).__name__)
    cls = type(expression)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if expression.is_Atom and not expression.args:
        if not hasattr(sympy.S, cls.__name__):
            raise Unstorable(name)
        return {"singleton": cls.__name__}
    return {"class": name, "args": [encode_sympy(a) for a in expression.args]}


def decode_sympy(data: Any) -> Any:
    """Rebuild an expression; only sympy.Basic subclasses already imported can be named."""
    import sympy

    if "dummy" in data:
        return sympy.Dummy(str(data["dummy"]), dummy_index=int(data["index"]),
                           **_assumptions(data["assumptions"]))
    if "symbol" in data:
        return sympy.Symbol(str(data["symbol"]), **_assumptions(data["assumptions"]))
    if "integer" in data:
        return sympy.Integer(int(data["integer"]))
    if "rational" in data:
        return sympy.Rational(int(data["rational"][0]), int(data["rational"][1]))
    if "float" in data:
        return sympy.Float(str(data["float"]), precision=int(data["precision"]))
    if "str" in data:
        return sympy.core.symbol.Str(str(data["str"]))
    if "undefined" in data:
        return sympy.Function(str(data["undefined"]))(
            *[decode_sympy(a) for a in data["args"]])
    if "singleton" in data:
        value = getattr(sympy.S, str(data["singleton"]))
        if not isinstance(value, sympy.Basic):
            raise ValueError("not a sympy singleton")
        return value
    cls = _sympy_classes()[str(data["class"])]  # KeyError: not a loaded sympy class
    return cls(*[decode_sympy(a) for a in data["args"]])


def _assumptions(data: Any) -> dict[str, bool]:
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and k.isidentifier() and isinstance(v, bool)
            for k, v in data.items()):
        raise ValueError("bad assumptions")
    return data


# -- results ---------------------------------------------------------------------------------

#: The classes a cache file may name; nothing else is ever built from one.
RESULT_CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    verdict.CheckResult, verdict.StepResult, verdict.Outcome, verdict.Counterexample,
    verdict.ProofStep, verdict.Diagnosis)}


def encode(value: Any, anchor: Location) -> Any:
    """Tagged JSON for a result; locations are stored relative to the check's own line."""
    import sympy

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"$": "float", "v": repr(value)}
    if isinstance(value, Fraction):
        return {"$": "fraction", "v": [str(value.numerator), str(value.denominator)]}
    if isinstance(value, verdict.Verdict):
        return {"$": "verdict", "v": value.value}
    if isinstance(value, Location):
        return {"$": "location", "line": value.line - anchor.line, "column": value.column}
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [encode(v, anchor) for v in value]}
    if isinstance(value, list):
        return [encode(v, anchor) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise Unstorable("dict key")
        return {"$": "dict", "v": {k: encode(v, anchor) for k, v in value.items()}}
    if isinstance(value, sympy.Basic):
        return {"$": "sympy", "v": encode_sympy(value)}
    if type(value).__name__ in RESULT_CLASSES and dataclasses.is_dataclass(value):
        return {"$": type(value).__name__,
                "v": {f.name: encode(getattr(value, f.name), anchor)
                      for f in dataclasses.fields(value)}}
    raise Unstorable(type(value).__name__)


def decode(data: Any, anchor: Location) -> Any:
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, list):
        return [decode(v, anchor) for v in data]
    tag = data["$"]
    if tag == "float":
        return float(data["v"])
    if tag == "fraction":
        return Fraction(int(data["v"][0]), int(data["v"][1]))
    if tag == "verdict":
        return verdict.Verdict(data["v"])
    if tag == "location":
        return Location(anchor.path, anchor.line + int(data["line"]), int(data["column"]))
    if tag == "tuple":
        return tuple(decode(v, anchor) for v in data["v"])
    if tag == "dict":
        return {str(k): decode(v, anchor) for k, v in data["v"].items()}
    if tag == "sympy":
        return decode_sympy(data["v"])
    if tag == "ProofStep":  # the expression is rebuilt (importing sympy) only when read
        return CachedProofStep(str(data["v"]["label"]), data["v"]["expression"])
    cls = RESULT_CLASSES[tag]
    fields = {name: decode(v, anchor) for name, v in data["v"].items()}
    if cls is verdict.CheckResult:
        fields["kind"], fields["expect"] = Kind(fields["kind"]), Expect(fields["expect"])
    return cls(**fields)


class CachedProofStep(verdict.ProofStep):
    """A proof step read from the cache; its sympy expression is rebuilt on first use."""

    __slots__ = ("_encoded", "_decoded")
    _encoded: Any
    _decoded: Any

    def __init__(self, label: str, encoded: Any) -> None:
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "_encoded", encoded)
        object.__setattr__(self, "_decoded", None)

    @property
    def expression(self) -> Any:
        if self._decoded is None:
            object.__setattr__(self, "_decoded", decode(self._encoded, _NOWHERE))
        return self._decoded


_NOWHERE = Location("", 0, 0)


class Cache:
    """Results by key under `directory` (created on first write, with a CACHEDIR.TAG).

    Two kinds of entry: one check's results (keyed by `jobs.fingerprint`, so editing one
    claim re-checks only that claim), and a whole file's results (keyed by its bytes, so an
    unchanged file is answered without loading it or importing sympy).
    """

    def __init__(self, directory: str | os.PathLike[str], versions: dict[str, str]) -> None:
        self.directory = Path(directory)
        self.versions = versions
        self.hits = 0  # entries read back
        self.written: list[str] = []  # ids of the checks stored, in order (not whole files)

    def file_key(self, path: Path, options: Options) -> str | None:
        """The key of a whole spec file's results (None when the file cannot be read)."""
        try:
            return file_key(path.read_bytes(), options.settings(), self.versions)
        except OSError:
            return None

    def job_key(self, scope: Scope, job: Job, options: Options) -> str:
        """The key of one job's results: its content, what it uses, options, versions."""
        from symderiv.jobs import fingerprint

        return fingerprint(scope, job, options.settings(), self.versions)

    def _path(self, key: str) -> Path:
        return self.directory / f"v{FORMAT}" / key[:2] / f"{key}.json"

    def _read(self, key: str, anchor: Location
              ) -> tuple[dict[str, Any], list[verdict.CheckResult]] | None:
        from symderiv.check.verdict import CheckResult

        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("key") != key \
                    or data.get("versions") != self.versions:
                return None
            results = [decode(r, anchor) for r in data["results"]]
        except Exception:  # noqa: BLE001 - a broken cache file is a miss, whatever is wrong
            return None
        if not all(isinstance(r, CheckResult) for r in results):
            return None
        self.hits += 1
        return data, results

    def _write(self, key: str, anchor: Location, results: list[verdict.CheckResult],
               extra: dict[str, Any]) -> bool:
        if any(r.method in UNSTABLE or r.verdict.value == "error"
               or any(step.outcome.method in UNSTABLE for step in r.steps) for r in results):
            return False  # depends on the machine's load or on a crash, not on the content
        try:
            data = {"format": FORMAT, "key": key, "versions": self.versions, **extra,
                    "results": [encode(r, anchor) for r in results]}
            text = json.dumps(data, ensure_ascii=False)
        except (Unstorable, TypeError, ValueError, RecursionError):
            return False
        path = self._path(key)
        try:
            self._prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except OSError:
            return False
        return True

    def get(self, key: str, anchor: Location) -> list[verdict.CheckResult] | None:
        """One check's stored results, placed at `anchor`; None when absent or unusable."""
        found = self._read(key, anchor)
        return None if found is None else found[1]

    def put(self, key: str, anchor: Location, results: list[verdict.CheckResult]) -> bool:
        """Store one check's results; False (nothing written) when they cannot be stored."""
        stored = self._write(key, anchor, results, {})
        if stored:
            self.written.extend(r.id for r in results)
        return stored

    def get_file(self, key: str, display: str) -> tuple[str, list[verdict.CheckResult]] | None:
        """A whole file's title and results, shown under the path `display`."""
        found = self._read(key, Location(display, 0, 0))
        if found is None or not isinstance(found[0].get("title"), str):
            return None
        return found[0]["title"], found[1]

    def put_file(self, key: str, title: str, results: list[verdict.CheckResult]) -> bool:
        return self._write(key, Location("", 0, 0), results, {"title": title})

    def _prepare(self) -> None:
        if self.directory.is_dir():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by symderiv.\n")
        (self.directory / ".gitignore").write_text("# Created by symderiv.\n*\n")


#: Methods whose verdicts depend on the run, not the content: never cached.
UNSTABLE = frozenset({"timeout", "crash", "internal"})


def versions() -> dict[str, str]:
    """What a cached verdict depends on besides the spec and the options.

    sympy's version is read from its `release.py` without importing sympy (a warm run never
    imports it); if that file is not where it should be, sympy is imported.
    """
    import importlib.util
    import re

    from symderiv import __version__

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
        import sympy

        sympy_version = sympy.__version__
    return {"symderiv": __version__, "code": _code_digest(), "sympy": sympy_version,
            "format": str(FORMAT)}


def _code_digest() -> str:
    """A digest of symderiv's own source: an edited engine never reuses old verdicts, even
    when the version number did not change (a development checkout)."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")) + sorted(package.rglob("*.lark")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def file_key(source: bytes, options: dict[str, object], versions: dict[str, str]) -> str:
    """The key of a whole spec file's results: its bytes, the options and the versions."""
    text = json.dumps({"file": hashlib.sha256(source).hexdigest(), "options": options,
                       "versions": versions}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
