"""Running sweeps: resume after a kill, Ctrl-C, Dask equals the process pool, failed runs recorded."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.report import build_report
from sim.sweep.plan import run_task
from sim.sweep.runner import run_sweep

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bordersim"
RUNS = 4 * 4  # points x replications of the experiment below


def experiment(tmp_path: Path, name: str = "tiny", days: int = 60, reps: int = 4) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\n"
                    f"set:\n  grid.cell_deg: 0.1\ndays: {days}\nfactors:\n  - channel: deconfliction\n"
                    f"  - channel: isf_sdf_coordination\nreplications: {reps}\nseed: 11\n"
                    "outcomes: [pockets_reduction_pct, euphrates_final_km2, incidents]\n")
    return path


def sweep(*args, wait=True, **kw):
    cmd = [str(BIN), "sweep", *map(str, args)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True, **kw)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted sweep with the process pool."""
    tmp = tmp_path_factory.mktemp("reference")
    stats = run_sweep(experiment(tmp), tmp / "out", workers=2, progress=False)
    assert f"{RUNS}/{RUNS} runs stored ({RUNS} new, 0 resumed, 0 failed)" in stats.line()
    return tmp / "out"


def stored(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("*.parquet")) if (out / "runs").is_dir() else []


def wait_for_runs(proc, out: Path, n: int) -> None:
    deadline = time.monotonic() + 120
    while len(stored(out)) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "sweep stored no runs in time"
        time.sleep(0.01)


def test_resume_after_kill_loses_and_duplicates_nothing(tmp_path, reference):
    exp, out = experiment(tmp_path), tmp_path / "out"
    proc = sweep(exp, "--out", out, "--workers", 1, wait=False)
    wait_for_runs(proc, out, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, as a crash or `kill -9` would
    proc.wait()
    kept = len(stored(out))
    assert 3 <= kept < RUNS
    assert not (out / "results.csv").exists()
    resumed = run_sweep(exp, out, workers=2, progress=False)  # the same command again
    assert (resumed.ran, resumed.resumed, resumed.failed) == (RUNS - kept, kept, 0)
    assert len(stored(out)) == RUNS and not list(out.rglob(".*.tmp"))
    results = pd.read_csv(out / "results.csv")
    assert len(results) == RUNS and not results.duplicated(["point", "replication"]).any()
    for name in ("results.csv", "results.parquet", "trajectories.parquet"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    again = run_sweep(exp, out, progress=False)  # nothing left to do: nothing is recomputed
    assert (again.ran, again.resumed) == (0, RUNS)


def test_ctrl_c_keeps_finished_runs_and_exits_130(tmp_path, reference):
    exp, out = experiment(tmp_path), tmp_path / "out"
    proc = sweep(exp, "--out", out, "--workers", 1, wait=False)
    wait_for_runs(proc, out, 2)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "resume" in err and "Traceback" not in err
    assert 2 <= len(stored(out)) < RUNS
    run_sweep(exp, out, workers=2, progress=False)
    assert (out / "results.csv").read_bytes() == (reference / "results.csv").read_bytes()


def test_dask_local_cluster_gives_byte_identical_results(tmp_path, reference):
    out = tmp_path / "dask"
    res = sweep(experiment(tmp_path), "--out", out, "--dask-local", 2)
    assert res.returncode == 0, res.stderr
    for name in ("results.csv", "results.parquet", "trajectories.parquet"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def fail_second_replication(task):
    """A real run failure: the model refuses a negative seed."""
    return run_task(dataclasses.replace(task, seed=-1) if task.replication == 1 else task)


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    exp, out = experiment(tmp_path, days=5, reps=3), tmp_path / "out"
    stats = run_sweep(exp, out, workers=2, task_fn=fail_second_replication, progress=False)
    assert not stats.interrupted and stats.failed == 4 and stats.ran == 12
    results = pd.read_csv(out / "results.csv")
    bad = results[results["replication"] == 1]
    assert (bad["status"] == "error").all()
    expected = "ValueError: seed must be between 0 and 2**63-1, got -1"
    assert bad["error"].str.contains(expected, regex=False).all()
    assert bad["euphrates_final_km2"].isna().all()
    assert (results[results["replication"] != 1]["status"] == "ok").all()
    assert len(list((out / "errors").glob("*.txt"))) == 4
    assert "Traceback" in next((out / "errors").glob("*.txt")).read_text()
    again = run_sweep(exp, out, workers=2, progress=False)  # failures are finished runs: kept
    assert again.ran == 0 and again.failed == 4
    page = (build_report(out).folder / "report.html").read_text()  # the report lists them, and goes on
    assert "Failed runs (4)" in page and "ValueError: seed must be between 0 and 2**63-1, got -1" in page
    retried = run_sweep(exp, out, workers=2, retry_failed=True, progress=False)
    assert retried.ran == 4 and retried.failed == 0


def test_a_folder_of_another_experiment_is_refused_without_force(tmp_path):
    out = tmp_path / "out"
    run_sweep(experiment(tmp_path, days=3, reps=1), out, workers=1, progress=False)
    other = experiment(tmp_path, name="other", days=4, reps=1)
    with pytest.raises(ScenarioError, match=r"holds a sweep of a different experiment \(tiny\)") as info:
        run_sweep(other, out, workers=1, progress=False)
    assert info.value.hint.startswith("--force")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("mine")
    with pytest.raises(ScenarioError, match="not a sweep folder"):
        run_sweep(other, tmp_path / "plain", workers=1, progress=False)
    stats = run_sweep(other, out, workers=1, force=True, progress=False)
    assert (stats.ran, stats.resumed) == (4, 0)
    assert len(stored(out)) == 4  # the other experiment's runs are gone


def test_an_updated_scenario_reruns_into_the_same_folder(tmp_path):
    """Same experiment file, changed scenario: not refused; new runs, outdated ones removed."""
    scenario = tmp_path / "base.yaml"
    scenario.write_text(f"extends: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\nparams:\n  raid_rate: 0.05\n")
    exp, out = tmp_path / "e.yaml", tmp_path / "out"
    exp.write_text("name: e\nscenario: base.yaml\nset:\n  grid.cell_deg: 0.1\ndays: 3\nreplications: 1\n"
                   "factors:\n  - channel: deconfliction\n")
    first = run_sweep(exp, out, workers=1, progress=False)
    old = {p.name for p in stored(out)}
    scenario.write_text(scenario.read_text().replace("0.05", "0.5"))
    second = run_sweep(exp, out, workers=1, progress=False)
    assert (first.ran, second.ran, second.resumed, second.pruned) == (2, 2, 0, 2)
    assert len(stored(out)) == 2 and not old & {p.name for p in stored(out)}
    assert len(list((out / "trajectories").glob("*.parquet"))) == 2
