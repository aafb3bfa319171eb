"""The command line: exit codes, the JSON report's fields, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symderiv import __version__
from symderiv.cli import main

ROOT = Path(__file__).parent.parent.parent

GOOD = """\
title: good
sizes: {N: [1, 2, 3]}
indices: {i: N, j: N, k: N}
symbols: {a: [N]}
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
claims:
  - id: jacobian
    claim: D(S[i], a[j]) == S[i]*(delta(i, j) - S[j])
  - id: mistake
    claim: D(S[i], a[j]) == S[i]*(1 - S[j])
    expect: refuted
derivations:
  - id: steps
    steps:
      - D(S[i], a[j])
      - by: quotient rule
        expr: (delta(i, j)*exp(a[i])*sum(exp(a[k]), k) - exp(a[i])*exp(a[j])) / sum(exp(a[k]), k)^2
      - S[i]*(delta(i, j) - S[j])
"""

BROKEN_STEP = GOOD.replace("      - S[i]*(delta(i, j) - S[j])\n",
                           "      - by: tidy up\n        expr: S[i]*(1 - S[j])\n")
UNEXPECTED = GOOD.replace("    expect: refuted\n", "")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["check", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_all_expectations_met_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every check as expected: exit 0, and the JSON document has every contract field."""
    code, report = run_json(capsys, write(tmp_path, "good.yaml", GOOD))
    assert code == 0
    assert report["version"] == 1
    assert report["summary"] == {"checks": 3, "ok": 3, "not_ok": 0, "file_errors": 0}
    (file,) = report["files"]
    assert file["title"] == "good" and file["error"] is None
    jacobian, mistake, steps = file["checks"]
    assert {k: jacobian[k] for k in ("id", "kind", "verdict", "expect", "ok", "counterexample",
                                     "steps")} == {
        "id": "jacobian", "kind": "claim", "verdict": "proved", "expect": "holds", "ok": True,
        "counterexample": None, "steps": []}
    assert isinstance(jacobian["message"], str) and jacobian["message"]
    assert mistake["verdict"] == "refuted" and mistake["ok"] is True
    counterexample = mistake["counterexample"]
    assert counterexample["sizes"] == {"N": 2}
    assert counterexample["indices"] == {"i": 1, "j": 2}
    assert counterexample["values"] == {"a": [0, 0]}
    assert (counterexample["lhs"], counterexample["rhs"]) == (-0.25, 0.25)
    assert steps["kind"] == "derivation" and steps["verdict"] == "proved"
    assert steps["steps"] == [
        {"step": 2, "verdict": "proved", "ok": True, "by": "quotient rule"},
        {"step": 3, "verdict": "proved", "ok": True, "by": None},
    ]


def test_unexpected_verdict_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A refuted claim that should hold makes the run exit 1."""
    code, report = run_json(capsys, write(tmp_path, "bad.yaml", UNEXPECTED))
    assert code == 1
    assert report["summary"]["not_ok"] == 1
    assert report["files"][0]["checks"][1]["ok"] is False


def test_broken_derivation_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The broken step is refuted with its `by`, and so is the derivation."""
    code, report = run_json(capsys, write(tmp_path, "steps.yaml", BROKEN_STEP))
    assert code == 1
    derivation = report["files"][0]["checks"][2]
    assert derivation["verdict"] == "refuted"
    first, broken = derivation["steps"]
    assert first == {"step": 2, "verdict": "proved", "ok": True, "by": "quotient rule"}
    assert {k: broken[k] for k in ("step", "verdict", "ok", "by")} == {
        "step": 3, "verdict": "refuted", "ok": False, "by": "tidy up"}
    assert broken["diagnosis"]["error_class"] == "missing_delta"
    assert broken["diagnosis"]["suggestion"] == "S[i] * (delta(i, j) - S[j])"
    assert derivation["message"].startswith("step 3 (tidy up) is refuted")
    main(["check", str(tmp_path / "steps.yaml")])
    text = capsys.readouterr().out
    assert "step 3 (by tidy up): refuted" in text


