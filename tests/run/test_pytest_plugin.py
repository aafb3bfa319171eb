"""The pytest plugin end to end, through pytester: collection, items, failures, options."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy  # noqa: F401 - imported before pytester's in-process runs, which drop the
import pytest  # modules they import: numpy cannot be imported twice in one process

ROOT = Path(__file__).parent.parent.parent
SPECS = Path(__file__).parent.parent / "specs" / "tooling"
# the plugin under test, whether or not an installed symderiv also registers its entry point
PLUGIN = ("-p", "no:symderiv", "-p", "symderiv.pytest_plugin")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A course repository with one passing-and-failing spec and one broken spec."""
    (pytester.path / "derivations").mkdir()
    for name in ("mixed.yaml", "broken.yaml"):
        shutil.copy(SPECS / name, pytester.path / "derivations" / name)
    return pytester


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """node id -> outcome from the `-rA` short summary lines."""
    found = {}
    for line in result.outlines:
        for word in ("PASSED", "FAILED", "SKIPPED", "ERROR"):
            if line.startswith(word + " "):
                found[line.split()[1]] = word
    return found


def test_items_are_named_by_check_id(project: pytest.Pytester) -> None:
    """Every claim and derivation of the spec is one item named by its id."""
    result = project.runpytest(*PLUGIN, "--collect-only", "-q", "derivations/mixed.yaml")
    assert [line for line in result.outlines if "::" in line] == [
        "derivations/mixed.yaml::sum-to-one",
        "derivations/mixed.yaml::wrong-diagonal",
        "derivations/mixed.yaml::square-derivative",
        "derivations/mixed.yaml::known-mistake",
        "derivations/mixed.yaml::quotient-rule",
    ]


