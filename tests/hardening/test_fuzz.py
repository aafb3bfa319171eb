"""Fuzzing: damaged specs end in a located error or a normal report, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from fuzz_specs import outcome_problems, structural, textual

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _check(text: str, folder: Path) -> list[str]:
    path = folder / "fuzzed.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return outcome_problems(path)


@SETTINGS
@given(text=structural())
def test_structural_damage(tmp_path_factory: object, text: str) -> None:
    """Deleted keys, values of the wrong type, truncated formulas: exit 0/1/2, all located."""
    folder = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    assert _check(text, folder) == []


@SETTINGS
@given(text=textual())
def test_textual_damage(tmp_path_factory: object, text: str) -> None:
    """Inserted, deleted and cut characters and lines: exit 0/1/2, all located."""
    folder = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    assert _check(text, folder) == []


def test_a_few_damaged_specs_as_real_processes(tmp_path: Path) -> None:
    """The command itself (not in-process) on damaged specs: exit 2 and one line each."""
    broken = {
        "cut.yaml": "title: cut\nsymbols:\n  x: []\nclaims:\n  - id: c\n    claim: D(x",
        "tab.yaml": "title: t\n\tclaims: []\n",
        "type.yaml": "title: [1, 2]\nclaims: 7\n",
    }
    for name, text in broken.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "symderiv", "check", "--format", "json", str(tmp_path)],
        cwd=Path(__file__).parent.parent.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert [line.split(": error:")[0] for line in lines] == [
        f"{tmp_path}/tab.yaml:2:1", f"{tmp_path}/type.yaml:1:8", f"{tmp_path}/type.yaml:2:9"]
    # the cut claim is the claim's own error: the file loads
    cut = next(f for f in json.loads(result.stdout)["files"] if f["path"].endswith("cut.yaml"))
    assert [(c["id"], c["verdict"], c["line"], c["column"]) for c in cut["checks"]] == [
        ("c", "error", 6, 15)]
