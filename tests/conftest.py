"""Shared test helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from symderiv.resolve.scope import Scope, build_scope
from symderiv.load.loader import load_text

SPECS = Path(__file__).parent / "specs"


def scope_of(text: str, path: str = "spec.yaml") -> Scope:
    """Load and build a spec from inline YAML text."""
    return build_scope(load_text(path, textwrap.dedent(text)))


@pytest.fixture
def specs_dir() -> Path:
    return SPECS


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and every command it runs) keeps its cache key and default cache folder
    in a folder of its own, never in the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SYMDERIV_CACHE_KEY_FILE", str(home / "config" / "cache-key"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("SYMDERIV_CACHE_DIR", raising=False)
    return home
