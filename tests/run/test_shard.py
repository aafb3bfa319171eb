"""`--shard K/N`: the spec files split across the jobs of a CI matrix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symderiv.cli import main
from symderiv.discover import discover, shard
from symderiv.errors import Location, SymderivError

ROOT = Path(__file__).parent.parent.parent


def names(found: list[tuple[Path, str, SymderivError | None]]) -> list[str]:
    return [display for _, display, _ in found]


@pytest.mark.parametrize("count", [1, 2, 3, 7, 40])
def test_every_file_is_in_exactly_one_shard(count: int) -> None:
    found = discover([str(ROOT / "tests" / "specs")])
    assert len(found) > 40
    shards = [names(shard(found, number, count)) for number in range(1, count + 1)]
    every = [name for part in shards for name in part]
    assert sorted(every) == sorted(names(found))
    assert len(set(every)) == len(every)
    sizes = [len(part) for part in shards]
    assert max(sizes) - min(sizes) <= 1
    for part in shards:  # the run's own order is kept inside a shard
        assert part == [name for name in names(found) if name in part]


def test_the_shard_of_a_file_does_not_depend_on_the_others_or_the_spelling() -> None:
    """The same paths give the same shards, however the folder is written."""
    plain = shard(discover([str(ROOT / "derivations")]), 2, 3)
    dotted = shard(discover([str(ROOT / "derivations") + "/./"]), 2, 3)
    assert [Path(p).name for p in names(plain)] == [Path(p).name for p in names(dotted)]


def test_unusable_files_are_dealt_out_too() -> None:
    error = SymderivError("no such file or directory", Location("gone.yaml", 1, 1), "io")
    found = [(Path("gone.yaml"), "gone.yaml", error), (Path("a.yaml"), "a.yaml", None)]
    assert sorted(names(shard(found, 1, 2) + shard(found, 2, 2))) == ["a.yaml", "gone.yaml"]


def test_shards_of_the_cli_add_up_to_the_whole_run(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["check", str(ROOT / "derivations"), "--format", "json", "--no-cache",
                 "--strategy", "bounded"]
    main(arguments)
    whole = json.loads(capsys.readouterr().out)
    parts = []
    for number in (1, 2, 3):
        main([*arguments, "--shard", f"{number}/3"])
        parts.extend(json.loads(capsys.readouterr().out)["files"])
    assert sorted(f["path"] for f in parts) == sorted(f["path"] for f in whole["files"])
    assert sum(len(f["checks"]) for f in parts) == sum(len(f["checks"]) for f in whole["files"])


def test_an_empty_shard_is_an_empty_run(capsys: pytest.CaptureFixture[str]) -> None:
    """More shards than files: the last one checks nothing."""
    count = len(list((ROOT / "derivations").rglob("*.yaml")))
    shards = count + 1
    assert main(["check", str(ROOT / "derivations"), "--shard", f"{shards}/{shards}",
                 "--no-cache"]) == 0
    assert capsys.readouterr().out == "0 checks: 0 as expected, 0 not\n"


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_a_usage_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["check", str(ROOT / "derivations"), f"--shard={text}"])
    assert stopped.value.code == 2
    assert (f"error: argument --shard: expected K/N with 1 <= K <= N, got '{text}'"
            in capsys.readouterr().err)
