"""Resource bombs are refused with a located limit error or bounded by --timeout and memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardening_cases import DIAGNOSTIC, Case, cases, check
from symderiv import limits
from symderiv.limits import DEFAULT
from symderiv.cli import main

BOMBS = cases("bombs")
ROOT = Path(__file__).parent.parent.parent
TIMEOUT = 2.0
#: Runs one CLI invocation and prints its peak resident memory (KiB on Linux) last.
MEASURE = (
    "import resource, sys\n"
    "from symderiv.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(status)\n"
)


@pytest.mark.parametrize("case", BOMBS, ids=[c.path.stem for c in BOMBS])
def test_bomb_is_refused_or_bounded(case: Case) -> None:
    """A located limit error (exit 2), or the promised verdict within the time limit."""
    started = time.perf_counter()
    run = check(str(case.path), "--timeout", str(TIMEOUT))
    elapsed = time.perf_counter() - started
    assert elapsed < TIMEOUT * 3 + 5
    assert "Traceback" not in run.stderr
    if case.verdict is None:
        assert run.status in (1, 2)
        diagnostic = DIAGNOSTIC.match(run.problem)
        assert diagnostic
        assert (int(diagnostic["line"]), int(diagnostic["column"])) == (case.line, case.column)
        assert diagnostic["code"] == case.code
        assert diagnostic["message"].startswith(case.message)  # type: ignore[arg-type]
    else:
        assert run.status in (0, 1)
        assert [c["verdict"] for c in run.report["files"][0]["checks"]] == [case.verdict]


@pytest.mark.parametrize("case", BOMBS + cases("hostile"),
                         ids=[case.path.stem for case in BOMBS + cases("hostile")])
def test_every_corpus_case_stays_under_one_gibibyte(case: Case) -> None:
    """Each bomb and hostile case, in its own process, peaks below 1 GiB resident."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, "check", "--format", "json", "--timeout",
         str(TIMEOUT), str(case.path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1, 2), result.stderr
    peak = int(result.stderr.splitlines()[-1]) * 1024
    assert peak < 1 << 30, peak


def test_thousands_of_claims_are_refused(tmp_path: Path) -> None:
    """More claims than max_items: one located limit error at the claims list."""
    claims = "".join(f"  - {{id: c{n}, claim: x == x}}\n" for n in range(DEFAULT.max_items + 1))
    spec = tmp_path / "many.yaml"
    spec.write_text(f"title: many\nsymbols:\n  x: []\nclaims:\n{claims}", encoding="utf-8")
    run = check(str(spec))
    assert run.status == 2
    assert run.stderr.splitlines()[0] == (
        f"{spec}:5:3: error: claims has more than {DEFAULT.max_items} entries "
        "(--limit max_items=...)  [limit]")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    """A file beyond max_file_bytes is refused before it is parsed."""
    spec = tmp_path / "big.yaml"
    spec.write_text("title: big\n" + "#" * DEFAULT.max_file_bytes, encoding="utf-8")
    run = check(str(spec))
    assert run.status == 2
    assert run.stderr.splitlines()[0] == (
        f"{spec}:1:1: error: file is larger than {DEFAULT.max_file_bytes} bytes "
        "(--limit max_file_bytes=...)  [limit]")


def test_limit_option_raises_a_limit(tmp_path: Path) -> None:
    """--limit max_size=100 accepts a size the default limit (64) refuses."""
    spec = tmp_path / "size.yaml"
    spec.write_text("title: s\nsizes:\n  N: [80]\nindices:\n  i: N\nsymbols:\n  a: [N]\n"
                    "claims:\n  - id: c\n    claim: a[i] == a[i]\n", encoding="utf-8")
    assert check(str(spec)).status == 2
    run = check("--limit", "max_size=100", str(spec))
    assert run.status == 0
    assert [c["verdict"] for c in run.report["files"][0]["checks"]] == ["proved"]
    assert limits.active() == limits.DEFAULT  # nothing was rewritten


def test_unknown_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown limit name exits 2 with argparse's message naming the choices."""
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--limit", "max_fun=3", "x.yaml"])
    assert exit_info.value.code == 2
    assert "unknown limit 'max_fun'; choose from" in capsys.readouterr().err


def test_limits_table_matches_the_documentation() -> None:
    """Every limit has a positive default and a meaning, and docs/security.md lists it."""
    values = limits.DEFAULT.as_dict()
    assert list(values) == list(limits.NAMES) == list(limits.MEANINGS)
    assert all(isinstance(v, int) and v > 0 for v in values.values())
    document = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    missing = [name for name in values if f"`{name}`" not in document]
    assert missing == []


