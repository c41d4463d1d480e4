"""Thirty students without thirty browsers: N sessions on ``bordersim demo`` through the browser's own path.

``python -m benchmarks.classroom_ws [--pages 10 20 30] [--workers 1] [--seconds 15]`` starts ``bordersim
demo`` and, for each N, drives N sessions the way a page does, minus the drawing: an HTTP visit to the
address students type (following the front server's redirect with ``--workers``, keeping its cookies),
then the Jupyter websocket a page opens (``/jupyter/api/kernels/ID/channels``), the ``solara.control``
comm that runs the app, and the widgets' own messages: ``hello`` to the map (which then sends every
day), clicks on Reset, Play and Step. The first session is the instructor's (``/instructor?token=``).
Every session plays at the page's default 8 days a second, and for ``--seconds`` the driver counts the
days each receives. Measured:

- days/s per page as the server delivers them (each page's own first to last day in the window), the
  instructor's page's rate, and the slowest page's;
- server CPU per page-day (user+system time of the demo's processes over every day delivered) and the
  cores the server used;
- the server's memory (RSS of its processes) and its growth per added session;
- Step latency: a paused student page's Step click to its next day's frame, while the others play.

No browser draws here, so these are the server's figures: a classroom adds each student's own device
drawing its maps. ``--quick`` is the smoke test (2 pages, 3 s; it checks that the driver works, never
how fast). Results go to ``benchmarks/results/classroom_ws.json``; ``--doc`` writes the table into
docs/performance.md (between ``<!-- classroom_ws:table -->`` markers).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import struct
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "classroom_ws.json"
DOC = ROOT / "docs" / "performance.md"
sys.path.insert(0, str(ROOT / "tests"))

from browser import start_class_demo, stop_demo, wait_ready  # noqa: E402

from benchmarks.machine import machine_info  # noqa: E402
from sim.app.auth import new_token  # noqa: E402

DAY = re.compile(r"Day (\d+) of (\d+)")


def _decode(raw) -> dict:
    """A message of the Jupyter websocket: JSON text, or Solara's binary frame (offsets, JSON, buffers)."""
    if isinstance(raw, str):
        return json.loads(raw)
    n = struct.unpack("!i", raw[:4])[0]
    offsets = [*struct.unpack("!" + "I" * n, raw[4:4 * (n + 1)]), None]
    return json.loads(raw[offsets[0]:offsets[1]].decode("utf-8"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visit(origin: str, path: str) -> tuple[str, str, str]:
    """What a browser's first visit gives: (the server it ends on, the path there, its cookies)."""
    opener = urllib.request.build_opener(_NoRedirect)
    url = origin + path
    for _ in range(3):
        try:
            with opener.open(url, timeout=30) as resp:
                cookies = "; ".join(h.split(";", 1)[0] for h in resp.headers.get_all("Set-Cookie") or [])
                base = re.match(r"(https?://[^/]+)(/.*)?", url)
                return base.group(1), base.group(2) or "/", cookies
        except urllib.error.HTTPError as err:
            if err.code not in (302, 303, 307):
                raise
            url = err.headers["Location"]
    raise RuntimeError(f"too many redirects from {origin + path}")


class Page:
    """One session, driven over its websocket as its page would."""

    def __init__(self, origin: str, path: str):
        self.origin, self.path = origin, path
        self.session = str(uuid.uuid4())
        self.widgets: dict[str, dict] = {}
        self.days: list[tuple[float, int]] = []  # (arrival, day) of each frame
        self.last_of = 0
        self.new_day = asyncio.Event()

    async def open(self) -> None:
        import websockets

        server, path, cookies = await asyncio.to_thread(visit, self.origin, self.path)
        kernel = str(uuid.uuid4())
        url = (server.replace("http", "ws", 1)
               + f"/jupyter/api/kernels/{kernel}/channels?session_id={self.session}")
        self.ws = await websockets.connect(url, additional_headers={"Cookie": cookies}, max_size=None,
                                           open_timeout=60, ping_interval=None)
        self.reader = asyncio.create_task(self._read())
        control = uuid.uuid4().hex
        await self._send("comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}})
        await self._send("comm_msg", {"comm_id": control, "data": {"method": "run",
                                                                    "args": {"path": path, "appName": None}}})
        self.map = await self._find(lambda s: s.get("kind") == "bordersim-map")
        await self.event(self.map, "hello", {"base_id": None})
        await self.wait_day(0, timeout=120)

    async def _send(self, kind: str, content: dict) -> None:
        header = {"msg_id": uuid.uuid4().hex, "msg_type": kind, "username": "", "session": self.session,
                  "date": "", "version": "5.3"}
        await self.ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                       "channel": "shell", "content": content, "buffers": []}))

    async def event(self, comm: str, name: str, data=None) -> None:
        """What ipyvue sends for a click (``click``) or a template method call (``hello``)."""
        content = {"event": name, "data": data or {}}
        await self._send("comm_msg", {"comm_id": comm, "data": {"method": "custom", "content": content}})

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = _decode(raw)
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if kind == "comm_open":
                self.widgets[content["comm_id"]] = dict(content.get("data", {}).get("state", {}))
            elif kind == "comm_msg":
                data = content.get("data", {})
                state = self.widgets.setdefault(content["comm_id"], {})
                if data.get("method") == "update":
                    state.update(data.get("state", {}))
                elif data.get("method") == "custom" and content["comm_id"] == getattr(self, "map", None):
                    frame = data.get("content", {}).get("args", [{}])[0]
                    found = DAY.match(frame.get("banner", {}).get("day", ""))
                    if found:
                        self.days.append((time.perf_counter(), int(found.group(1))))
                        self.last_of = int(found.group(2))
                        self.new_day.set()

    async def _find(self, match, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for comm, state in list(self.widgets.items()):
                if match(state):
                    return comm
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.path}: no such widget within {timeout:.0f} s")

    async def button(self, cls: str) -> str:
        return await self._find(lambda s: cls in (s.get("class_") or "").split()
                                and s.get("_model_name") == "BtnModel" and not s.get("disabled"))

    async def click(self, cls: str) -> None:
        await self.event(await self.button(cls), "click")

    @property
    def day(self) -> int:
        return self.days[-1][1] if self.days else -1

    async def wait_day(self, day: int, timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while self.day != day:
            self.new_day.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{self.path}: day {self.day}, waited for {day}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.new_day.wait(), left)
        return time.perf_counter()

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _cpu(procs) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _rss(procs) -> int:
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


