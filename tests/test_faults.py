"""Faults: processes killed with SIGKILL at chosen and random moments, and what survives them.

- `bordersim run` killed while it writes: every file under its final name is whole (identical to an
  uninterrupted run's), temporary files are hidden and never read, and `--force` cleans them up.
- `bordersim sweep` killed at several points (while starting, after the header, between runs,
  while assembling the tables) and re-run each time: the same tables as an uninterrupted sweep.
- a process-pool worker killed mid-sweep: the sweep stops with one line, and a re-run completes.
- a Dask worker killed while runs are in flight: no run is lost or stored twice, same tables.

(tests/test_sweep_run.py already covers one kill and resume, Ctrl-C, Dask = process pool, and a
run that raises being recorded; these add the several-points, mid-write and worker variants.)
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest
from PIL import Image

from sim.sweep.runner import run_sweep

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bordersim"
ENV = {**os.environ, "MPLBACKEND": "Agg"}
RUN_FILES = ("timeseries.csv", "summary.json", "timeseries.png", "map_final.png")
TABLES = ("results.csv", "results.parquet", "trajectories.parquet")
RUNS = 4 * 4  # design points x replications of the experiment below


def is_temporary(name: str) -> bool:
    return name.startswith(".") and ".tmp" in name


def start(*args: object) -> subprocess.Popen:
    """A bordersim process in its own process group (killed with its children, like `kill -9`)."""
    return subprocess.Popen([str(BIN), *map(str, args)], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have just finished
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 120) -> bool:
    """SIGKILL ``proc`` the moment ``ready()`` holds (polled every millisecond); False if it ended first."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            proc.communicate()
            return False
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.001)
    kill(proc)
    return True


def names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


# ---------------------------------------------------------------- bordersim run
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """pockets_2018 on a 0.25 degree grid for 20 days: a run of about two seconds, plots included."""
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\nname: tiny\ndays: 20\n"
                    "grid: {cell_deg: 0.25}\n")
    return path


