"""The browser-free load driver (benchmarks.classroom_ws) in its tiny mode: it drives sessions through the
page's own websocket and gets their days back. It checks that the driver works, never how fast."""

from __future__ import annotations

import json

import pytest

websockets = pytest.importorskip("websockets", reason="websockets (dev dependency) not installed")


def test_the_driver_plays_sessions_through_the_websocket_and_times_steps(tmp_path):
    from benchmarks.classroom_ws import main

    out = tmp_path / "ws.json"
    assert main(["--quick", "--out", str(out)]) == 0
    (run,) = json.loads(out.read_text(encoding="utf-8"))
    (row,) = run["rows"]
    assert run["workers"] == 1 and row["pages"] == 2
    assert row["step_p50_ms"] is not None  # every timed Step click came back as the next day's frame
    assert row["rss_mb"] > 0 and row["cpu_ms_per_page_day"] >= 0 and "load average" in run["machine"]