def test_timeout_interrupts_pure_python_sympy_work() -> None:
    """deadline() stops a long sympy computation (a runaway simplification) on time."""
    import sympy

    from symderiv.check.timeout import CheckTimeout, deadline

    started = time.perf_counter()
    with pytest.raises(CheckTimeout), deadline(0.5):
        sympy.factorint(2**251 - 1)  # hours of trial division and rho
    assert time.perf_counter() - started < 3


def test_json_has_no_infinity(tmp_path: Path) -> None:
    """A refuted claim whose side overflows float prints null, keeping the JSON valid."""
    spec = tmp_path / "huge.yaml"
    spec.write_text("title: huge\nsymbols:\n  x: []\nclaims:\n  - id: c\n"
                    "    claim: exp(1000) == x\n", encoding="utf-8")
    run = check(str(spec))
    assert "Infinity" not in run.stdout
    counterexample = json.loads(run.stdout)["files"][0]["checks"][0]["counterexample"]
    assert counterexample["lhs"] is None
    assert counterexample["lhs_exact"].startswith("1.97007111401704699388887935224e+434")


def tex_spec(tmp_path: Path, tex: str) -> Path:
    spec = tmp_path / "tex.yaml"
    spec.write_text("title: t\nsizes: {N: 3}\nindices: {i: N}\nsymbols:\n  x: []\nclaims:\n"
                    f"  - id: c\n    tex: '{tex}'\n", encoding="utf-8")
    return spec


def braces(depth: int) -> str:
    return "{" * depth + "x" + "}" * depth + " = x"


@pytest.mark.parametrize("depth, options, diagnostic", [
    (150, [], "8:111: error: brackets nested more than 100 deep (--limit max_nesting=...)"),
    (40, [], "8:44: error: formula nested more than 200 operations deep "
             "(--limit max_formula_depth=...)"),
    # limits raised past what Python's recursion allows: still a located limit error
    (3000, ["--limit", "max_formula_depth=100000", "--limit", "max_nesting=5000"],
     "8:11: error: formula too deeply nested to read (lower --limit max_formula_depth)"),
])
def test_latex_formulas_obey_the_formula_limits(depth: int, options: list[str],
                                                diagnostic: str, tmp_path: Path) -> None:
    """A claim's `tex` is bound by max_nesting (braces count) and max_formula_depth."""
    spec = tex_spec(tmp_path, braces(depth))
    run = check(*options, str(spec))
    assert run.status == 1  # the claim's own problem: its `error`
    assert run.problem == f"{spec}:{diagnostic}  [limit]"


def test_formula_depth_limit_raises_for_latex(tmp_path: Path) -> None:
    """--limit max_formula_depth=400 reads the 40 nested braces the default refuses."""
    run = check("--limit", "max_formula_depth=400", str(tex_spec(tmp_path, braces(40))))
    assert run.status == 0
    assert [c["verdict"] for c in run.report["files"][0]["checks"]] == ["proved"]


NESTINGS = {
    "braces": braces,
    "parentheses": lambda n: "(" * n + "x" + ")" * n + " = x",
    "left-right": lambda n: "\\left(" * n + "x" + "\\right)" * n + " = x",
    "fractions": lambda n: "\\frac{" * n + "x" + "}{1}" * n + " = x",
    "exponents": lambda n: "{0} = {0}".format("x^{" * n + "1" + "}" * n),
    "exp": lambda n: "{0} = {0}".format("\\exp(" * n + "x" + ")" * n),
    "sums": lambda n: "{0} = {0}".format("\\sum_{i=1}^{N}" * n + "x"),
}


@pytest.mark.parametrize("shape", sorted(NESTINGS))
def test_nested_latex_is_read_or_refused_with_a_limit(shape: str, tmp_path: Path) -> None:
    """At every depth a nested LaTeX formula is read or is a located [limit] error.

    Found by this test: 100 nested braces, within the bracket limit, ended in a RecursionError
    reported as an internal error; the LaTeX tree now obeys max_formula_depth as formulas do.
    """
    for depth in (1, 10, 25, 35, 60, 99, 101, 400):
        run = check(str(tex_spec(tmp_path, NESTINGS[shape](depth))), "--strategy", "generic")
        assert "internal" not in run.stderr, (depth, run.stderr)
        if run.status != 0:
            assert run.problem.endswith("  [limit]"), (depth, run.problem)
        else:
            assert (depth, run.status) == (depth, 0)
