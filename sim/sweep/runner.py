"""`bordersim sweep`: plan the runs, skip the stored ones, execute the rest, assemble the tables.

Each result is stored the moment it arrives, so Ctrl-C, a killed process or a crashed machine
loses at most the runs in flight; running the same command again picks up where it stopped.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.sweep.executors import default_workers, execute, stops_noted
from sim.sweep.experiment import load_experiment
from sim.sweep.plan import build_plan, run_task
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

    def line(self) -> str:
        """The final line, printed whether or not there was a progress bar."""
        state = "interrupted" if self.interrupted else "stopped" if self.aborted else "done"
        return (f"sweep {self.name} {state}: {self.ran + self.resumed}/{self.runs} runs stored "
                f"({self.ran} new, {self.resumed} resumed, {self.failed} failed) in {self.seconds:.1f} s "
                f"-> {self.out}" + (f" ({self.pruned} outdated runs removed)" if self.pruned else ""))


def _progress(total: int, show: bool | None):
    from tqdm import tqdm

    enabled = sys.stderr.isatty() if show is None else show
    return tqdm(total=total, unit="run", desc="sweep", disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def run_sweep(path: str | Path, out: str | Path | None = None, *, workers: int | None = None,
              scheduler: str | None = None, dask_local: int | None = None, force: bool = False,
              retry_failed: bool = False, progress: bool | None = None,
              task_fn: Callable = run_task) -> SweepStats:
    """Run (or resume) the sweep of experiment ``path`` into ``out`` (default sweeps/NAME)."""
    exp = load_experiment(path)
    plan = build_plan(exp)
    root = Path(out) if out is not None else Path("sweeps") / exp.name
    store = SweepStore(root, exp)
    store.open(force)
    stats = SweepStats(exp.name, root, len(plan.tasks))
    start = time.perf_counter()
    try:
        store.write_header(plan)
        done = store.done_keys(retry_failed)
        todo = [t for t in plan.unique() if t.key not in done]
        stats.resumed = sum(1 for t in plan.tasks if t.key in done)
        copies: dict[str, int] = {}
        for t in plan.tasks:
            copies[t.key] = copies.get(t.key, 0) + 1
        bar = _progress(len(plan.tasks), progress)
        bar.update(stats.resumed)
        try:
            with stops_noted(stats):
                results = execute(todo, task_fn, workers=workers or default_workers(), scheduler=scheduler,
                                  dask_local=dask_local)
                with contextlib.closing(results):
                    for result in results:
                        store.write_run(result)
                        n = copies[result["row"]["key"]]
                        stats.ran += n
                        stats.failed += n if result["row"]["status"] != "ok" else 0
                        bar.update(n)
        finally:
            bar.close()
        if not stats.interrupted and not stats.aborted:
            stats.files = store.assemble(plan)
            stats.failed = store.failed_count()
            stats.pruned = store.prune(plan)
    finally:
        stats.seconds = time.perf_counter() - start
        store.close()
    return stats
