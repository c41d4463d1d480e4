"""Fixtures shared by the demo-server tests (tests/test_app.py, tests/test_server_limits.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    """pockets_2018 on a coarse 0.25 degree grid for 8 days: fast to build and to step."""
    path = tmp_path_factory.mktemp("scen") / "tiny.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\nname: tiny\ndays: 8\n"
                    "grid: {cell_deg: 0.25}\n", encoding="utf-8")
    return str(path)


