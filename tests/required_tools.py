"""Tests that need an outside program (TeX, Chromium, Java): skipped locally without it, a
failure in CI (env CI set), where .ci/system-packages and the test extra install it."""

from __future__ import annotations

import os
import shutil

import pytest


def require(*tools: str) -> None:
    """Skip unless every one of `tools` is on PATH; in CI a missing one fails the test."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {', '.join(missing)} is missing: .ci/system-packages "
                    "(or the test extra) should have installed it")
    pytest.skip(f"{', '.join(missing)} not installed")
