"""`./test` with no arguments runs every app's tests: each package holding a tests/ folder is in testpaths."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_folder_of_tests_is_collected_by_the_whole_suite():
    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"][
        "testpaths"
    ]
    packages = {path.parent.name for path in ROOT.glob("*/tests/__init__.py")} | {"tests"}
    assert sorted(packages - set(testpaths)) == []
