"""Experiment files are checked like scenario files: every mistake is FILE:LINE: path: message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.sweep.experiment import load_experiment

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
BIN = Path(sys.executable).parent / "bordersim"

GOOD = f"""name: t
scenario: {SCENARIO}
days: 10
factors:
  - channel: deconfliction
  - param: raid_rate
    levels: [0.02, 0.1]
replications: 2
outcomes: [euphrates_final_km2, raids]
"""


def write(tmp_path, text, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path):
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    return str(info.value)


def test_shipped_experiments_are_valid():
    classroom = load_experiment(ROOT / "experiments" / "classroom.yaml")
    assert classroom.design.type == "full_factorial" and classroom.scenario.days == 120
    channels = load_experiment(ROOT / "experiments" / "channels_2018.yaml")
    assert [f.name for f in channels.factors] == [
        "deconfliction", "iranian_intermediary", "turkish_sting", "isf_sdf_coordination", "damascus_baghdad",
        "coalition_support"]


def test_good_file_fills_defaults(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.seed == 0 and exp.replications == 2 and exp.scenario.days == 10
    assert exp.factors[0].levels == (True, False) and exp.factors[1].levels == (0.02, 0.1)
    assert exp.outcomes == ("euphrates_final_km2", "raids")
    retitled = load_experiment(write(tmp_path, GOOD + "title: other\n", "b.yaml"))
    assert exp.manifest_hash() == retitled.manifest_hash()  # a new title is not a new experiment


@pytest.mark.parametrize("old,new,expected", [
    ("  - channel: deconfliction", "  - channel: deconflict",
     "exp.yaml:5: factors.0.channel: unknown channel 'deconflict' (did you mean deconfliction?)"),
    ("[euphrates_final_km2, raids]", "[euphrates_final_km, raids]",
     "exp.yaml:9: outcomes.0: unknown outcome 'euphrates_final_km' (did you mean euphrates_final_km2?)"),
    ("replications: 2", "replication: 2", "exp.yaml:8: replication: unknown key"),
    ("levels: [0.02, 0.1]", "levels: [0.02, 99]",
     "exp.yaml:6: factors.raid_rate: level 99: must be at most 5"),
    ("levels: [0.02, 0.1]", "range: [0.02, 0.1]",
     "exp.yaml:6: factors.raid_rate: a full factorial needs `levels:`"),
    ("days: 10", "days: 10\ndesign: {type: sobol, samples: 12}",
     "exp.yaml:4: design.samples: Sobol samples must be a power of two, got 12 (did you mean 8 or 16?)"),
    ("days: 10", "days: 10\ndesign: latin", "exp.yaml:4: design: unknown design 'latin'"),
    ("days: 10", "days: 10\nset:\n  params.raid_rat: 0.1",
     "exp.yaml:5: params.raid_rat: unknown key (did you mean raid_rate?)"),
    ("days: 10", "days: ten", "exp.yaml:3: days: must be a whole number, got 'ten'"),
    (f"scenario: {SCENARIO}", "scenario: nowhere.yaml", "exp.yaml:2: scenario: scenario file"),
    ("replications: 2", "replications: [2", "exp.yaml:"),
])
def test_mistakes_point_at_file_and_line(tmp_path, old, new, expected):
    assert old in GOOD
    message = error_of(write(tmp_path, GOOD.replace(old, new)))
    assert expected in message, message
    assert message.startswith(str(tmp_path / "exp.yaml") + ":")


def test_all_mistakes_are_reported_together(tmp_path):
    bad = GOOD.replace("deconfliction", "deconflict").replace("replications: 2", "replications: 0")
    message = error_of(write(tmp_path, bad))
    assert "exp.yaml:5:" in message and "exp.yaml:8: replications: must be between 1" in message


def test_cli_prints_one_line_per_problem_and_exits_2(tmp_path):
    path = write(tmp_path, GOOD.replace("channel: deconfliction", "channel: deconflict"))
    res = subprocess.run([str(BIN), "sweep", str(path), "--out", str(tmp_path / "out")], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})
    assert res.returncode == 2
    assert res.stderr.strip() == (f"{path}:5: factors.0.channel: unknown channel 'deconflict' "
                                  "(did you mean deconfliction?)")
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()
