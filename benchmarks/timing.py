"""Measuring: medians of repeated calls (wall and CPU), and child processes with their own rusage."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float


def timed(fn: Callable[[], object]) -> tuple[Sample, object]:
    """Call ``fn`` once; its wall and CPU (this process) time, and what it returned."""
    w0, c0 = time.perf_counter(), time.process_time()
    value = fn()
    return Sample(time.perf_counter() - w0, time.process_time() - c0), value


def repeat(fn: Callable[[], object], reps: int, warmup: int = 1) -> list[Sample]:
    """``warmup`` untimed calls, then ``reps`` timed ones."""
    for _ in range(warmup):
        fn()
    return [timed(fn)[0] for _ in range(reps)]


def summary(samples: Sequence[Sample]) -> dict:
    """Median, min and max wall seconds, and median CPU seconds, of ``samples``."""
    walls = [s.wall for s in samples]
    return {
        "reps": len(samples),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_median_s": statistics.median(s.cpu for s in samples),
    }


@dataclass(frozen=True)
class ChildRun:
    wall: float
    cpu: float  # user + system of the child (and of the children it waited for)
    max_rss_mb: float


def run_child(argv: Sequence[str], cwd: Path, env: dict | None = None) -> ChildRun:
    """Run a command to completion; its wall time and the rusage the kernel kept for it alone.

    ``os.wait4`` returns the rusage of that one child, so concurrent benchmarks or earlier children
    do not leak into its CPU time or peak RSS (``ru_maxrss`` is in KiB on Linux).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}:\n{err.read().decode()}")
    return ChildRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0)


def child_summary(runs: Sequence[ChildRun]) -> dict:
    walls = [r.wall for r in runs]
    return {
        "reps": len(runs),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_median_s": statistics.median(r.cpu for r in runs),
        "max_rss_mb": max(r.max_rss_mb for r in runs),
    }
