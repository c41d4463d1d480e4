"""`bordersim` end to end, as a student would type it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POCKETS = ROOT / "scenarios" / "pockets_2018.yaml"
BIN = Path(sys.executable).parent / "bordersim"


def bordersim(*args, cwd=ROOT):
    return subprocess.run([str(BIN), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)


def test_list_shows_scenarios_with_titles():
    out = bordersim("list")
    assert out.returncode == 0, out.stderr
    assert "pockets_2018" in out.stdout and "Euphrates" in out.stdout


def test_validate_accepts_the_shipped_scenarios():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    out = bordersim("validate", *files)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(": ok") == len(files)


def test_run_writes_outputs_and_is_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        res = bordersim("run", POCKETS, "--seed", 5, "--days", 30, "--out", out)
        assert res.returncode == 0, res.stderr
    assert "Euphrates pocket" in res.stdout
    for name in ("timeseries.csv", "summary.json", "timeseries.png", "map_final.png"):
        assert (a / name).stat().st_size > 0, name
    assert (a / "timeseries.csv").read_bytes() == (b / "timeseries.csv").read_bytes()
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    summary = json.loads((a / "summary.json").read_text())
    assert summary["seed"] == 5 and summary["days"] == 30
    for key in ("scenario", "channels", "pockets", "isis_fighters_initial", "isis_fighters_final", "raids",
                "incidents", "strikes", "civilian_harm", "losses", "version", "config_hash"):
        assert key in summary, key
    for pocket in summary["pockets"].values():
        assert {"initial_km2", "final_km2", "days_to_50pct", "days_to_90pct", "days_to_clear"} <= set(pocket)


def test_set_override_changes_the_run(tmp_path):
    res = bordersim("run", POCKETS, "--days", 10, "--out", tmp_path / "x", "--no-plots",
                    "--set", "channels.deconfliction=false")
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "x" / "summary.json").read_text())
    assert summary["channels"]["deconfliction"] is False


def test_existing_output_folder_is_not_overwritten_without_force(tmp_path):
    out = tmp_path / "run"
    assert bordersim("run", POCKETS, "--days", 5, "--out", out, "--no-plots").returncode == 0
    before = (out / "summary.json").read_bytes()
    res = bordersim("run", POCKETS, "--days", 6, "--out", out, "--no-plots")
    assert res.returncode == 2 and "--force" in res.stderr and "Traceback" not in res.stderr
    assert (out / "summary.json").read_bytes() == before
    assert bordersim("run", POCKETS, "--days", 6, "--out", out, "--no-plots", "--force").returncode == 0


@pytest.mark.parametrize("args, expected", [
    (["run", "scenarios/nope.yaml"], "nope.yaml"),
    (["run", POCKETS, "--set", "chanels.deconfliction=false"], "channels"),
    (["run", POCKETS, "--set", "channels.deconflicton=false"], "deconfliction"),
    (["run", POCKETS, "--set", "days=-3"], "days"),
    (["run", POCKETS, "--seed", "abc"], "seed"),
    (["run", POCKETS, "--days", "0"], "days"),
])
def test_user_mistakes_get_one_clear_line_and_exit_2(args, expected, tmp_path):
    res = bordersim(*args, "--out", tmp_path / "o")
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert expected in res.stderr


def test_map_draws_a_png(tmp_path):
    out = tmp_path / "m.png"
    res = bordersim("map", POCKETS, "-o", out)
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_malformed_scenario_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = POCKETS.read_text()
    assert "days: {value: 180" in text
    bad.write_text(text.replace("days: {value: 180", "days: {value: lots"))
    shutil.copytree(POCKETS.parent / "calibrated", tmp_path / "calibrated")  # what it extends
    res = bordersim("validate", bad)
    assert res.returncode == 2
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if t.startswith("days:"))
    assert f"bad.yaml:{line}: days" in res.stderr