@pytest.fixture(scope="module")
def whole_run(tiny, tmp_path_factory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("whole") / "run"
    began = time.monotonic()
    res = subprocess.run([str(BIN), "run", tiny, "--seed", "3", "--out", out], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert sorted(names(out)) == sorted(RUN_FILES)
    return out, time.monotonic() - began


def check_run_folder(out: Path, whole: Path) -> list[str]:
    """Every file under a final name is whole; returns the temporary files left beside them."""
    left = []
    for name in names(out):
        if is_temporary(name):
            left.append(name)
            continue
        assert name in RUN_FILES, name
        if name.endswith(".png"):
            with Image.open(out / name) as img:
                img.verify()  # a truncated PNG fails here
            with Image.open(out / name) as img, Image.open(whole / name) as ref:
                assert img.size == ref.size
        else:
            assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    if (out / "summary.json").exists():
        json.loads((out / "summary.json").read_text())
        assert len(pd.read_csv(out / "timeseries.csv")) == 21  # written before the summary
    return left


def _moments(whole_seconds: float) -> list[tuple[str, object]]:
    """Kill points: as each file starts or finishes being written, and at random times."""
    def tmp_of(final: str):
        return lambda out: any(is_temporary(n) and n.startswith(f".{final}.") for n in names(out))

    def present(final: str):
        return lambda out: final in names(out)

    points: list[tuple[str, object]] = [(f"writing {f}", tmp_of(f)) for f in RUN_FILES]
    points += [(f"{f} written", present(f)) for f in RUN_FILES[:3]]
    rng = random.Random(20260511)
    points += [(f"after {t:.2f} s", t) for t in sorted(rng.uniform(0.3, whole_seconds) for _ in range(5))]
    return points


def test_a_run_killed_while_writing_leaves_only_whole_files(tiny, whole_run, tmp_path):
    whole, seconds = whole_run
    landed, leftovers = 0, []
    for i, (label, moment) in enumerate(_moments(seconds)):
        out = tmp_path / f"run{i}"  # a fresh folder for each kill: what is there, this kill left
        proc = start("run", tiny, "--seed", 3, "--out", out)
        if callable(moment):
            killed = kill_when(proc, lambda moment=moment, out=out: moment(out))
        else:
            time.sleep(moment)
            killed = proc.poll() is None
            kill(proc)
        landed += killed
        left = check_run_folder(out, whole)
        assert not left or killed, label
        leftovers += [out] if left else []
    print(f"kill points {len(_moments(seconds))}, landed {landed}, mid-write {len(leftovers)}")
    assert landed >= 7 and len(leftovers) >= 2, (landed, leftovers)
    # the later step: the same command again (with --force, the folder being in use) finishes the job
    out = leftovers[0]
    res = subprocess.run([str(BIN), "run", tiny, "--seed", "3", "--out", out, "--force"], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert sorted(names(out)) == sorted(RUN_FILES)  # the killed run's temporary files removed
    check_run_folder(out, whole)


# ---------------------------------------------------------------- bordersim sweep
def experiment(folder: Path) -> Path:
    path = folder / "faults.yaml"
    path.write_text(f"name: faults\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\nset:\n"
                    "  grid.cell_deg: 0.1\ndays: 10\nfactors:\n  - channel: deconfliction\n"
                    "  - channel: isf_sdf_coordination\nreplications: 4\nseed: 5\n")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted sweep of the experiment, with the process pool."""
    tmp = tmp_path_factory.mktemp("reference")
    stats = run_sweep(experiment(tmp), tmp / "out", workers=2, progress=False)
    assert (stats.ran, stats.failed) == (RUNS, 0)
    return tmp / "out"


def stored(out: Path) -> list[str]:
    return [n for n in names(out / "runs") if n.endswith(".parquet") and not n.startswith(".")]


def check_stored_runs(out: Path) -> None:
    for name in stored(out):
        assert pq.read_table(out / "runs" / name).num_rows == 1  # whole, or it would not be there
    for name in TABLES:
        if (out / name).exists():  # assembled tables appear only when whole, and only complete
            assert name == "results.csv" or pq.read_table(out / name).num_rows > 0


def same_tables(out: Path, reference: Path) -> None:
    for name in TABLES:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    results = pd.read_csv(out / "results.csv")
    assert len(results) == RUNS and not results.duplicated(["point", "replication"]).any()


def test_a_sweep_killed_at_several_points_and_rerun_ends_with_the_same_tables(tmp_path, reference):
    exp, out = experiment(tmp_path), tmp_path / "out"
    points = [
        ("while starting", lambda: time.sleep(0.4) or True),
        ("after the header", lambda: (out / "design.parquet").exists()),
        ("after 3 runs", lambda: len(stored(out)) >= 3),
        ("after 9 runs", lambda: len(stored(out)) >= 9),
        ("as the last run is stored", lambda: len(stored(out)) >= RUNS),
    ]
    counts = []
    for label, ready in points:
        proc = start("sweep", exp, "--out", out, "--workers", 2)
        killed = kill_when(proc, ready)
        # the last point races the end of the sweep (assembling takes a moment): either is fine
        assert killed or label == points[-1][0], f"the sweep finished before the kill point {label!r}"
        check_stored_runs(out)
        counts.append(len(stored(out)))
    assert counts == sorted(counts) and counts[-1] == RUNS, counts  # nothing stored was lost
    assert not (out / "results.csv").exists() or (out / "results.csv").read_bytes() == (
        reference / "results.csv").read_bytes()
    res = subprocess.run([str(BIN), "sweep", exp, "--out", out, "--workers", "2"], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"({0} new, {RUNS} resumed, 0 failed)" in res.stdout
    same_tables(out, reference)
    assert not [p for p in out.rglob("*") if is_temporary(p.name)]


def pool_workers(sweep_pid: int) -> list[psutil.Process]:
    """The sweep's worker processes: children of its fork server, itself a child of the sweep."""
    try:
        tree = psutil.Process(sweep_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in tree if p.ppid() != sweep_pid]


def test_a_pool_worker_killed_mid_sweep_stops_it_cleanly_and_a_rerun_completes(tmp_path, reference):
    exp, out = experiment(tmp_path), tmp_path / "out"
    proc = subprocess.Popen([str(BIN), "sweep", exp, "--out", out, "--workers", "2"], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(stored(out)) < 2 or len(pool_workers(proc.pid)) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.005)
    pool_workers(proc.pid)[0].send_signal(signal.SIGKILL)  # the out-of-memory killer's way
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "a worker process died" in err and "run the same command again" in err
    check_stored_runs(out)
    assert 2 <= len(stored(out)) < RUNS and not (out / "results.csv").exists()
    again = run_sweep(exp, out, workers=2, progress=False)
    assert again.ran + again.resumed == RUNS and again.failed == 0
    same_tables(out, reference)


# ---------------------------------------------------------------- Dask
def test_a_dask_worker_killed_with_runs_in_flight_loses_no_run(tmp_path, reference):
    import logging

    from dask.distributed import Client, LocalCluster

    exp, out = experiment(tmp_path), tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        command = [str(BIN), "sweep", exp, "--out", out, "--scheduler", cluster.scheduler_address]
        proc = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        deadline = time.monotonic() + 120
        victim = None
        while victim is None:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            busy = client.processing()  # worker address -> keys of the runs it holds
            ready = len(stored(out)) >= 2
            victim = next((a for a, keys in busy.items() if keys and a in pids), None) if ready else None
            time.sleep(0.01)
        in_flight = set(client.processing()[victim])
        os.kill(pids[victim], signal.SIGKILL)
        res_out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert in_flight, "the killed worker held no run"
    assert f"{RUNS}/{RUNS} runs stored ({RUNS} new, 0 resumed, 0 failed)" in res_out  # each run once
    same_tables(out, reference)


def test_a_pool_broken_before_a_submit_is_the_same_clean_failure():
    """A worker that dies between two waits breaks the pool for the next submit too (seen once under
    load in the test above): that submit must end the sweep as ExecutorFailed, not a traceback."""
    import concurrent.futures as cf

    from sim.sweep.executors import ExecutorFailed, LocalPool

    pool = LocalPool(1)
    try:
        def broken(*args, **kwargs):
            raise cf.process.BrokenProcessPool("A child process terminated abruptly")

        pool.pool.submit = broken
        with pytest.raises(ExecutorFailed, match="a worker process died"):
            list(pool.run([1, 2], abs))
    finally:
        pool.close()
