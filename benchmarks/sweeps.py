"""(e) Sweep throughput through ``sim.sweep`` with 1 and 2 workers; (f) the workers' peak memory.

The experiment is written to a temporary folder: three channels on and off, replicated, on the
benchmark's scenario (the shape of experiments/classroom.yaml: 8 design points x 5 replications).
One small sweep runs first so that the fork server (which imports the model once) is already up for
both measured sweeps; each measured sweep starts its own worker processes.
While a sweep runs, a thread reads the peak RSS (``VmHWM``) of every descendant process from /proc.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.timing import settle

EXPERIMENT = """\
name: benchmark
title: "Benchmark sweep: three channels on and off"
scenario: {scenario}
days: {days}
factors:
  - channel: deconfliction
  - channel: isf_sdf_coordination
  - channel: damascus_baghdad
design: full_factorial
replications: {replications}
seed: 1
outcomes:
  - pockets_reduction_pct
  - raids
"""


def _processes() -> tuple[dict[int, list[int]], dict[int, float]]:
    """Children of every process, and each process's CPU seconds so far (user + system)."""
    tree: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is the state, the 3rd of stat(5)
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return tree, cpu


def _peak_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class DescendantPeaks:
    """Polls /proc for this process's descendants: ``peaks`` maps pid -> highest VmHWM seen (MB), and
    ``cpu_seconds`` is the CPU time they used while watched (what cores the machine gave them)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peaks: dict[int, float] = {}
        self._cpu_first: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu_last[pid] - self._cpu_first[pid] for pid in self._cpu_last)

    def _poll(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            (tree, cpu), todo = _processes(), [me]
            while todo:
                for pid in tree.get(todo.pop(), []):
                    todo.append(pid)
                    self._cpu_first.setdefault(pid, cpu[pid])
                    self._cpu_last[pid] = cpu[pid]
                    rss = _peak_rss_mb(pid)
                    if rss is not None:
                        self.peaks[pid] = max(rss, self.peaks.get(pid, 0.0))
            self._stop.wait(self.interval)

    def __enter__(self) -> DescendantPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _sweep(path: Path, out: Path, workers: int) -> tuple[float, int]:
    from sim.sweep.runner import run_sweep

    start = time.perf_counter()
    stats = run_sweep(path, out, workers=workers, force=True, progress=False)
    seconds = time.perf_counter() - start
    if stats.failed or stats.aborted or stats.interrupted:
        raise RuntimeError(f"benchmark sweep with {workers} workers did not finish cleanly: {stats.line()}")
    return seconds, stats.ran


def sweep_throughput(scenario: Path, days: int, replications: int, reps: int = 1,
                     workers: tuple[int, ...] = (1, 2)) -> dict:
    """Runs per second of the same sweep with each worker count (median of ``reps``, the counts taking
    turns so that a change in the machine's load hits both), and the workers' peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        warm = folder / "warmup.yaml"
        warm.write_text(EXPERIMENT.format(scenario=scenario, days=min(days, 5), replications=1))
        _sweep(warm, folder / "warmup", max(workers))
        path = folder / "experiment.yaml"
        path.write_text(EXPERIMENT.format(scenario=scenario, days=days, replications=replications))
        seconds: dict[int, list[float]] = {n: [] for n in workers}
        cores: dict[int, list[float]] = {n: [] for n in workers}
        peaks: dict[int, float] = {}
        busy = min(max(workers), os.cpu_count() or 1) - 0.2  # idle cores wanted before each sweep
        for _ in range(reps):
            for n in workers:
                settle(busy)
                with DescendantPeaks() as watch:
                    took, runs = _sweep(path, folder / f"w{n}", n)
                seconds[n].append(took)
                cores[n].append(watch.cpu_seconds / took)
                peaks.update(watch.peaks)
    rows = {}
    for n in workers:
        took = statistics.median(seconds[n])
        rows[f"workers_{n}"] = {"workers": n, "runs": runs, "reps": reps, "seconds": took,
                                "runs_per_s": runs / took,
                                # CPU seconds of the sweep's processes per second: cores they were given
                                "cores_used": statistics.median(cores[n])}
    one, many = rows[f"workers_{workers[0]}"], rows[f"workers_{workers[-1]}"]
    return {
        "days": days,
        "runs": one["runs"],
        **rows,
        "speedup": many["runs_per_s"] / one["runs_per_s"],
        "worker_peak_rss_mb": max(peaks.values()) if peaks else None,
        "processes_watched": len(peaks),
    }