def test_outcomes_follow_expectations(project: pytest.Pytester) -> None:
    """A refuted claim that should hold fails; `expect: refuted` met by refuted passes."""
    result = project.runpytest(*PLUGIN, "-rA", "derivations/mixed.yaml")
    assert outcomes(result) == {
        "derivations/mixed.yaml::sum-to-one": "PASSED",
        "derivations/mixed.yaml::wrong-diagonal": "FAILED",
        "derivations/mixed.yaml::square-derivative": "PASSED",
        "derivations/mixed.yaml::known-mistake": "PASSED",
        "derivations/mixed.yaml::quotient-rule": "PASSED",
    }
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_failure_shows_verdict_and_counterexample(project: pytest.Pytester) -> None:
    """The failure text is the verdict, the counterexample and the diagnosis, no traceback."""
    result = project.runpytest(*PLUGIN, "derivations/mixed.yaml::wrong-diagonal")
    result.stdout.fnmatch_lines([
        "derivations/mixed.yaml:17:5",
        "claim wrong-diagonal: refuted (expected holds): fails at N = 2, i = 1, j = 2",
        "counterexample: N = 2, i = 1, j = 2; a = [0, 0]",
        "  lhs = -1/4",
        "  rhs = 1/4",
        "  lhs − rhs = -1/2",
        "where: holds when i == j; fails when i != j",
        "error: missing_delta — holds only on the diagonal i == j; a Kronecker delta "
        "delta(i, j) is missing",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "def runtest" not in result.stdout.str()


def test_reportinfo_points_at_the_claim(project: pytest.Pytester) -> None:
    """A report's location is the claim's line (0-based, as pytest stores it) and its kind."""
    recorder = project.inline_run(*PLUGIN, "derivations/mixed.yaml")
    reports = {r.nodeid: r for r in recorder.getreports("pytest_runtest_logreport")
               if r.when == "call"}
    assert reports["derivations/mixed.yaml::wrong-diagonal"].location == (
        "derivations/mixed.yaml", 16, "claim wrong-diagonal")
    assert reports["derivations/mixed.yaml::quotient-rule"].location == (
        "derivations/mixed.yaml", 24, "derivation quotient-rule")


def test_spec_error_is_a_located_collection_error(project: pytest.Pytester) -> None:
    """A spec that cannot be loaded is one collection error `path:line:column: ...`."""
    result = project.runpytest(*PLUGIN, "derivations/broken.yaml")
    result.stdout.fnmatch_lines([
        "*ERROR collecting derivations/broken.yaml*",
        "derivations/broken.yaml:7:20: error: unknown name 'b'  [name]",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "SpecLoadError" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_other_yaml_files_are_left_alone(pytester: pytest.Pytester) -> None:
    """YAML without `title` plus claims/derivations/examples is not collected."""
    pytester.makefile(".yaml", config="title: site config\nnav: [a, b]\n",
                      workflow="on: push\njobs: {}\n",
                      notitle="claims:\n  - id: x\n    claim: 1 == 1\n")
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "error" not in result.stdout.str().lower()


def test_a_json_schema_in_yaml_is_not_collected(pytester: pytest.Pytester) -> None:
    """A JSON Schema written in YAML shares `title` and `examples` with a spec: left alone."""
    pytester.makefile(".yaml", schema='$schema: "https://json-schema.org/draft/2020-12/schema"\n'
                      'title: A config\ntype: object\nexamples:\n  - {a: 1}\n',
                      quoted='"$schema": x\ntitle: t\nclaims: []\n')
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "error" not in result.stdout.str().lower()


def test_symderiv_paths_limits_collection(project: pytest.Pytester) -> None:
    """With `symderiv_paths`, spec-shaped YAML elsewhere (test fixtures) is not collected."""
    (project.path / "tests").mkdir()
    shutil.copy(SPECS / "broken.yaml", project.path / "tests" / "fixture.yaml")
    (project.path / "derivations" / "broken.yaml").unlink()
    project.makeini("[pytest]\nsymderiv_paths = derivations\n")
    result = project.runpytest(*PLUGIN, "--collect-only", "-q")
    collected = [line for line in result.outlines if "::" in line]
    assert len(collected) == 5
    assert all(line.startswith("derivations/mixed.yaml::") for line in collected)


def test_strategy_option_changes_the_verdict(project: pytest.Pytester) -> None:
    """`--symderiv-strategy bounded` checks at the listed sizes only: verified, not proved."""
    recorder = project.inline_run(*PLUGIN, "--symderiv-strategy", "bounded",
                                  "derivations/mixed.yaml::sum-to-one")
    [report] = [r for r in recorder.getreports("pytest_runtest_logreport") if r.when == "call"]
    assert report.passed
    assert report.user_properties == [("verdict", "verified")]


def test_bad_options_are_usage_errors(project: pytest.Pytester) -> None:
    """An unknown strategy or a non-positive timeout stops pytest with a usage error."""
    result = project.runpytest(*PLUGIN, "--symderiv-strategy", "magic")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--symderiv-strategy: unknown strategy magic*"])
    result = project.runpytest(*PLUGIN, "--symderiv-timeout", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_xdist_gives_the_same_results(project: pytest.Pytester,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`-n 2` spreads the items over two workers with the same outcome for every item."""
    pytest.importorskip("xdist")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (project.path / "derivations" / "broken.yaml").unlink()
    serial = project.runpytest_subprocess(*PLUGIN, "-rA", "-p", "no:cacheprovider")
    parallel = project.runpytest_subprocess(*PLUGIN, "-rA", "-n", "2", "-p",
                                            "no:cacheprovider")
    assert outcomes(serial) == outcomes(parallel)
    assert len(outcomes(serial)) == 5
    assert "2 workers" in parallel.stdout.str()


def verdicts_under_pytest(pytester: pytest.Pytester, folder: Path
                          ) -> dict[tuple[str, str], list[str]]:
    """(spec file stem, check id) -> the verdicts its item recorded (JUnit XML properties)."""
    import xml.etree.ElementTree as ElementTree

    shutil.copytree(folder, pytester.path / "specs")
    pytester.makeini("[pytest]\nsymderiv_paths = specs\n")
    pytester.runpytest_subprocess(*PLUGIN, "--junitxml=report.xml", "-p", "no:cacheprovider")
    found: dict[tuple[str, str], list[str]] = {}
    for case in ElementTree.parse(pytester.path / "report.xml").iter("testcase"):
        stem = case.get("classname", "").split(".")[-2]  # specs.softmax.yaml
        found[stem, case.get("name", "")] = [p.get("value", "") for p in case.iter("property")
                                             if p.get("name") == "verdict"]
    return found


def verdicts_under_the_cli(folder: Path) -> dict[tuple[str, str], list[str]]:
    """(spec file stem, check id) -> the verdicts `symderiv check` gives its results."""
    from symderiv.options import Options
    from symderiv.pipeline import run

    found: dict[tuple[str, str], list[str]] = {}
    for file in run([str(folder)], Options(), jobs=0).files:
        for check in file.checks:
            key = (Path(file.path).stem, check.id.removesuffix(".tex"))
            found.setdefault(key, []).append(check.verdict.value)
    return found


@pytest.mark.parametrize("folder", [ROOT / "derivations", SPECS.parent / "pipeline"],
                         ids=["derivations", "log-softmax"])
def test_plugin_and_cli_decide_alike(pytester: pytest.Pytester, folder: Path) -> None:
    """The pytest plugin and `symderiv check` give every check the same verdicts (they once
    differed: `consistent` under the CLI, `undecided` under pytest, for the log-softmax)."""
    under_pytest = verdicts_under_pytest(pytester, folder)
    assert under_pytest == verdicts_under_the_cli(folder)
    if folder.name == "pipeline":
        assert under_pytest == {("log-softmax", "log-softmax"): ["proved"],
                                ("log-softmax", "probabilities-sum-to-one"): ["proved"],
                                ("log-softmax", "wrong-sign"): ["refuted"]}
