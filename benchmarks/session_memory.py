"""Where a classroom session's memory goes: ``python -m benchmarks.session_memory [--sessions 6]``.

Builds ``--sessions`` sessions of the demo in this process the way the server does (``sim.app.session.
Session.rebuild`` with the page's default set-up: ``pockets_2018``, side by side, each its own seed), plays
each to the scenario's last day, and reports the growth per session: the process's RSS (without
tracemalloc running) and, in a second pass under ``tracemalloc``, the traced bytes grouped by the source
line that allocated them. The scenario's caches (map base, legend, the loaded scenario) are filled by a
first session that is not counted. What the server adds per page on top of this (Solara's virtual
kernel and widgets, the websocket, the allocator's arenas) shows only in a whole server:
``benchmarks.classroom_ws`` measures that.
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"


def _session(seed: int):
    from sim.app.session import Places, Session
    from sim.app.state import default_setup, load_cached

    session = Session(Places(10_000))
    error = session.rebuild(default_setup(load_cached(str(SCENARIO)), str(SCENARIO), seed=seed))
    assert error is None, error
    session.step(10_000)
    return session


def rss_per_session(n: int) -> float:
    _session(0).close()
    gc.collect()
    proc = psutil.Process()
    before = proc.memory_info().rss
    held = [_session(i + 1) for i in range(n)]
    gc.collect()
    grown = proc.memory_info().rss - before
    for s in held:
        s.close()
    return grown / n / 2**20


def traced(n: int, top: int = 12) -> tuple[float, list[tuple[str, float, int]]]:
    _session(0).close()
    gc.collect()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    held = [_session(i + 1) for i in range(n)]
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = after.compare_to(before, "lineno")
    total = sum(s.size_diff for s in stats) / n / 2**20
    rows = []
    for s in stats[:top]:
        frame = s.traceback[0]
        name = frame.filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append((f"{name}:{frame.lineno}", s.size_diff / n / 2**20, s.count_diff // n))
    for s in held:
        s.close()
    return total, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.session_memory",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=6)
    args = parser.parse_args(argv)
    rss = rss_per_session(args.sessions)
    total, rows = traced(args.sessions)
    print(f"per session ({args.sessions} sessions, two models each played to the last day): "
          f"RSS {rss:.1f} MB, traced {total:.1f} MB\n")
    print("| allocated at | MB per session | blocks per session |\n|---|---|---|")
    for where, mb, blocks in rows:
        print(f"| `{where}` | {mb:.2f} | {blocks:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
