"""``python -m benchmarks [--quick] [--out PATH] [--docs PATH | --no-docs]``: see benchmarks/__init__.py."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.machine import load_average, machine_info
from benchmarks.report import check_targets, refresh_docs, table, write_json

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest.json"
QUICK_OUT = ROOT / "benchmarks" / "results" / "quick.json"  # never over the full results
DEFAULT_DOCS = ROOT / "docs" / "performance.md"


@dataclass(frozen=True)
class Config:
    quick: bool
    days: int  # of every in-process run, and of the sweep runs
    reps: int  # timed repetitions after the warm-up
    process_reps: int
    process_days: int | None  # None: the scenario's own (180)
    scaling_days: int
    cells_deg: tuple[float, ...]
    sweep_replications: int  # x 8 design points
    sweep_reps: int
    agent_split: int  # (b) again with every force split into this many times the units
    settle_timeout_s: float  # longest wait for idle cores before a measurement (0: never wait)

    @classmethod
    def full(cls) -> Config:
        return cls(False, 180, 5, 5, None, 180, (0.1, 0.05, 0.025), 5, 2, 16, 60.0)

    @classmethod
    def tiny(cls) -> Config:
        """For the test: every section runs, on a small, short configuration."""
        return cls(True, 20, 2, 1, 10, 10, (0.2, 0.1, 0.05), 1, 1, 2, 0.0)


def _log(message: str) -> None:
    print(f"[benchmarks] {message}", file=sys.stderr, flush=True)


def run_all(cfg: Config) -> dict:
    from benchmarks import agent_rate, model_runs, sweeps
    from benchmarks.timing import QUIET

    QUIET["timeout_s"] = cfg.settle_timeout_s
    results: dict = {"machine": machine_info(ROOT), "config": {**cfg.__dict__, "scenario": SCENARIO.name},
                     "load": {"before": load_average()}}
    start = time.perf_counter()
    _log("(a) run in process")
    results["run"] = model_runs.run_in_process(SCENARIO, cfg.days, cfg.reps)
    _log("(a, f) bordersim run processes")
    for key, plots in (("process", True), ("process_no_plots", False)):
        results[key] = model_runs.run_process(ROOT, SCENARIO, cfg.process_days, cfg.process_reps, plots)
    results["imports"] = model_runs.import_times(ROOT, cfg.process_reps)
    _log("(b) agent-steps per second beside Mesa's Epstein example")
    spec = model_runs.load(SCENARIO, cfg.days)
    results["agent_steps"] = agent_rate.agent_steps(spec, cfg.days, cfg.reps)
    _log(f"(b) again with every force split into {cfg.agent_split}x the units")
    results["agent_steps_split"] = agent_rate.agent_steps(
        agent_rate.split_units(spec, cfg.agent_split), cfg.days, max(1, cfg.reps - 2)
    )
    results["agent_steps_split"]["split"] = cfg.agent_split
    _log("(c) phases of the day")
    results["phases"] = model_runs.phase_times(SCENARIO, cfg.days, cfg.reps)
    _log("(d) scaling with the grid")
    results["scaling"] = model_runs.scaling(SCENARIO, cfg.scaling_days, cfg.reps, cfg.cells_deg)
    _log("(e, f) sweeps with 1 and 2 workers")
    results["sweep"] = sweeps.sweep_throughput(SCENARIO, cfg.days, cfg.sweep_replications, cfg.sweep_reps)
    results["memory"] = {
        "sweep_worker_peak_mb": results["sweep"]["worker_peak_rss_mb"],
        "run_no_plots_mb": results["process_no_plots"]["max_rss_mb"],
        "run_with_plots_mb": results["process"]["max_rss_mb"],
    }
    results["load"]["after"] = load_average()
    results["load"]["settle"] = dict(QUIET)
    results["seconds"] = time.perf_counter() - start
    results["targets"] = check_targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny configuration (seconds, for the test)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"JSON to write (default {DEFAULT_OUT}; with --quick, {QUICK_OUT})")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", type=Path, default=None,
                      help=f"markdown whose table to refresh (default {DEFAULT_DOCS}; never with --quick)")
    docs.add_argument("--no-docs", action="store_true", help="do not touch any markdown file")
    args = parser.parse_args(argv)

    cfg = Config.tiny() if args.quick else Config.full()
    results = run_all(cfg)
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    write_json(out, results)
    _log(f"wrote {out}")
    doc = None if args.no_docs else args.docs or (None if args.quick else DEFAULT_DOCS)
    if doc is not None:
        if refresh_docs(doc, results):
            _log(f"refreshed the table in {doc}")
        else:
            _log(f"{doc} has no benchmark markers; table not written")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
