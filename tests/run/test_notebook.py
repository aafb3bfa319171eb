"""Jupyter: a real notebook executed by nbclient on an IPython kernel, `%%symderiv` and the
displays of reports and checks, their outputs compared exactly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_api import SPEC as API_SPEC

ROOT = Path(__file__).resolve().parent.parent.parent

SPEC = API_SPEC.rstrip("\n")  # the API tests' small softmax spec

CELLS = [
    "%load_ext symderiv\nimport symderiv\nprint(symderiv.__file__)",
    "%%symderiv --strategy generic,bounded\n" + SPEC,
    "_.checks[1]",
    "%%symderiv --format json\n" + SPEC,
    "%%symderiv\ntitle: typo\ndefine: {f: q}\nclaims: [{id: a, claim: 'f == 1'}]",
]

REPORT = """\
<cell> — small
✓ jacobian  proved  [claim, generic, _s]
✗ mistake  refuted  [claim, bounded, _s]
    fails at N = 2, i = 1, j = 2
    counterexample: N = 2, i = 1, j = 2; a = [0, 0]
      lhs = -1/4
      rhs = 1/4
      lhs − rhs = -1/2
    where: holds when i == j; fails when i != j
    error: missing_delta — holds only on the diagonal i == j; a Kronecker delta delta(i, j) is missing
    suggested: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])  (proved)

2 checks: 1 as expected, 1 not (1 proved, 1 refuted)"""


def seconds_hidden(text: str) -> str:
    return re.sub(r"\d+\.\d\ds\]", "_s]", text)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> list[list[dict[str, Any]]]:
    """Each cell's outputs, the notebook run by nbclient on a python3 (IPython) kernel that
    imports this checkout's symderiv."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    try:
        nbclient.NotebookClient(
            notebook, timeout=120, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}}
        ).execute()
    finally:
        monkeypatch.undo()
    return [cell["outputs"] for cell in notebook.cells]


def test_the_kernel_imports_this_checkout(outputs: list[list[dict[str, Any]]]) -> None:
    """`%load_ext symderiv` loads quietly; the kernel's symderiv is the one under test."""
    assert [(o["output_type"], o.get("text")) for o in outputs[0]] == [
        ("stream", f"{ROOT / 'symderiv' / '__init__.py'}\n")]


def test_cell_magic_shows_the_report(outputs: list[list[dict[str, Any]]]) -> None:
    """`%%symderiv --strategy generic,bounded` checks the cell: its result is the Report,
    shown as the text report and as the HTML report's block (verdicts, math as MathML)."""
    (result,) = outputs[1]
    assert result["output_type"] == "execute_result"
    assert seconds_hidden(result["data"]["text/plain"]) == REPORT
    html = result["data"]["text/html"]
    assert html.startswith("<style>.symderiv {")
    assert re.findall(r'<span class="verdict [a-z]+">[^<]*</span>', html) == [
        '<span class="verdict proved">✓ proved</span>',
        '<span class="verdict refuted">✗ refuted</span>',
        '<span class="verdict proved">✓ proved</span>',
        '<span class="verdict refuted">✗ refuted</span>']
    assert "spec line <code>&lt;cell&gt;:10:5</code>" in html
    assert html.count("<math ") == 24  # definition, claims, proof steps, counterexample, correction


def test_a_check_displays_alone(outputs: list[list[dict[str, Any]]]) -> None:
    """One CheckResult (`_.checks[1]`) displays as its own section and its text lines."""
    (result,) = outputs[2]
    assert seconds_hidden(result["data"]["text/plain"]).splitlines()[0] == \
        "✗ mistake  refuted  [claim, bounded, _s]"
    html = result["data"]["text/html"]
    assert '<h3><code>mistake</code> <span class="kind">claim</span> <span class="verdict ' \
        'refuted">✗ refuted</span> <span class="unexpected">not as expected</span></h3>' in html


def test_bad_magic_lines_and_specs(outputs: list[list[dict[str, Any]]]) -> None:
    """An option that is not for a cell is IPython's UsageError (one line, no traceback); a
    spec that does not load shows its located errors as its report."""
    ((error,), (result,)) = outputs[3], outputs[4]
    assert (error["output_type"], error["name"], error["text"]) == (
        "stream", "stderr", "UsageError: %%symderiv: --format: not for a cell (its report is "
        "the cell's output)\n")
    assert result["data"]["text/plain"] == (
        "<cell>\n<cell>:2:13: error: unknown name 'q'  [name]\n\n"
        "0 checks: 0 as expected, 0 not; 1 file(s) could not be loaded")
