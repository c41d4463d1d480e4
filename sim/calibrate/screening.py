"""Morris screening of every coefficient in params.py on the distance to the record.

Each coefficient ranges over its declared bounds, on the priors' scale (``sim.calibrate.priors``: log
where the bounds span decades). SALib draws ``trajectories`` one-at-a-time paths through the unit
cube at ``levels`` levels; every point runs the calibration's scenarios with all coefficients set,
and one seed per trajectory (common random numbers, so an elementary effect is the coefficient's,
not a different draw of luck). The elementary effects of the distance, and of each target's
deviation, give mu* (the mean absolute effect: how much it matters) and sigma (how much that
depends on the others: interactions and non-linearity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibrate.priors import default_prior
from sim.calibrate.spec import CalibrationSpec
from sim.calibrate.targets import Distance, Simulator, deviations
from sim.scenario.params import Params


@dataclass(frozen=True)
class Point:
    key: str
    index: int
    seed: int
    values: dict


def evaluate_point(payload) -> tuple[int, dict]:
    simulator, point = payload
    stats = simulator.statistics(point.values, point.seed)
    out = {"distance": Distance(simulator.targets)(stats), **deviations(simulator.targets, stats)}
    return point.index, out


@dataclass(frozen=True)
class _Task:
    key: str
    simulator: Simulator
    point: Point


def _run(task: _Task):
    return evaluate_point((task.simulator, task.point))


def screening_design(trajectories: int, levels: int, seed: int, priors: list | None = None):
    """(priors, unit-cube points, seed of each point) for every coefficient in params.py, or for
    ``priors`` only (the others at the scenarios' values)."""
    from SALib.sample import morris

    priors = list(priors) if priors is not None else [default_prior(n) for n in Params.model_fields]
    names = [p.name for p in priors]
    problem = {"num_vars": len(priors), "names": names, "bounds": [[0.0, 1.0]] * len(priors)}
    unit = morris.sample(problem, trajectories, num_levels=levels, seed=seed)
    per = len(priors) + 1
    seeds = np.random.SeedSequence(seed).generate_state(trajectories)
    point_seeds = [int(seeds[i // per] % (2**31 - 1)) for i in range(len(unit))]
    return priors, problem, unit, point_seeds


def run_screening(spec: CalibrationSpec, *, trajectories: int = 10, levels: int = 4, seed: int = 0,
                  workers: int | None = None, progress=None,
                  calibrated_only: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table of mu*, sigma per coefficient and target, the raw points and their outputs). Every
    coefficient over its declared bounds, or with ``calibrated_only`` the calibration's own
    coefficients over their priors, the others at the scenarios' values."""
    from SALib.analyze import morris

    from sim.sweep.executors import execute

    priors, problem, unit, point_seeds = screening_design(
        trajectories, levels, seed, priors=spec.priors if calibrated_only else None)
    sim = Simulator.of(spec)
    tasks = [_Task(f"morris-{i}", sim, Point(f"morris-{i}", i, point_seeds[i],
                                             {p.name: p.from_unit(u) for p, u in zip(priors, row,
                                                                                       strict=True)}))
             for i, row in enumerate(unit)]
    out: dict[int, dict] = {}
    for i, result in execute(tasks, _run, workers=workers):
        out[i] = result
        if progress is not None:
            progress(len(out), len(tasks))
    outputs = ["distance", *(t.name for t in spec.targets)]
    y = pd.DataFrame([out[i] for i in range(len(tasks))])[outputs]
    rows = []
    for col in outputs:
        res = morris.analyze(problem, unit, y[col].to_numpy(dtype=float), num_levels=levels, seed=seed)
        for j, name in enumerate(problem["names"]):
            rows.append({"coefficient": name, "output": col, "mu_star": float(res["mu_star"][j]),
                         "sigma": float(res["sigma"][j])})
    points = pd.DataFrame(unit, columns=problem["names"]).assign(seed=point_seeds)
    return pd.DataFrame(rows), pd.concat([points, y], axis=1)