def test_spec_error_exits_2_and_others_are_still_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that cannot be loaded is reported located; the other files are still checked."""
    write(tmp_path, "a-good.yaml", GOOD)
    write(tmp_path, "b-bad.yaml", "title: bad\nsymbols: {x: []}\ndefine: {f: y}\nclaims:\n"
                                  "  - {id: c, claim: 'x == f'}\n")
    code = main(["check", "--format", "json", str(tmp_path)])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 2
    good, bad = report["files"]
    assert len(good["checks"]) == 3 and good["error"] is None
    assert bad["checks"] == []
    assert {k: bad["error"][k] for k in ("message", "line", "column")} == {
        "message": "unknown name 'y'", "line": 3, "column": 13}
    assert captured.err.strip() == f"{tmp_path / 'b-bad.yaml'}:3:13: error: unknown name 'y'" \
                                   "  [name]"
    assert report["summary"]["file_errors"] == 1


def test_one_bad_check_never_sinks_its_file(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown name, a shape mismatch, a syntax error or an unreadable `tex:` in one check
    is that check's `error` with its path:line:column; every other check is checked; exit 1
    (the contract; issue 15)."""
    path = write(tmp_path, "one.yaml", """\
title: one bad check each
sizes: {N: [1, 2]}
indices: {i: N, j: N, k: N}
symbols: {a: [N], W: [N, N]}
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
numpy:
  S: exp(a) / sum(exp(q))
claims:
  - id: good
    claim: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])
    tex: '\\frac{S_i'
  - id: unknown-name
    claim: S[i] == b[i]
  - id: shape
    claim: S[i] == W[i, j] + a
  - id: syntax
    claim: S[i] == (a[i]
derivations:
  - id: d
    steps: ['S[i]', 'c[i]']
  - id: fine
    steps: ['S[i] * 1', 'S[i]']
examples:
  - id: e
    given: {a: [1, 2]}
    expect: {S: [1, 2, 3]}
""")
    code = main(["check", "--format", "json", path])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["files"][0]["error"] is None
    checks = [(c["id"], c["kind"], c["verdict"], c["message"], c["line"], c["column"])
              for c in report["files"][0]["checks"]]
    assert checks == [
        ("good", "claim", "proved", checks[0][3], 10, 5),
        ("good.tex", "claim", "error", f"{path}:12:20: the LaTeX ends too early (an unclosed "
         "group or a missing operand?)  [tex]", 12, 20),
        ("unknown-name", "claim", "error", f"{path}:14:20: unknown name 'b'  [name]", 14, 20),
        ("shape", "claim", "error", f"{path}:16:20: shape mismatch in '+': a scalar and a "
         "vector of length N  [shape]",
         16, 20),
        ("syntax", "claim", "error", f"{path}:18:25: formula ends too early  [syntax]", 18, 25),
        ("fine", "derivation", "proved", checks[5][3], 22, 5),
        ("d", "derivation", "error", f"{path}:21:22: unknown name 'c'  [name]", 21, 22),
        ("S.numpy", "implementation", "error", f"{path}:8:23: unknown name 'q'  [name]", 8, 23),
        ("e", "example", "error", f"{path}:27:17: example e: S has shape (2,) here, the "
         "expected value has shape (3,)  [example]", 27, 17)]


def test_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As pytest's: one line per check, nothing under the checks as expected, a summary."""
    code = main(["check", write(tmp_path, "good.yaml", GOOD)])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 6
    assert lines[1].startswith("✓ jacobian  proved  [claim, generic, ")
    assert lines[2].startswith("✓ mistake  refuted  [claim, bounded, ")
    assert lines[2].endswith("s]  (expected refuted)")
    assert lines[3].startswith("✓ steps  proved  [derivation, steps, ")
    assert lines[4:] == ["", "3 checks: 3 as expected, 0 not (2 proved, 1 refuted)"]


