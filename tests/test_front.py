"""``bordersim demo --workers``: the front server's choices, without starting a server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.app.front import PENDING_SECONDS, Worker, default_workers, pick, redirect_host
from sim.outputs import write_json

BIN = Path(sys.executable).parent / "bordersim"


@pytest.fixture
def workers(tmp_path):
    """Three students' workers holding 3, 1 and 2 pages (real processes, so one can die)."""
    out = []
    for i, n in enumerate([3, 1, 2], start=1):
        w = Worker(i, 9000 + i, tmp_path / f"{i}.json", 20, 10)
        write_json(w.status, {"sessions": n, "capacity": 20})
        w.proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        out.append(w)
    yield out
    for w in out:
        w.proc.kill()
        w.proc.wait()


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 1), (3, 2), (4, 3), (16, 15)])
def test_one_process_on_a_small_machine_else_a_core_each_but_one(cores, expected):
    assert default_workers(cores) == expected


def test_a_visitor_goes_to_the_worker_with_the_fewest_pages_counting_visitors_on_their_way(workers):
    pool = workers
    assert pick(pool, 100.0).index == 2  # 1 page
    assert pick(pool, 100.0).index == 2  # 1 page + 1 on its way = 2: a tie with worker 3, lower index
    assert pick(pool, 100.0).index == 3
    assert pick(pool, 100.0 + PENDING_SECONDS + 1).index == 2  # the visitors have taken their places
    pool[1].proc.kill()  # worker 2 died: nobody is sent there
    pool[1].proc.wait()
    assert {pick(pool, 200.0).index for _ in range(3)} == {1, 3}


@pytest.mark.parametrize(("header", "host"), [("192.168.1.20:8765", "192.168.1.20"),
                                              ("laptop.local", "laptop.local"),
                                              ("[fe80::1]:8765", "[fe80::1]"), (None, "127.0.0.1")])
def test_the_worker_is_on_the_host_name_the_visitor_used(header, host):
    assert redirect_host(header, "127.0.0.1") == host


def test_too_many_workers_is_one_line():
    res = subprocess.run([str(BIN), "demo", "--workers", "500"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "--workers" in res.stderr
