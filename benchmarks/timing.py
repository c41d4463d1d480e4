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

#: Waiting for idle cores before each measurement (see settle); set by ``python -m benchmarks``.
QUIET = {"timeout_s": 0.0, "waited_s": 0.0, "waits": 0, "gave_up": 0}


def idle_cores(window: float = 0.5) -> float:
    """Cores left idle by every process on the machine over ``window`` seconds (from /proc/stat)."""
    def read() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:9]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all

    idle0, total0 = read()
    time.sleep(window)
    idle1, total1 = read()
    return (os.cpu_count() or 1) * (idle1 - idle0) / max(total1 - total0, 1)


def settle(cores: float) -> None:
    """Wait (up to QUIET["timeout_s"]) until ``cores`` cores are idle: other people's work on a shared
    machine otherwise lands in the middle of a measurement. Waits and give-ups are counted in QUIET."""
    if QUIET["timeout_s"] <= 0:
        return
    start = time.perf_counter()
    QUIET["waits"] += 1
    try:
        while idle_cores() < cores:
            if time.perf_counter() - start > QUIET["timeout_s"]:
                QUIET["gave_up"] += 1
                return
    except OSError:  # no /proc/stat: nothing to wait for
        return
    finally:
        QUIET["waited_s"] += time.perf_counter() - start


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
    """``warmup`` untimed calls, then ``reps`` timed ones, each once a core is idle."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        settle(1.0)
        samples.append(timed(fn)[0])
    return samples


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


def user_environment() -> dict[str, str]:
    """This process's environment as a user's shell has it: without ``PYTHONDONTWRITEBYTECODE`` (set on
    some CI and sandbox machines), so that a warm-up child writes the bytecode caches of bordersim's
    modules, as a user's first run does, and the timed children do not compile them again."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_child(argv: Sequence[str], cwd: Path, env: dict | None = None) -> ChildRun:
    """Run a command to completion; its wall time and the rusage the kernel kept for it alone.

    ``os.wait4`` returns the rusage of that one child, so concurrent benchmarks or earlier children
    do not leak into its CPU time or peak RSS (``ru_maxrss`` is in KiB on Linux). The child gets
    ``env``, else ``user_environment()``.
    """
    settle(1.0)
    env = user_environment() if env is None else env
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
