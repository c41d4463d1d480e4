"""`bordersim history SCENARIO`: the model against the scenario's record over many seeds, with the
timeline figure (record dates as markers, the model's days as strips).

The runs are a one-point sweep: the sweep's replication seeds, its run task and its process pool, so
the table and the figure are the same whatever the number of workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.sweep.executors import default_workers, local_pool
from sim.sweep.outcomes import record_outcome
from sim.sweep.plan import Task, run_key, run_task
from sim.sweep.seeds import replication_seeds


@dataclass
class History:
    scenario: object
    events: list[dict]
    table: pd.DataFrame
    skill: pd.DataFrame
    days_by_event: dict[str, np.ndarray]
    failed: list[str]

    def text(self) -> str:
        from sim.report import record as rec

        label = {0: f"{self.scenario.name}, {len(next(iter(self.days_by_event.values())))} seeds"}
        lines = [rec.text(self.events, self.table, self.skill, label, self.scenario.days)]
        lines += [f"failed: {err}" for err in self.failed]
        return "\n".join(lines)

    def save_figure(self, path: str | Path) -> Path:
        from sim.render.timeline import save_timeline

        n = len(next(iter(self.days_by_event.values())))
        return save_timeline(self.events, {f"the model, {n} seeds": self.days_by_event}, path,
                             days=self.scenario.days, start_date=self.scenario.start_date,
                             title=f"{self.scenario.name}: the model against the record")


def history(path: str, *, seeds: int = 20, overrides: Sequence[str] = (), days: int | None = None,
            seed: int = 0, workers: int | None = None) -> History:
    """Run the scenario ``seeds`` times and set the model's day of each record event beside the record's."""
    from sim.report import record as rec
    from sim.scenario import load_scenario

    scenario = load_scenario(path, [*overrides, *([f"days={days}"] if days else [])])
    if not scenario.record:
        raise ScenarioError("this scenario has no `record:` to hold the model against", file=str(path),
                            line=1, hint="scenarios/deir_ezzor_2017.yaml")
    events = rec.events_of({"base_scenario": scenario.resolved_dict()})
    outcomes = tuple(record_outcome(e["id"]) for e in events)
    tasks = [Task(0, r, s, run_key(scenario.config_hash(), s), scenario, {}, outcomes)
             for r, s in enumerate(replication_seeds(seed, seeds))]
    rows, failed = [], []
    for result in local_pool(tasks, run_task, workers or default_workers()):
        row = result["row"]
        if row["status"] != "ok":
            failed.append(f"seed {row['seed']}: {row['error']}")
        rows.append({k: row[k] for k in ("point", "replication", "status", *outcomes)})
    if len(failed) == len(tasks):
        raise ScenarioError(f"every run failed, e.g. {failed[0]}")
    results = pd.DataFrame(rows).sort_values("replication", kind="stable")
    by_point = rec.model_days(results, events, scenario.days)
    table = rec.table(events, by_point, scenario.days)
    return History(scenario, events, table, rec.skill(table), by_point[0], failed)


__all__ = ["History", "history"]
