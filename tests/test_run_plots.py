"""`bordersim run` draws its plots in a forked process: same pictures as in process, errors as before."""

import os
import subprocess
import sys
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
POCKETS = ROOT / "scenarios" / "pockets_2018.yaml"
BIN = Path(sys.executable).parent / "bordersim"
PICTURES = ("timeseries.png", "map_final.png")


def bordersim(*args):
    return subprocess.run([str(BIN), *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)


def test_forked_plots_are_the_in_process_plots_byte_for_byte(tmp_path):
    forked, here = tmp_path / "forked", tmp_path / "here"
    res = bordersim("run", POCKETS, "--seed", 4, "--days", 12, "--out", forked)
    assert res.returncode == 0, res.stderr
    assert main(["run", str(POCKETS), "--seed", "4", "--days", "12", "--out", str(here)]) == 0
    for name in ("timeseries.csv", "summary.json", *PICTURES):
        assert (forked / name).read_bytes() == (here / name).read_bytes(), name
    assert res.stdout.index("wrote") < res.stdout.index("timeseries.png") < res.stdout.index("map_final.png")


def test_a_picture_that_cannot_be_written_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "run"
    (out / "map_final.png").mkdir(parents=True)  # a folder where the map goes
    res = bordersim("run", POCKETS, "--days", 3, "--out", out, "--force")
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("bordersim: ") and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert (out / "summary.json").is_file() and "wrote" not in res.stdout
    assert not [n for n in os.listdir(out) if n.startswith(".")]  # no temporary file left


def test_a_failed_run_leaves_no_plotting_process_behind(tmp_path):
    res = bordersim("run", POCKETS, "--days", 3, "--set", "grid.cell_deg=7", "--out", tmp_path / "x")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists() or not [p for p in (tmp_path / "x").iterdir()]


def test_without_a_safe_fork_the_same_pictures_are_drawn_in_process(tmp_path):
    """Where fork is unsafe (macOS, Windows: ``can_fork`` is false) `bordersim run` draws in its own
    process: same files, same bytes."""
    forked, plain = tmp_path / "forked", tmp_path / "plain"
    args = ["run", str(POCKETS), "--seed", "2", "--days", "8", "--out"]
    assert bordersim(*args, forked).returncode == 0
    code = ("import sys; sys.argv = ['bordersim', *sys.argv[1:]]\n"
            "import sim.render.process as process; process.can_fork = lambda: False\n"
            "from sim.cli import console; console()")
    res = subprocess.run([sys.executable, "-c", code, *args, str(plain)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    for name in ("timeseries.csv", "summary.json", *PICTURES):
        assert (forked / name).read_bytes() == (plain / name).read_bytes(), name