async def _play_window(pages: list[Page], seconds: float, procs) -> dict:
    for p in pages:
        if p.day != 0:
            await p.click("bs-reset")
    await asyncio.gather(*(p.wait_day(0, timeout=120) for p in pages))
    marks = [len(p.days) for p in pages]
    cpu0, t0 = _cpu(procs), time.perf_counter()
    await asyncio.gather(*(p.click("bs-play") for p in pages))
    await asyncio.sleep(seconds)
    cpu, wall = _cpu(procs) - cpu0, time.perf_counter() - t0
    rates, advanced = [], []
    for p, mark in zip(pages, marks, strict=True):
        got = p.days[mark:]
        days = got[-1][1] - got[0][1] + 1 if got else 0
        span = (got[-1][0] - got[0][0]) if len(got) > 1 else 0.0
        rates.append((days - 1) / span if span > 0 else 0.0)
        advanced.append(days)
    return {"rates": rates, "advanced": advanced, "cpu": cpu, "wall": wall}


async def _step_latency(page: Page, others: list[Page], steps: int) -> list[float]:
    """Step clicks on ``page`` (paused, its run reset) while ``others`` play."""
    await page.click("bs-play")  # pause it (the others play on)
    await asyncio.sleep(0.5)
    if page.day >= page.last_of - steps - 1:
        await page.click("bs-reset")
        await page.wait_day(0, timeout=120)
    out = []
    for _ in range(steps):
        day = page.day
        t = time.perf_counter()
        await page.click("bs-step")
        out.append(await page.wait_day(day + 1, timeout=120) - t)
    return out


