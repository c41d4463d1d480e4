"""A whole class on one server: N side-by-side pages in headless chromium, all playing.

``python -m benchmarks.classroom_load [--pages 1 4 8] [--seconds 20] [--workers N]`` starts ``bordersim
demo``, opens pages one after another (each its own browser context, i.e. its own session; with
``--workers`` above 1 the first page is the instructor's, ``/instructor``) and, for each N, measures
while all N play at 8 days a second:

- days/s per page (the first page plays the instructor: its own rate is listed too), and the ratio to
  a lone page's rate in the same run;
- server CPU per page-day (the demo's processes' user+system time over the days all pages advanced);
- server memory (RSS of its processes) and its growth per added session (the first pages also fill
  the per-scenario caches, so a session's own cost is the growth beyond them);
- p95 latency of a Step click on a paused page while the other N-1 play (click to the new day shown).

It prints a Markdown table (the one in docs/performance.md). Playwright drives Debian's chromium; the
browsers share this machine's cores with the server, so days/s is a whole-machine figure. Buttons are
pressed with a DOM click once enabled: on a crowded machine Playwright's own click can wait 30 s and
more for the page to draw a frame before it clicks, which measures the browser, not the server.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import VIEWPORT, day_shown, launch, open_demo, start_class_demo, stop_demo, wait_ready  # noqa: E402

from sim.app.auth import new_token  # noqa: E402


def _procs(proc: psutil.Process) -> list[psutil.Process]:
    """The demo's processes: the server, or the front server and its workers (``--workers``)."""
    return [proc, *proc.children(recursive=True)]


def _cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in _procs(proc):
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _rss(proc: psutil.Process) -> int:
    total = 0
    for p in _procs(proc):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def press(page, selector: str, timeout: float = 60_000) -> None:
    """Click a button once it is enabled (a DOM click: see the module's note).

    The test and the click are one step in the page: a render that disables the button between a
    wait and a separate click (a Reset's build starting) would swallow the click."""
    page.wait_for_function("(s => { const b = document.querySelector(s);"
                           " if (!b || b.disabled) return false; b.click(); return true; })",
                           arg=selector, timeout=timeout)


def _days(pages) -> list[int]:
    return [day_shown(p) for p in pages]


def _stamped(pages) -> list[tuple[float, int]]:
    """(time, day shown, last day) of each page: with eight busy pages one read can take a second, so
    each page's
    rate is taken between its own two readings."""
    return [(time.monotonic(), *map(int, p.inner_text(".bs-day-number").split()[1::2])) for p in pages]


def pause(page) -> None:
    """Pause a playing page; a page that reached its last day has stopped on its own."""
    page.wait_for_function("(() => { const b = document.querySelector('.bs-play');"
                           " return !b.disabled || document.querySelector('.bs-end') !== null; })()",
                           timeout=60_000)
    page.eval_on_selector(".bs-play", "b => { if (!b.disabled && b.innerText.toUpperCase().includes('PAUSE'))"
                                      " b.click(); }")


def play_window(pages, server: psutil.Process, seconds: float) -> dict:
    """Every page playing for ``seconds``: days each advanced and the server's CPU over them."""
    shown = _days(pages)
    for p in pages:
        press(p, ".bs-play")
    for p, day in zip(pages, shown, strict=True):  # each past its first played day: a slow machine's
        _playing(p, day)                            # first frame is not part of the window
    cpu0, t0 = _cpu(server), time.monotonic()
    start = _stamped(pages)
    time.sleep(seconds)
    end = _stamped(pages)
    cpu1, t1 = _cpu(server), time.monotonic()
    for p in pages:
        pause(p)
    advanced = [b[1] - a[1] for a, b in zip(start, end, strict=True)]
    finished = sum(1 for _, day, last in end if day >= last)  # a rate that hit the end is too low
    return {"rates": [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(start, end, strict=True)],
            "advanced": advanced, "cpu": cpu1 - cpu0, "wall": t1 - t0, "finished": finished}


PAST = ("(d => { const n = document.querySelector('.bs-day-number').textContent.trim().split(/\\s+/);"
        " return +n[1] > d || +n[1] >= +n[3]; })")


