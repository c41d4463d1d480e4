"""`bordersim calibrate`: the calibration file's checks, the distance, the sampler's determinism, and a
quick calibration killed with SIGKILL and resumed (same posterior as one left alone)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from sim.calibrate.priors import default_prior, make_prior
from sim.calibrate.spec import load_calibration
from sim.calibrate.targets import Distance, deviations
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "experiments" / "calibrate_2017.yaml"
BIN = Path(sys.executable).parent / "bordersim"


def test_priors_follow_the_declared_bounds():
    assert default_prior("regroup_days").log  # 0 to 10,000 days: log scale from a hundredth of 15
    assert default_prior("regroup_days").lo == pytest.approx(0.15)
    assert not default_prior("disperse_probability").log  # 0 to 1 at 0.12: not two decades above the default
    p = make_prior("area_fire", "log_uniform", (1e-6, 1e-4))
    assert p.space() == pytest.approx((-6, -4)) and p.from_unit(0.5) == pytest.approx(1e-5)


def test_the_shipped_calibration_file_is_valid():
    spec = load_calibration(CALIBRATION)
    assert spec.priors and spec.targets and spec.sized(True)[0] < spec.sized(False)[0]


def test_every_mistake_in_a_calibration_file_is_one_located_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent(f"""\
        name: bad
        scenarios:
          autumn: {{scenario: {ROOT}/scenarios/deir_ezzor_2017.yaml, days: 0}}
        coefficients:
          area_fir: log_uniform
          raid_rate: {{prior: normal}}
          strike_kill_fraction: {{prior: uniform, range: [0.5, 2]}}
        targets:
          towns: {{kind: pocket_cleared, scenario: autum, pocket: x, day: 3}}
          fighters: {{kind: final, scenario: autumn, column: isis_fightrs, range: [1000, 3000]}}
          kinds: {{kind: sums}}
        population: 1
        """))
    assert main(["calibrate", str(bad)]) == 2
    err = capsys.readouterr().err
    expected = [
        "bad.yaml:3: scenarios.autumn.days: must be between 1 and 3650, got 0",
        "bad.yaml:5: coefficients.area_fir: unknown coefficient (params.py declares them) (did you mean "
        "area_fire?)",
        "bad.yaml:6: coefficients.raid_rate: unknown prior 'normal'",
        "bad.yaml:7: coefficients.strike_kill_fraction.range: range [0.5, 2.0] leaves the declared bounds",
        "bad.yaml:9: targets.towns.scenario: no scenario 'autum' in `scenarios:` (did you mean autumn?)",
        "bad.yaml:10: targets.fighters.column: unknown column 'isis_fightrs' of the daily timeseries (did "
        "you mean isis_fighters?)",
        "bad.yaml:11: targets.kinds.kind: unknown target kind 'sums'",
        "bad.yaml:12: population: must be between 2 and",
    ]
    lines = err.splitlines()
    for text in expected:
        assert any(text in line for line in lines), (text, err)
    assert "Traceback" not in err


def test_distance_weighs_targets_by_their_scales():
    spec = load_calibration(CALIBRATION)
    by = {t.name: t for t in spec.targets}
    stats = {t: 0.0 for t in by} | {f"{t}:censored": 0.0 for t in by}
    stats |= {"kills_per_strike": 2.0, "isis_fighters_left": 2000.0, "coalition_strikes_week": 9.0,
              "rival_air_incidents_month": 3.0}
    assert Distance(spec.targets)(stats) == 0.0
    late = stats | {"deir_ezzor_city_cleared": 14.0, "kills_per_strike": 4.0, "isis_fighters_left": 4000.0,
                    "coalition_strikes_week": 9 * 1.3}
    dev = deviations(spec.targets, late)
    assert dev["deir_ezzor_city_cleared"] == pytest.approx(1.0)  # a fortnight late
    assert dev["kills_per_strike"] == pytest.approx(1.0)  # one above the bound of 3
    assert dev["isis_fighters_left"] == pytest.approx(1.0)  # 1,000 above the bracket
    assert dev["coalition_strikes_week"] == pytest.approx(1.0)  # 30% off the article's 9
    assert Distance(spec.targets)(late) == pytest.approx(np.sqrt(4 / len(spec.targets)))


def _generations(db: Path) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            row = con.execute("select max(t) from populations").fetchone()
    except sqlite3.Error:
        return 0
    return 0 if row[0] is None else row[0] + 1


def _calibrate(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "calibrate", str(CALIBRATION), "--quick", "--workers", "2", "--out",
                           str(out), *extra], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_quick_calibration_killed_and_resumed_gives_the_posterior_of_one_left_alone(tmp_path):
    whole = tmp_path / "whole"
    done = _calibrate(whole)
    assert done.returncode == 0, done.stderr
    assert "done: 2/2 generations" in done.stdout
    assert (whole / "params.yaml").is_file() and (whole / "posterior.csv").is_file()

    killed = tmp_path / "killed"
    proc = subprocess.Popen([str(BIN), "calibrate", str(CALIBRATION), "--quick", "--workers", "2", "--out",
                             str(killed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while _generations(killed / "history.db") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, mid-generation 2
    proc.wait()
    assert _generations(killed / "history.db") == 1 and not (killed / "params.yaml").exists()

    again = _calibrate(killed)
    assert again.returncode == 2 and "--resume" in again.stderr  # never overwritten by accident
    resumed = _calibrate(killed, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "(1 new, 1 resumed" in resumed.stdout
    assert (killed / "posterior.csv").read_text() == (whole / "posterior.csv").read_text()
    assert (killed / "params.yaml").read_text() == (whole / "params.yaml").read_text()
    state = json.loads((killed / "calibration.json").read_text())
    assert state["quick"] is True


def test_resume_refuses_a_history_made_with_other_settings(tmp_path):
    out = tmp_path / "c"
    out.mkdir()
    (out / "calibration.json").write_text(json.dumps({"identity_hash": "something else", "quick": False}))
    proc = _calibrate(out, "--resume")
    assert proc.returncode == 2 and "other settings" in proc.stderr and "Traceback" not in proc.stderr
