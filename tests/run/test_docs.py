"""The documentation is executed: the language reference's specs are checked with the verdicts
they show, it names every function the language has, and the README's example prints what
the README says it prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fences import fenced
from symderiv.cli import main
from symderiv.load.model import RESERVED
from symderiv.numbers.numpy_eval import FUNCTIONS
from symderiv.resolve.scope import SCALAR_FUNCTIONS

ROOT = Path(__file__).parent.parent.parent
REFERENCE = ROOT / "docs" / "language.md"
README = ROOT / "README.md"


def blocks(path: Path, language: str) -> list[str]:
    return [text for _, text in fenced(path, language)]


#: The verdicts each spec of the reference gets, in order.
REFERENCE_VERDICTS = [
    ["proved", "proved", "proved"],
    ["proved", "refuted", "consistent", "consistent", "consistent", "consistent"],
    ["proved", "proved", "refuted", "consistent", "consistent", "verified"],
    ["proved", "proved", "refuted", "proved", "proved", "verified"],
    ["proved", "proved", "refuted", "proved", "consistent"],
    ["proved", "proved"],
    ["proved", "proved", "proved", "proved", "proved", "verified", "verified",
     "verified", "refuted"],
]


@pytest.mark.parametrize("number", range(len(REFERENCE_VERDICTS)))
def test_each_spec_of_the_reference_is_checked_as_it_says(
        number: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = blocks(REFERENCE, "yaml")
    assert len(specs) == len(REFERENCE_VERDICTS)
    path = tmp_path / f"reference-{number}.yaml"
    path.write_text(specs[number], encoding="utf-8")
    status = main(["check", str(path), "--format", "json", "--no-cache"])
    checks = json.loads(capsys.readouterr().out)["files"][0]["checks"]
    assert [c["verdict"] for c in checks] == REFERENCE_VERDICTS[number]
    assert status == 0  # every check as expected


def test_the_reference_names_every_function_and_reserved_word() -> None:
    text = REFERENCE.read_text("utf-8")
    table = text[text.index("## Formulas"):text.index("### Indices")]
    functions = set(FUNCTIONS) | set(SCALAR_FUNCTIONS) | {"sum", "delta", "D", "jacobian",
                                                          "diag", "eye"}
    missing = [f for f in sorted(functions) if f"`{f}(" not in table]
    assert missing == []
    said = re.search(r"Reserved, never declared: `([^`]*)`, and in numpy also `([^`]*)`", text)
    assert said, "the reference lists the reserved words"
    assert set(" ".join(said.groups()).split()) == set(RESERVED)


def test_the_readme_links_the_reference() -> None:
    assert "(docs/language.md)" in README.read_text("utf-8")


def test_the_readme_example_prints_what_the_readme_shows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first spec of the README, checked, prints the output block under it (times aside)."""
    spec = blocks(README, "yaml")[0]
    shown = next(b for b in blocks(README, "") if b.startswith("$ symderiv check softmax.yaml"))
    (tmp_path / "softmax.yaml").write_text(spec, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status = main(["check", "softmax.yaml", "--no-cache"])
    printed = capsys.readouterr().out

    def timeless(text: str) -> str:
        return re.sub(r"\d+\.\d\ds\]", "_s]", text)

    assert timeless(printed) == timeless(shown.split("\n", 1)[1])
    assert status == 1
