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
