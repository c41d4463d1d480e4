"""The classroom server's limits: what one page may ask for, sessions kept apart under load, and the
address it listens on (loopback unless told, with a warning when it is not).

The rules live in sim/app/state.py and sim/app/session.py (no browser needed); the address is checked
on a real `bordersim demo` process. tests/test_app.py has the page-count bound and seed parsing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

import sim.app.state as app_state
from sim.app.session import Session
from sim.app.state import (
    MAX_CELLS,
    MAX_MODELS,
    MAX_SPEED,
    Classroom,
    Setup,
    build_classroom,
    days_per_second,
    default_setup,
    load_cached,
)
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bordersim"


def setup_for(path: str, seed: int = 3, compare: bool = True) -> Setup:
    return default_setup(load_cached(path), path, seed=seed, compare=compare)


# ---------------------------------------------------------------- what a page may ask for
def test_a_page_never_runs_past_the_day_limit(tiny, monkeypatch):
    monkeypatch.setattr(app_state, "MAX_DAYS", 5)
    room = Classroom(setup_for(tiny))
    assert load_cached(tiny).days == 8 and room.days == 5
    assert room.step(1000) == 5 and room.finished and room.step(1) == 0
    assert all(s.model.steps == 5 for s in room.sides)


def test_a_page_runs_at_most_two_models_however_many_sides_it_sends(tiny):
    base = setup_for(tiny)
    crafted = Setup(base.path, base.seed, True, base.channels * 3)  # six sets of channels
    room = Classroom(crafted)
    assert len(room.sides) == MAX_MODELS == 2
    assert len(Classroom(Setup(base.path, base.seed, False, base.channels * 3)).sides) == 1


def test_a_grid_too_fine_is_refused_before_any_model_is_built(tmp_path):
    fine = tmp_path / "fine.yaml"
    fine.write_text(f"extends: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\nname: fine\n"
                    "grid: {cell_deg: 0.01}\n", encoding="utf-8")
    scenario = load_scenario(fine)
    cells = scenario.grid.nx * scenario.grid.ny
    assert cells > MAX_CELLS
    start = time.perf_counter()
    room, message = build_classroom(setup_for(str(fine)))
    assert room is None
    assert message == (f"grid.cell_deg: the grid of fine has {cells:,} cells; the demo runs at most"
                       f" {MAX_CELLS:,} (use a larger grid.cell_deg)")
    assert time.perf_counter() - start < 1.0


def test_every_shipped_scenario_fits_the_bounds():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_cached(str(path))
        assert scenario.grid.nx * scenario.grid.ny <= MAX_CELLS and scenario.days <= app_state.MAX_DAYS, path


@pytest.mark.parametrize(("sent", "speed"), [(8, 8.0), (30, 30.0), (1e9, MAX_SPEED), (0, 1.0), (-5, 1.0),
                                             (float("nan"), 8.0), (float("inf"), MAX_SPEED), ("fast", 8.0),
                                             (None, 8.0), (True, 8.0), ([4], 8.0)])
def test_play_speed_is_kept_within_bounds(sent, speed):
    assert days_per_second(sent) == speed


def test_an_unknown_channel_sent_by_a_page_is_a_message(tiny):
    base = setup_for(tiny)
    crafted = Setup(base.path, base.seed, False, ((("no_such_channel", True),), ()))
    room, message = build_classroom(crafted)
    assert room is None and "no_such_channel" in message and "\n" not in message


# ---------------------------------------------------------------- sessions kept apart
def test_sessions_stepping_at_once_do_not_touch_each_other(tiny):
    """Four pages step at the same time from their own threads; each ends exactly where it would
    alone, with the rows a lone classroom of the same set-up produces."""
    plan = {0: (3, 2), 1: (3, 5), 2: (9, 1), 3: (9, 4)}  # session -> (seed, days to step)
    sessions = {i: Session() for i in plan}
    for i, (seed, _) in plan.items():
        assert sessions[i].rebuild(setup_for(tiny, seed=seed)) is None
    errors: list[BaseException] = []

    def play(i: int) -> None:
        try:
            for _ in range(plan[i][1]):
                sessions[i].step(1)
        except BaseException as exc:  # pragma: no cover -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(i,)) for i in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    for i, (seed, days) in plan.items():
        alone = Classroom(setup_for(tiny, seed=seed))
        alone.step(days)
        room = sessions[i].classroom
        assert room.day == days and sessions[i].view().day == days
        assert [s.rows for s in room.sides] == [s.rows for s in alone.sides], i


# ---------------------------------------------------------------- the address it listens on
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo(*args: str) -> subprocess.Popen:
    return subprocess.Popen([str(BIN), "demo", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "MPLBACKEND": "Agg"})


def test_the_demo_listens_on_loopback_only_by_default_and_ctrl_c_stops_it():
    port = free_port()
    proc = demo("--port", str(port))
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the demo did not answer"
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert b"bordersim" in page or b"solara" in page.lower()
        listening = {c.laddr.ip for c in psutil.Process(proc.pid).net_connections(kind="tcp")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        assert listening == {"127.0.0.1"}
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C in the terminal
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "warning" not in err
    assert f"open http://127.0.0.1:{port}" in out and "bordersim demo: stopped" in out


def test_the_demo_warns_when_it_is_reachable_from_other_machines():
    proc = demo("--host", "0.0.0.0", "--port", str(free_port()))
    try:
        first = proc.stderr.readline()  # printed before the server starts
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    assert first.startswith("bordersim: warning: --host 0.0.0.0 makes the demo reachable from other machines")


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_a_host_that_is_not_this_machine_is_one_line(host):
    res = subprocess.run([str(BIN), "demo", "--host", host, "--port", str(free_port())], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"bordersim: cannot listen on {host}: ") and "warning" not in res.stderr


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = subprocess.run([str(BIN), "demo", "--port", str(port)], capture_output=True, text=True,
                             timeout=60)
    assert res.returncode == 2
    assert res.stderr == f"bordersim: port {port} on 127.0.0.1 is in use; pick another with --port\n"
