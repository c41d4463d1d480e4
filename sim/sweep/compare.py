"""`bordersim compare A.yaml B.yaml`: the paired difference B - A on each outcome.

Both scenarios run with the same replication seeds (common random numbers), so each replication
gives one paired difference, and the interval (sim.report.intervals.interval: the paired t-interval,
widened for skewness) is taken over those per-replication differences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.sweep.executors import default_workers, local_pool
from sim.sweep.outcomes import default_outcomes
from sim.sweep.plan import Task, run_key, run_task
from sim.sweep.seeds import replication_seeds


def compare(a_path: str, b_path: str, *, reps: int = 30, overrides: Sequence[str] = (),
            days: int | None = None, seed: int = 0, workers: int | None = None) -> pd.DataFrame:
    """One row per outcome: mean of A, mean of B, mean paired difference B - A and its 95% interval."""
    from sim.report.intervals import excludes_zero, interval, t_test_p
    from sim.scenario import load_scenario

    extra = [*overrides, *([f"days={days}"] if days else [])]
    scenarios = [load_scenario(p, extra) for p in (a_path, b_path)]
    pockets = [p for p in scenarios[0].pockets if p in scenarios[1].pockets]
    outcomes = tuple(default_outcomes(pockets))
    seeds = replication_seeds(seed, reps)
    tasks = [Task(i, r, s, run_key(sc.config_hash(), s), sc, {}, outcomes)
             for i, sc in enumerate(scenarios) for r, s in enumerate(seeds)]
    y = np.full((2, reps, len(outcomes)), np.nan)
    errors = []
    for result in local_pool(tasks, run_task, workers or default_workers()):
        row = result["row"]
        if row["status"] != "ok":
            errors.append(f"{(a_path, b_path)[row['point']]} seed {row['seed']}: {row['error']}")
        y[row["point"], row["replication"]] = [row[o] for o in outcomes]
    if errors and len(errors) == len(tasks):
        raise ScenarioError(f"every run failed, e.g. {errors[0]}")
    mean_a, mean_b = interval(y[0])[0], interval(y[1])[0]  # means over the finished runs
    diff, lo, hi = interval(y[1] - y[0])
    table = pd.DataFrame({"outcome": outcomes, "mean_a": mean_a, "mean_b": mean_b, "diff_b_minus_a": diff,
                          "ci_low": lo, "ci_high": hi})
    table["excludes_zero"] = excludes_zero(lo, hi)
    table["p_value"] = t_test_p(y[1] - y[0])
    table["replications"] = (~np.isnan(y[1] - y[0])).sum(axis=0)
    table.attrs["failed"] = errors
    return table


def format_table(table: pd.DataFrame, a: str, b: str) -> str:
    """The comparison as fixed-width text for the terminal."""
    from sim.report.html import interval, num

    lines = [f"A = {a}", f"B = {b}", "",
             f"{'outcome':<26}{'A':>11}{'B':>11}   {'B - A [95% interval]':<34}"]
    for r in table.itertuples():
        mark = " *" if r.excludes_zero else ""
        lines.append(f"{r.outcome:<26}{num(r.mean_a):>11}{num(r.mean_b):>11}   "
                     f"{interval(r.diff_b_minus_a, r.ci_low, r.ci_high)}{mark}")
    n = int(table["replications"].min()) if len(table) else 0
    lines.append(f"\n{n} paired replications (common random numbers); * interval excludes zero")
    for err in table.attrs.get("failed", []):
        lines.append(f"failed: {err}")
    return "\n".join(lines)