def _playing(page, day: int, tries: int = 4, timeout: float = 20_000) -> None:
    """Wait until a page shows a day after ``day`` (or its last day); press Play again if it stopped.

    A Play that reached the server while a Reset's build replaced the models can end its loop at once
    (the button reads Play again): the page is then not playing, and waiting longer measures nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(tries):
        try:
            page.wait_for_function(PAST, arg=day, timeout=timeout)
            return
        except PlaywrightTimeout:
            if "PAUSE" not in page.inner_text(".bs-play").upper():
                press(page, ".bs-play")
    state = page.evaluate("() => [document.querySelector('.bs-day-number').textContent,"
                          " document.querySelector('.bs-play').innerText,"
                          " document.querySelector('.bs-play').disabled]")
    raise RuntimeError(f"the page did not play past day {day} in {tries} tries of {timeout / 1000:.0f} s:"
                       f" day text, Play button, disabled = {state}")


def step_latency(page, clicks: int = 15) -> list[float]:
    """Seconds from a Step click to the next day shown, on a paused page."""
    out = []
    for _ in range(clicks):
        day = day_shown(page)
        t0 = time.monotonic()
        press(page, ".bs-step")
        shown = f"document.querySelector('.bs-day-number').textContent.startsWith('Day {day + 1} ')"
        page.wait_for_function(shown, timeout=30_000)
        out.append(time.monotonic() - t0)
    return out


def reset(page) -> None:
    press(page, ".bs-reset")  # a new page may still be building
    page.wait_for_function("document.querySelector('.bs-day-number').textContent.startsWith('Day 0 ')",
                           timeout=60_000)
    page.wait_for_selector(".bs-play:not([disabled])", timeout=60_000)


def measure(counts: list[int], seconds: float, workers: int = 1) -> list[dict]:
    from playwright.sync_api import sync_playwright

    token = new_token()
    proc, origin, folder = start_class_demo("bordersim-load-", max(counts) + 2, workers, token)
    rows = []
    try:
        wait_ready(proc, origin)
        server = psutil.Process(proc.pid)
        time.sleep(2.0)
        base = _rss(server)
        with sync_playwright() as pw:
            browser = launch(pw)
            pages: list = []
            lone = first = None
            for n in counts:
                while len(pages) < n:
                    path = f"/instructor?token={token}" if workers > 1 and not pages else "/"
                    page, *_ = open_demo(browser.new_context(viewport=VIEWPORT), origin, path=path)
                    pages.append(page)
                for p in pages:
                    reset(p)
                window = play_window(pages, server, seconds)
                rss = _rss(server)
                page_days = sum(window["advanced"])
                lat = step_latency(pages[0]) if n == 1 else _latency_under_load(pages, server)
                rates = window["rates"]
                lone = rates[0] if lone is None else lone  # 0 only if the lone page stalled all window
                first = (n, rss) if first is None else first
                rows.append({
                    "pages": n, "min_rate": min(rates), "mean_rate": statistics.mean(rates),
                    "instructor_rate": rates[0], "ratio": statistics.mean(rates) / lone if lone else None,
                    "server_cores": window["cpu"] / window["wall"],
                    "cpu_ms_per_page_day": 1000 * window["cpu"] / max(page_days, 1),
                    # the first page also pays the scenario's caches (map base, legend): a session's own
                    # cost is the growth from the first count's pages on
                    "rss_mb": rss / 2**20, "mb_first": (first[1] - base) / 2**20 / first[0],
                    "mb_per_session": (rss - first[1]) / 2**20 / (n - first[0]) if n > first[0] else None,
                    "step_p95_ms": 1000 * sorted(lat)[int(0.95 * (len(lat) - 1))],
                    "finished": window["finished"],
                })
                print(row_text(rows[-1]), flush=True)
            browser.close()
    except Exception:
        log = (folder / "demo.log").read_text(errors="replace")[-3000:]
        print(f"the demo server's log (last 3000 characters):\n{log}", file=sys.stderr)
        raise
    finally:
        stop_demo(proc)
    return rows


def _latency_under_load(pages, server) -> list[float]:
    """Step latency on the first page while the others play."""
    for p in pages[1:]:
        press(p, ".bs-play")
    try:
        return step_latency(pages[0])
    finally:
        for p in pages[1:]:
            pause(p)


HEADER = ("| pages | days/s per page (min / mean) | instructor's page | mean ÷ lone page | whole server "
          "| server CPU per page-day | server memory | memory per added session | Step p95 |\n"
          "|---|---|---|---|---|---|---|---|---|")


def row_text(r: dict) -> str:
    ratio = "n/a (the lone page stalled)" if r["ratio"] is None else f"{r['ratio']:.2f}"
    return (f"| {r['pages']} | {r['min_rate']:.1f} / {r['mean_rate']:.1f} | {r['instructor_rate']:.1f} "
            f"| {ratio} | {r['server_cores']:.2f} cores | {r['cpu_ms_per_page_day']:.1f} ms "
            f"| {r['rss_mb']:.0f} MB | {_per_session(r)} | {r['step_p95_ms']:.0f} ms |"
            + (f" ({r['finished']} page(s) reached the last day in the window)" if r["finished"] else ""))


def _per_session(r: dict) -> str:
    if r["mb_per_session"] is None:
        return f"{r['mb_first']:.0f} MB (first pages, with the caches)"
    return f"{r['mb_per_session']:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classroom_load")
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="bordersim demo --workers (default 1)")
    args = parser.parse_args(argv)
    print(HEADER, flush=True)
    measure(sorted(args.pages), args.seconds, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
