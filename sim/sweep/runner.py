"""`bordersim sweep`: plan the runs, skip the stored ones, execute the rest, assemble the tables.

Each result is stored the moment it arrives, so Ctrl-C, a killed process or a crashed machine
loses at most the runs in flight; running the same command again picks up where it stopped.
With a precision (sim.sweep.precision) the sweep runs in rounds, adding replications until the chosen
effects are known well enough; each round is a plain sweep of more replications, resumed the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.sweep import precision as prec
from sim.sweep.executors import default_workers, execute, stops_noted
from sim.sweep.experiment import load_experiment
from sim.sweep.plan import Plan, build_plan, run_task
from sim.sweep.store import SweepStore


@dataclass
class SweepStats:
    name: str
    out: Path
    runs: int
    resumed: int = 0
    ran: int = 0
    failed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    aborted: str | None = None
    pruned: int = 0
    files: dict | None = None
    precision: dict | None = None  # what precision.json holds, when the sweep ran to a precision

    def line(self) -> str:
        """The final line, printed whether or not there was a progress bar."""
        state = "interrupted" if self.interrupted else "stopped" if self.aborted else "done"
        line = (f"sweep {self.name} {state}: {self.ran + self.resumed}/{self.runs} runs stored "
                f"({self.ran} new, {self.resumed} resumed, {self.failed} failed) in {self.seconds:.1f} s "
                f"-> {self.out}" + (f" ({self.pruned} outdated runs removed)" if self.pruned else ""))
        return line + (f"\nprecision: {prec.why(self.precision)}" if self.precision else "")


def _progress(total: int, show: bool | None):
    from tqdm import tqdm

    enabled = sys.stderr.isatty() if show is None else show
    return tqdm(total=total, unit="run", desc="sweep", disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def run_sweep(path: str | Path, out: str | Path | None = None, *, workers: int | None = None,
              scheduler: str | None = None, dask_local: int | None = None, force: bool = False,
              retry_failed: bool = False, progress: bool | None = None, precision: float | None = None,
              max_replications: int | None = None, task_fn: Callable = run_task) -> SweepStats:
    """Run (or resume) the sweep of experiment ``path`` into ``out`` (default sweeps/NAME).

    ``precision`` (relative half-width) and ``max_replications`` override the experiment's
    ``precision:``; with either, replications are added in rounds (sim.sweep.precision).
    """
    exp = load_experiment(path)
    spec = prec.resolve(exp, precision, max_replications)
    exp = dataclasses.replace(exp, precision=spec)
    root = Path(out) if out is not None else Path("sweeps") / exp.name
    store = SweepStore(root, exp)
    store.open(force)
    stats = SweepStats(exp.name, root, 0)
    start = time.perf_counter()
    rounds: list[dict] = []
    try:
        reps, before = exp.replications, 0
        while True:
            plan = build_plan(dataclasses.replace(exp, replications=reps))
            stats.runs = len(plan.tasks)
            _run_round(plan, store, stats, before, retry_failed and not rounds, task_fn, progress,
                       dict(workers=workers or default_workers(), scheduler=scheduler, dask_local=dask_local))
            if stats.interrupted or stats.aborted or spec is None:
                break
            results = store.results(plan)
            table = prec.assess(spec, results, exp.resolved_dict())
            rounds.append({"replications": reps, "effects": len(table), "unmet": int((~table["met"]).sum())})
            more = prec.next_replications(table, reps, spec.max_replications)
            if more is None:
                stats.precision = prec.record(spec, rounds, table, results)
                break
            reps, before = more, reps
        if not stats.interrupted and not stats.aborted:
            stats.files = store.assemble(plan)
            stats.failed = store.failed_count()
            stats.pruned = store.prune(plan)
            store.write_precision(stats.precision)
    finally:
        stats.seconds = time.perf_counter() - start
        store.close()
    return stats


def _run_round(plan: Plan, store: SweepStore, stats: SweepStats, before: int, retry_failed: bool,
               task_fn: Callable, progress: bool | None, where: dict) -> None:
    """Run the plan's runs not yet stored; replications below ``before`` were counted by earlier rounds."""
    store.write_header(plan)
    done = store.done_keys(retry_failed)
    todo = [t for t in plan.unique() if t.key not in done]
    stats.resumed += sum(1 for t in plan.tasks if t.key in done and t.replication >= before)
    copies: dict[str, int] = {}
    for t in plan.tasks:
        copies[t.key] = copies.get(t.key, 0) + 1
    bar = _progress(len(plan.tasks), progress)
    bar.update(sum(1 for t in plan.tasks if t.key in done))
    try:
        with stops_noted(stats):
            results = execute(todo, task_fn, **where)
            with contextlib.closing(results):
                for result in results:
                    store.write_run(result)
                    n = copies[result["row"]["key"]]
                    stats.ran += n
                    stats.failed += n if result["row"]["status"] != "ok" else 0
                    bar.update(n)
    finally:
        bar.close()
