"""`python -m benchmarks --quick` runs end to end and fills every section with positive numbers.

Speed itself is not tested here (timings on a shared machine are too noisy for a unit test):
`python -m benchmarks` measures it and docs/performance.md records it.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("run", "process", "process_no_plots", "imports", "agent_steps", "agent_steps_split", "phases",
            "scaling", "sweep", "memory")


def _numbers(node):
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _numbers(value)


@pytest.mark.slow
def test_quick_benchmark_writes_every_section(tmp_path):
    out = tmp_path / "bench.json"
    docs = ROOT / "docs" / "performance.md"
    before = docs.read_text(encoding="utf-8") if docs.exists() else None
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    for section in SECTIONS:
        numbers = list(_numbers(results[section]))
        assert numbers, f"section {section} is empty"
        assert all(n > 0 for n in numbers), f"section {section} has a number that is not positive: {numbers}"
    assert set(results["phases"]["phases"]) >= {"move_ground_forces", "update_control_and_pockets"}
    assert len(results["scaling"]["grids"]) == 3
    for key in ("agent_steps", "agent_steps_split"):
        assert results[key]["bordersim"]["agents"] == results[key]["epstein"]["agents"]
    assert results["agent_steps_split"]["agents"] > results["agent_steps"]["agents"]
    assert {t["name"] for t in results["targets"]} >= {"run_180d", "whole_process", "sweep_2_workers",
                                                        "run_180d_fast", "whole_process_no_plots"}
    assert results["machine"]["cpu_model"] and results["machine"]["mesa"]
    # --quick numbers never overwrite the documented ones
    assert (docs.read_text(encoding="utf-8") if docs.exists() else None) == before
    assert "| target | measured | limit | met |" in proc.stdout


def test_versus_times_both_trees_and_compares_their_outputs(tmp_path):
    """benchmarks.versus on a checkout of this tree: both sides timed, every run's outputs compared.

    The other tree is a copy of this one with one model file edited (a daily row gains a rounding
    difference), so the output check must find every run different, and the copy before the edit
    must find them all identical."""
    import shutil

    from benchmarks.versus import compare, same_outputs

    other = tmp_path / "other"
    skip = shutil.ignore_patterns(".venv", ".git", "runs", "sweeps", "docs", "tests", "calibrations", "*.png",
                                  "__pycache__")
    shutil.copytree(ROOT, other, ignore=skip)
    table = compare(other, ROOT, ["tal_afar_2017"], reps=1, days=3)
    row = table["tal_afar_2017"]
    assert row["old"]["days"] == row["new"]["days"] == 3
    assert row["old"]["ms_per_day"] > 0 and row["new"]["ms_per_day"] > 0 and row["speedup"] > 0
    # the same code in both trees allocates about the same at its peak (the model, its cells, its table;
    # a cache filled by one tree's import order and not the other's can differ by a few kB)
    assert row["old"]["peak_mb"] > 0.1
    assert abs(row["old"]["peak_mb"] - row["new"]["peak_mb"]) <= 0.1 * row["new"]["peak_mb"] + 0.02
    assert same_outputs(other, ROOT, ["tal_afar_2017"], 1) == {"runs": 1, "identical": 1, "differ": []}
    record = other / "sim" / "model" / "record.py"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("round(float(x), 6)", "round(float(x), 5)"), encoding="utf-8")
    assert same_outputs(other, ROOT, ["tal_afar_2017"], 1)["differ"] == ["tal_afar_2017/1"]


def test_the_phase_timers_cover_every_phase_the_day_calls():
    """(c) times the phases ``BorderModel.step`` calls, in its order: a phase added to the day and not
    to ``PHASES`` would be counted as Mesa's step wrapper."""
    import inspect
    import re

    from benchmarks.model_runs import PHASES
    from sim.model.model import BorderModel

    body = inspect.getsource(BorderModel.step).split('"""')[-1]
    called = re.findall(r"(?:self\.)?(\w+)\(self\b|self\.(\w+)\(\)", body)
    names = [a or b for a, b in called]
    assert tuple(n for n in names if n != "step") == PHASES
