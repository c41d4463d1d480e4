"""From an experiment to the list of runs: design points x replications, each with its key.

A run's key is the sha256 of its resolved configuration, seed and model fingerprint, so the same
run has the same file name in every sweep folder: resuming skips it, and two design points that resolve to the
same configuration share one run instead of computing it twice.
"""

from __future__ import annotations

import functools
import hashlib
import traceback
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError
from sim.sweep.design import Design, build_design
from sim.sweep.experiment import Experiment
from sim.sweep.outcomes import extract
from sim.sweep.seeds import replication_seeds


@dataclass(frozen=True)
class Task:
    """One run: design point ``point``, replication ``replication``; picklable for any worker."""

    point: int
    replication: int
    seed: int
    key: str
    scenario: Any
    values: dict
    outcomes: tuple[str, ...]
    draw: int | None = None  # the posterior particle whose coefficients this run uses (params: posterior)


@dataclass(frozen=True)
class Plan:
    design: Design
    seeds: list[int]
    tasks: list[Task]

    def unique(self) -> list[Task]:
        """One task per key, first occurrence first (a shared configuration runs once)."""
        seen: dict[str, Task] = {}
        for task in self.tasks:
            seen.setdefault(task.key, task)
        return list(seen.values())


def run_key(config_hash: str, seed: int) -> str:
    """Resolved configuration + seed + the model code's fingerprint: a changed model reruns."""
    return hashlib.sha256(f"{config_hash}:{seed}:{_model()}".encode()).hexdigest()


@functools.cache
def _model() -> str:
    from sim import model_fingerprint

    return model_fingerprint()


def build_plan(exp: Experiment) -> Plan:
    """Every run of ``exp`` in (point, replication) order; seeds are shared across points (CRN)."""
    design = build_design(exp.factors, exp.design, exp.seed)
    seeds = replication_seeds(exp.seed, exp.replications)
    by_name = {f.name: f for f in exp.factors}
    draws = _posterior_draws(exp) if exp.params == "posterior" else None
    tasks: list[Task] = []
    for i, values in enumerate(design.points):
        try:
            scenario = exp.scenario.with_changes({by_name[n].path: v for n, v in values.items()})
        except ScenarioError as err:
            line = min((f.line for f in exp.factors if f.line), default=None)
            raise ScenarioError(f"design point {i} ({values}) is not a valid scenario: {err.message}",
                                file=exp.file, line=line, path=err.path or "factors") from None
        config = scenario.config_hash()
        for r, seed in enumerate(seeds):
            if draws is None:
                tasks.append(Task(i, r, seed, run_key(config, seed), scenario, dict(values), exp.outcomes))
                continue
            index, coefficients = draws[r]
            varied = {by_name[n].path for n in values}  # a factor's own level wins over the draw
            drawn = scenario.with_changes({f"params.{k}": v for k, v in coefficients.items()
                                           if f"params.{k}" not in varied})
            tasks.append(Task(i, r, seed, run_key(drawn.config_hash(), seed), drawn, dict(values),
                              exp.outcomes, index))
    return Plan(design, seeds, tasks)


def _posterior_draws(exp: Experiment) -> list[tuple[int, dict]]:
    """One posterior particle per replication (the same at every design point: common random numbers)."""
    from sim.calibrate.posterior import draw_particles, shipped_posterior

    return draw_particles(shipped_posterior(exp.file), exp.replications, exp.seed)


def trajectory_columns(pockets) -> list[str]:
    return [f"{p}_km2" for p in pockets] + ["isis_area_km2"]


def run_task(task: Task) -> dict:
    """Run one task; a run that raises is returned as ``status: error`` instead of stopping the sweep."""
    from sim import run

    try:
        result = run(task.scenario, seed=task.seed)
        return task_result(task, result.summary, result.timeseries)
    except Exception as exc:  # any failure of one run is data, not a crash
        row = _row(task)
        row.update({name: float("nan") for name in task.outcomes}, status="error",
                   error=f"{type(exc).__name__}: {exc}")
        return {"row": row, "trajectory": None, "traceback": traceback.format_exc()}


def _row(task: Task) -> dict:
    row = {"key": task.key, "point": task.point, "replication": task.replication, "seed": task.seed,
           "config_hash": task.scenario.config_hash(), **task.values}
    if task.draw is not None:
        row["posterior_draw"] = task.draw
    return row


def task_result(task: Task, summary: dict, timeseries) -> dict:
    """The stored form of a finished run of ``task`` (however it was run: a worker, a classroom page)."""
    row = _row(task)
    values = extract(task.outcomes, summary)
    cols = ["day", *trajectory_columns(task.scenario.pockets)]
    trajectory = {c: timeseries[c].tolist() for c in cols}
    row.update(values, status="ok", error=None)
    return {"row": row, "trajectory": trajectory, "traceback": None}