def test_verbose_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-v adds the evidence of every check: the expected refutation's counterexample."""
    code = main(["check", write(tmp_path, "good.yaml", GOOD), "-v"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert "    counterexample: N = 2, i = 1, j = 2; a = [0, 0]" in lines
    assert "      lhs = -1/4" in lines and "      rhs = 1/4" in lines
    assert "      lhs − rhs = -1/2" in lines
    assert lines[-1] == "3 checks: 3 as expected, 0 not (2 proved, 1 refuted)"


def test_text_report_details_what_is_not_as_expected(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Without -v, a check that is not as expected gets its counterexample and diagnosis."""
    path = write(tmp_path, "good.yaml", GOOD.replace("    expect: refuted\n", ""))
    code = main(["check", path])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[2].startswith("✗ mistake  refuted  [claim, bounded, ")
    assert lines[3:6] == ["    fails at N = 2, i = 1, j = 2",
                          "    counterexample: N = 2, i = 1, j = 2; a = [0, 0]",
                          "      lhs = -1/4"]
    assert lines[-1] == "3 checks: 2 as expected, 1 not (2 proved, 1 refuted)"


def test_hidden_warnings_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    """A check as expected with warnings says how many, and the summary where to see them."""
    assert main(["check", str(ROOT / "derivations" / "cross-entropy.yaml"), "--no-cache"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [x for x in lines if "warning" in x][0].endswith("]  (1 warning)")
    assert lines[-1].endswith("; 1 warning on checks as expected (-v shows them)")


def test_strategy_and_sizes_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--strategy bounded gives `verified` for the listed sizes; --sizes overrides them."""
    path = write(tmp_path, "good.yaml", GOOD)
    code, report = run_json(capsys, "--strategy", "bounded", "--sizes", "N=2,5", path)
    jacobian = report["files"][0]["checks"][0]
    assert code == 0
    assert jacobian["verdict"] == "verified"
    assert "N ∈ {2, 5}" in jacobian["message"]


@pytest.mark.parametrize("argv", [
    ["check"],
    ["check", "--strategy", "magic", "x.yaml"],
    ["check", "--sizes", "N=0", "x.yaml"],
    ["check", "--timeout", "-1", "x.yaml"],
    ["frobnicate"],
])
def test_bad_command_line_exits_2(argv: list[str]) -> None:
    """A wrong command line is a usage error with exit status 2."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_missing_path_is_a_located_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is a one-line error and exit status 2."""
    assert main(["check", "no/such/spec.yaml"]) == 2
    assert "no/such/spec.yaml:1:1: error: no such file or directory  [io]" in \
        capsys.readouterr().out


def test_version() -> None:
    """`symderiv --version` prints the version and does not import sympy or numpy."""
    code = ("import sys; from symderiv.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines() == [f"symderiv {__version__}", "[]"]


INJECTIONS = [
    "__import__('os').system('touch {marker}') == 0",
    "().__class__ == 0",
    "lambda: 1 == 0",
    "x.__class__.__bases__ == 0",
    "exec('open(\"{marker}\", \"w\")') == 0",
    "eval('1') == 1",
    "[open('{marker}', 'w') for x in y] == 0",
    "import os == 0",
    "getattr(x, 'real') == 0",
    "x if x else x == 0",
    "f'{{x}}' == 0",
    "Symbol.__new__(x) == 0",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_is_a_located_error_and_nothing_runs(
        payload: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Python in a formula is a spec error at its line; the marker file is never created."""
    marker = tmp_path / "pwned"
    formula = payload.format(marker=marker)
    spec = f"title: t\nsymbols: {{x: [], y: []}}\nclaims:\n  - id: c\n    claim: {json.dumps(formula)}\n"
    path = write(tmp_path, "evil.yaml", spec)
    assert main(["check", path]) == 1  # the claim's own problem: its `error`
    out = capsys.readouterr().out
    assert "✗ c  error  [claim, " in out and f"    {path}:5:" in out
    assert not marker.exists()
