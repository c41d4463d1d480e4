"""`bordersim sweep --precision`: replications added until the chosen intervals are narrow enough, seeded
as a plain sweep's, resumed after a kill, reported; and the `precision:` key's errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.report import build_report
from sim.sweep import precision as prec
from sim.sweep.experiment import load_experiment
from sim.sweep.runner import run_sweep
from sim.sweep.seeds import replication_seeds

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bordersim"
ENV = {**os.environ, "MPLBACKEND": "Agg"}


def experiment(tmp_path: Path, precision: str = "precision:\n  relative: 0.2\n  outcomes: [strikes]\n"
               "  max_replications: 20\n") -> Path:
    """One design point, 10 days: strikes vary by about 20 % between seeds, so 3 replications are too few."""
    path = tmp_path / "prec.yaml"
    path.write_text(f"name: prec\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\nset:\n"
                    "  grid.cell_deg: 0.1\ndays: 10\nfactors:\n  - channel: deconfliction\n"
                    "    levels: [true]\n"
                    f"replications: 3\nseed: 11\noutcomes: [strikes, losses_total]\n{precision}")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("precision")
    stats = run_sweep(experiment(tmp), tmp / "out", workers=2, progress=False)
    assert not stats.interrupted and stats.precision is not None
    return tmp / "out", stats


def test_it_stops_at_the_requested_width_seeded_as_a_plain_sweep(reference):
    out, stats = reference
    saved = json.loads((out / "precision.json").read_text())
    n = saved["replications"]
    assert saved["stopped"] == "precision" and 3 < n < 20 and len(saved["rounds"]) >= 2
    assert [r["replications"] for r in saved["rounds"]][0] == 3 and saved["rounds"][-1]["replications"] == n
    assert all(r["unmet"] > 0 for r in saved["rounds"][:-1]) and saved["rounds"][-1]["unmet"] == 0
    (effect,) = saved["effects"]
    assert effect["outcome"] == "strikes" and effect["half_width"] <= 0.2 * abs(effect["effect"])
    results = pd.read_csv(out / "results.csv")
    assert len(results) == stats.runs == n and stats.ran == n
    assert list(results["seed"]) == replication_seeds(11, n)  # replication r: a plain sweep's seed r
    assert saved["points"] == [{"point": 0, "replications": n, "finished": n}]
    assert f"precision: {n} replications at every design point: stopped at the precision" in stats.line()


def test_the_report_says_how_many_replications_and_why(reference):
    out, _ = reference
    report = build_report(out)
    page = (report.folder / "report.html").read_text()
    n = json.loads((out / "precision.json").read_text())["replications"]
    assert "<h2>How many runs</h2>" in page and f"{n} replications at every design point" in page
    assert report.precision.startswith(f"{n} replications") and "precision:" in report.effects_text()


def stored(out: Path) -> int:
    return len(list((out / "runs").glob("*.parquet"))) if (out / "runs").is_dir() else 0


def test_a_killed_precision_sweep_resumes_to_the_same_end(tmp_path, reference):
    ref, _ = reference
    exp, out = experiment(tmp_path), tmp_path / "out"
    proc = subprocess.Popen([str(BIN), "sweep", str(exp), "--out", str(out), "--workers", "1"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while stored(out) < 4:  # the first round (3) done, the second begun
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no runs stored in time"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "precision.json").exists()
    kept = stored(out)
    again = run_sweep(exp, out, workers=2, progress=False)  # the same command again
    assert again.resumed == kept and again.ran == again.runs - kept
    assert "stopped at the precision" in again.line()
    for name in ("results.csv", "precision.json"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name


def test_the_command_line_precision_overrides_and_a_plain_sweep_drops_the_record(tmp_path):
    exp = experiment(tmp_path, precision="")
    stats = run_sweep(exp, tmp_path / "out", workers=2, progress=False, precision=1e-9, max_replications=4)
    saved = json.loads((tmp_path / "out" / "precision.json").read_text())
    assert saved["stopped"] == "cap" and saved["replications"] == 4 and stats.runs == 4
    assert [r["replications"] for r in saved["rounds"]] == [3, 4]
    assert {e["outcome"] for e in saved["effects"]} == {"strikes", "losses_total"}  # default: every outcome
    assert "hit the cap (max_replications 4)" in prec.why(saved)
    plain = run_sweep(exp, tmp_path / "out", workers=2, progress=False)  # the experiment as written
    assert plain.runs == 3 and plain.pruned == 1 and not (tmp_path / "out" / "precision.json").exists()
    with pytest.raises(ScenarioError, match="--max-replications needs --precision"):
        run_sweep(exp, tmp_path / "out", max_replications=9)


def test_effects_decide_the_next_round():
    """Two points, one channel: the effect's half-width against its target, and the replications asked."""
    rng = np.random.default_rng(4)
    reps = 4
    base = rng.normal(10, 2, reps)
    rows = [{"point": p, "replication": r, "status": "ok", "deconfliction": bool(p),
             "y": base[r] + (1.0 + rng.normal(0, 0.5)) * p} for p in (0, 1) for r in range(reps)]
    exp = {"factors": [{"channel": "deconfliction"}], "outcomes": ["y"], "design": {"type": "full_factorial"}}
    spec = prec.Precision(relative=0.05, max_replications=100)
    table = prec.assess(spec, pd.DataFrame(rows), exp)
    (row,) = table.to_dict("records")
    assert row["target"] == pytest.approx(0.05 * abs(row["effect"])) and not row["met"]
    more = prec.next_replications(table, reps, 100)
    ask = np.ceil(reps * (row["half_width"] / row["target"]) ** 2)
    assert more == min(2 * reps, ask) and more > reps
    assert prec.next_replications(table, reps, reps) is None  # at the cap
    loose = prec.assess(prec.Precision(absolute=1e6), pd.DataFrame(rows), exp)
    assert loose["met"].all() and prec.next_replications(loose, reps, 100) is None


@pytest.mark.parametrize("text, message", [
    ("precision:\n  relativ: 0.2\n", "prec.yaml:13: precision.relativ: unknown key; allowed: relative, "
                                     "absolute, outcomes, max_replications (did you mean relative?)"),
    ("precision:\n  relative: 0.2\n  outcomes: [strike]\n",
     "prec.yaml:14: precision.outcomes.0: 'strike' is not one of the experiment's outcomes (did you mean "
     "strikes?)"),
    ("precision: -1\n", "prec.yaml:12: precision: must be more than 0, got -1"),
    ("precision:\n  relative: 0.2\n  max_replications: 2\n",
     "prec.yaml:14: precision.max_replications: must be between 3 and 10000, got 2"),
    ("precision:\n  outcomes: [strikes]\n", "prec.yaml:12: precision: give `relative:`"),
])
def test_a_bad_precision_key_is_one_clear_error(tmp_path, text, message):
    path = experiment(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert message in str(err.value)
    res = subprocess.run([str(BIN), "sweep", str(path), "--out", str(tmp_path / "o")], capture_output=True,
                         text=True, env=ENV, timeout=120) if "relativ:" in text else None
    if res is not None:  # the command line: that line, exit 2, no traceback, nothing written
        assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
        assert not (tmp_path / "o").exists()