async def _measure(counts: list[int], seconds: float, workers: int, steps: int) -> list[dict]:
    token = new_token()
    proc, origin, folder = start_class_demo("bordersim-ws-load-", max(counts) + 4, workers, token)
    rows, pages = [], []
    try:
        await asyncio.to_thread(wait_ready, proc, origin + "/", 180.0)
        await asyncio.sleep(1.0)
        procs = _tree(proc.pid)
        base = _rss(procs)
        first = None
        for n in counts:
            while len(pages) < n:
                page = Page(origin, f"/instructor?token={token}" if not pages else "/")
                await page.open()
                pages.append(page)
            procs = _tree(proc.pid)
            window = await _play_window(pages, seconds, procs)
            rss = _rss(procs)
            latency = await _step_latency(pages[-1], pages[:-1], steps) if n > 1 else []
            for p in pages[:-1] if latency else pages:  # pause the pages still playing (the timed one
                if p.day < p.last_of:  # is paused already; a finished run stops by itself)
                    await p.click("bs-play")
            first = (n, rss) if first is None else first
            days = sum(window["advanced"])
            rows.append({
                "pages": n, "workers": workers, "instructor_rate": window["rates"][0],
                "min_rate": min(window["rates"]), "mean_rate": statistics.mean(window["rates"]),
                "server_cores": window["cpu"] / window["wall"],
                "cpu_ms_per_page_day": 1000 * window["cpu"] / max(days, 1),
                "rss_mb": rss / 2**20, "mb_first": (first[1] - base) / 2**20 / first[0],
                "mb_per_session": (rss - first[1]) / 2**20 / (n - first[0]) if n > first[0] else None,
                "step_p50_ms": 1000 * statistics.median(latency) if latency else None,
                "step_p95_ms": 1000 * sorted(latency)[int(0.95 * (len(latency) - 1))] if latency else None,
                "load_after": os.getloadavg()[0],
            })
            print(row_text(rows[-1]), flush=True)
            await asyncio.sleep(1.0)
    except Exception:
        log = (folder / "demo.log").read_text(errors="replace")[-3000:]
        print(f"the demo server's log (last 3000 characters):\n{log}", file=sys.stderr)
        raise
    finally:
        for p in pages:
            with contextlib.suppress(Exception):  # the server may be gone already
                await p.close()
        stop_demo(proc)
    return rows


HEADER = ("| workers | pages | days/s per page (min / mean) | instructor's page | server CPU per page-day "
          "| whole server | server memory | memory per added session | Step p50 / p95 | load after |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def row_text(r: dict) -> str:
    per = (f"{r['mb_first']:.0f} MB (first pages, with the caches)" if r["mb_per_session"] is None
           else f"{r['mb_per_session']:.1f} MB")
    step = "—" if r["step_p50_ms"] is None else f"{r['step_p50_ms']:.0f} / {r['step_p95_ms']:.0f} ms"
    return (f"| {r['workers']} | {r['pages']} | {r['min_rate']:.1f} / {r['mean_rate']:.1f} "
            f"| {r['instructor_rate']:.1f} | {r['cpu_ms_per_page_day']:.1f} ms "
            f"| {r['server_cores']:.2f} cores "
            f"| {r['rss_mb']:.0f} MB | {per} | {step} | {r['load_after']:.1f} |")


def table(runs: list[dict]) -> str:
    lines = [f"- `--workers {run['workers']}`: measured {run['machine']}." for run in runs]
    lines += ["", HEADER]
    for run in runs:
        lines += [row_text(r) for r in run["rows"]]
    return "\n".join(lines)


def write_doc(text: str, doc: Path = DOC) -> bool:
    pattern = re.compile(r"(<!-- classroom_ws:table -->\n)(.*?)(<!-- /classroom_ws:table -->)", re.DOTALL)
    old = doc.read_text(encoding="utf-8")
    if not pattern.search(old):
        return False
    doc.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(3), old), encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classroom_ws",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="a run each (default 1 2)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--steps", type=int, default=10, help="Step clicks timed per count")
    parser.add_argument("--quick", action="store_true", help="2 pages, 3 s, one worker: the driver works")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--doc", action="store_true", help="write the table into docs/performance.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages, args.workers, args.seconds, args.steps = [2], [1], 3.0, 3
    runs = []
    print(HEADER, flush=True)
    for workers in args.workers:
        load = os.getloadavg()[0]
        rows = asyncio.run(_measure(sorted(args.pages), args.seconds, workers, args.steps))
        m = machine_info(ROOT)
        runs.append({"workers": workers, "load_before": load, "rows": rows, "machine_info": m,
                     "machine": (f"{m['date']} on {m['cpu_model']} ({m['usable_cores']} cores usable, "
                                 f"{m['memory_gb']} GB), Python {m['python']}, "
                                 f"commit {m['bordersim_commit']}; "
                                 f"load average {load:.1f} before the run")})
    out = args.out or (RESULTS.with_name("classroom_ws_quick.json") if args.quick else RESULTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    if args.doc and not args.quick and write_doc(table(runs)):
        print(f"rewrote the classroom_ws table in {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
