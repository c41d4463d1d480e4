"""Drive the demo in Debian's chromium: shared by the browser tests and the docs screenshot.

``python -m sim.app_browser docs/img/demo.png`` starts ``bordersim demo`` on a free loopback port,
opens it with every request off this machine blocked, sets up a side-by-side comparison
(deconfliction line closed on side B), plays a few weeks and saves a screenshot.
Playwright is a development dependency and is imported only here; no browser is ever downloaded.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1920, "height": 1080}
#: Vuetify draws a ripple over its checkboxes; clicks go to it.
RIPPLE = ".v-input--selection-controls__ripple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(port: int, log: Path, cwd: Path | None = None, *options: str) -> subprocess.Popen:
    """``bordersim demo --port PORT [OPTIONS]`` in a child process, its output going to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "sim.cli", "demo", "--port", str(port), *options],
                                stdout=out, stderr=subprocess.STDOUT, cwd=cwd)


def start_class_demo(prefix: str, sessions: int, workers: int, token: str):
    """A demo for a load benchmark in a fresh folder (its log and class folder inside): returns
    (process, origin, folder); ``sessions`` is its --max-sessions."""
    import tempfile

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    proc = start_demo(port, folder / "demo.log", None, "--class-dir", str(folder / "classes"),
                      "--max-sessions", str(sessions), "--workers", str(workers), f"--token={token}")
    return proc, f"http://127.0.0.1:{port}", folder


def wait_ready(proc: subprocess.Popen, url: str, timeout: float = 90.0) -> None:
    """Poll ``url`` until it answers 200; raise if the server dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the demo server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the demo server did not answer at {url} within {timeout:.0f} s")


def stop_demo(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def launch(playwright):
    """Debian's chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def block_outside(page, origin: str) -> list[str]:
    """Abort every request not to ``origin``; returns the URLs blocked (and outside websockets seen)."""
    blocked: list[str] = []
    host = origin.split("://", 1)[1]
    machine = host.rsplit(":", 1)[0] + ":"  # any port of the demo's host (the workers of --workers)

    def route(r):
        url = r.request.url
        if url.split("://", 1)[-1].startswith((host + "/", machine)) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)

    def websocket(ws):  # routes do not see websockets: record any that leaves the machine
        if not ws.url.split("://", 1)[-1].startswith((host + "/", machine)):
            blocked.append(ws.url)

    page.on("websocket", websocket)
    return blocked


def open_demo(context, origin: str, timeout_ms: int = 90_000, path: str = "/"):
    """A new page on the demo, offline; waits for the first map. Returns (page, blocked, failed).

    ``bordersim demo --workers`` redirects the page to a worker's port on the same host, which is allowed."""
    page = context.new_page()
    blocked = block_outside(page, origin)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    page.goto(origin + path)
    page.wait_for_selector(".bs-map-A canvas", timeout=timeout_ms)
    page.wait_for_function("document.querySelector('.bs-day-number')?.textContent.startsWith('Day')",
                           timeout=timeout_ms)
    return page, blocked, failed


def day_shown(page) -> int:
    text = page.inner_text(".bs-day-number")  # "Day 12 of 180"
    return int(text.split()[1])


def wait_day(page, day: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while day_shown(page) != day:
        if time.monotonic() > deadline:
            raise TimeoutError(f"page shows day {day_shown(page)}, expected {day}")
        time.sleep(0.1)


def map_src(page, side: str) -> str:
    """The map's current picture (a data URL of the canvas the browser draws it on)."""
    return page.eval_on_selector(f".bs-map-{side} canvas", "c => c.toDataURL()")


def wait_map_change(page, side: str, old: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while (new := map_src(page, side)) == old:
        if time.monotonic() > deadline:
            raise TimeoutError(f"map {side} did not change within {timeout:.0f} s")
        time.sleep(0.1)
    return new


def screenshot(out: Path, days: int = 45) -> list[str]:
    """Save the side-by-side view after ``days`` days of play; returns any blocked requests."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="bordersim-shot-")) / "demo.log"
    proc = start_demo(port, log)
    try:
        wait_ready(proc, origin)
        with sync_playwright() as p:
            browser = launch(p)
            page, blocked, _ = open_demo(browser.new_context(viewport=VIEWPORT), origin)
            page.click(".bs-ch-B-deconfliction " + RIPPLE)
            page.wait_for_selector("text=B: US–Russia deconfliction line off", timeout=30_000)
            page.click(".bs-play")
            while day_shown(page) < days:
                time.sleep(0.2)
            page.click(".bs-play")
            time.sleep(1.0)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        stop_demo(proc)
        log.unlink(missing_ok=True)
        log.parent.rmdir()
    return blocked


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/demo.png")
    outside = screenshot(target)
    print(f"screenshot written to {target}; requests blocked: {len(outside)}")
