"""Runs of the model: in process (a), as a whole ``bordersim run`` process (a, f), per phase of the
day (c) and at three grid resolutions (d)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.timing import child_summary, repeat, run_child, settle, summary, timed

#: The phases of ``BorderModel.step()``, as it calls them: the model's own methods, and the phase
#: functions of sim.model.phases that ``sim.model.model`` imports.
PHASES = (
    "apply_channel_events",
    "gather_intelligence",
    "fly_air_missions",
    "move_ground_forces",
    "isis_act",
    "garrison_act",
    "insurgency_act",
    "counterattack",
    "fight_engagements",
    "resolve_incidents",
    "update_control_and_pockets",
    "record_day",
)


def load(scenario: Path, days: int | None = None, overrides: tuple[str, ...] = ()):
    from sim.scenario import load_scenario

    extra = [f"days={days}"] if days is not None else []
    return load_scenario(str(scenario), [*overrides, *extra])


def run_in_process(scenario: Path, days: int, reps: int, seed: int = 1) -> dict:
    """(a) ``sim.run_scenario``: model set-up, ``days`` days, the recorded table and summary."""
    from sim import run

    spec = load(scenario, days)
    result = summary(repeat(lambda: run(spec, seed=seed), reps))
    return {"days": days, "seed": seed, **result}


def _bordersim() -> list[str]:
    script = Path(sys.executable).with_name("bordersim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def run_process(root: Path, scenario: Path, days: int | None, reps: int, plots: bool) -> dict:
    """(a, f) Whole ``bordersim run`` processes, timed from outside; one untimed warm-up first."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        argv = [*_bordersim(), "run", str(scenario), "--seed", "1", "--out", tmp, "--force"]
        if days is not None:
            argv += ["--days", str(days)]
        if not plots:
            argv.append("--no-plots")
        run_child(argv, root)
        result = child_summary([run_child(argv, root) for _ in range(reps)])
    return {"plots": plots, "days": days, **result}


#: What a plotting ``bordersim run`` must import before it does any work: the libraries, then ours.
IMPORTS = {
    "libraries": "import numpy, pandas, scipy.ndimage, scipy.spatial, pydantic, yaml, mesa, "
                 "matplotlib.figure, matplotlib.backends.backend_agg",
    "bordersim": "import sim.cli, sim.scenario, sim.model.runner, sim.run_outputs, sim.render",
}


def import_times(root: Path, reps: int) -> dict:
    """(a) Processes that only import: the floor under a whole ``bordersim run``."""
    rows = {}
    for name, code in IMPORTS.items():
        argv = [sys.executable, "-c", code]
        run_child(argv, root)
        rows[name] = child_summary([run_child(argv, root) for _ in range(reps)])
    return rows


def phase_times(scenario: Path, days: int, reps: int, seed: int = 1) -> dict:
    """(c) Milliseconds per run in each phase: each phase is wrapped in a timer -- a method of the model
    instance as an instance attribute, a phase function in ``sim.model.model``'s namespace, put back
    afterwards -- so the model's code is untouched; medians over ``reps`` runs."""
    import sim.model.model as day
    from sim.model import BorderModel

    spec = load(scenario, days)
    BorderModel(scenario=spec, rng=seed).run()  # warm-up
    per_phase: dict[str, list[float]] = defaultdict(list)
    totals = []

    def timed_phase(function, name: str, spent: dict):
        def timer(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return timer

    for _ in range(reps):
        model = BorderModel(scenario=spec, rng=seed)
        spent = dict.fromkeys(PHASES, 0.0)
        saved = {}
        for name in PHASES:
            if name in vars(day):  # a phase function, looked up in the module by step()
                saved[name] = vars(day)[name]
                setattr(day, name, timed_phase(saved[name], name, spent))
            else:
                setattr(model, name, timed_phase(getattr(model, name), name, spent))
        try:
            settle(1.0)
            sample, _ = timed(model.run)
        finally:
            for name, function in saved.items():
                setattr(day, name, function)
        totals.append(sample.wall)
        for name in PHASES:
            per_phase[name].append(spent[name])
    total = statistics.median(totals)
    phases = {}
    for name in PHASES:
        ms = 1000 * statistics.median(per_phase[name])
        phases[name] = {"ms": ms, "share": ms / (1000 * total)}
    accounted = sum(p["ms"] for p in phases.values())
    return {"days": days, "reps": reps, "run_ms": 1000 * total, "phases": phases,
            "outside_phases_ms": max(1000 * total - accounted, 1e-6)}


def scaling(scenario: Path, days: int, reps: int, cells_deg: tuple[float, ...], seed: int = 1) -> dict:
    """(d) The same scenario at each cell size: cold theater build, then median run (set-up + days).

    The grids take turns, one run each per round, so that a change in the machine's load falls on all
    of them. The ratios compare CPU time (the cost of the grid; wall time also carries the load) and,
    beside it, wall time.
    """
    from sim import run
    from sim.geography import Theater

    specs, rows, samples = {}, {}, {}
    for deg in cells_deg:
        key = f"{deg:g}"
        specs[key] = spec = load(scenario, days, (f"grid.cell_deg={deg}",))
        build, theater = timed(lambda spec=spec: Theater(spec.grid))
        rows[key] = {"cell_deg": deg, "cells": theater.width * theater.height, "theater_build_s": build.wall}
        run(spec, seed=seed)  # warm-up: the cached theater, first-call costs
        samples[key] = []
    for _ in range(reps):
        for key, spec in specs.items():
            settle(1.0)
            samples[key].append(timed(lambda spec=spec: run(spec, seed=seed))[0])
    for key in rows:
        rows[key].update(summary(samples[key]))
    keys = list(rows)
    ratios = {f"{b}_vs_{a}": {"cells": rows[b]["cells"] / rows[a]["cells"],
                              "time": rows[b]["cpu_median_s"] / rows[a]["cpu_median_s"],
                              "wall": rows[b]["median_s"] / rows[a]["median_s"]}
              for a, b in zip(keys, keys[1:], strict=False)}
    return {"days": days, "grids": rows, "ratios": ratios}
