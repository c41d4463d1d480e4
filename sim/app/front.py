"""``bordersim demo --workers N``: the class spread over N server processes, the instructor's first.

One Solara server is one Python process, and Python runs one thread at a time: a class on one process
uses one core. With ``--workers N`` the demo starts N Solara servers (``sim.app.server.serve``, the
same page) on free ports of the same ``--host``, and a small front server (stdlib ``http.server``) on
``--port`` that answers every visitor with a redirect to a worker's own port, on the host name the
visitor used. The browser then talks to that worker directly (its websocket too), and a reload stays
on it.

- ``/instructor`` with the instructor's token (``?token=`` or the cookie, ``sim.app.auth``) goes to
  worker 0, which serves only the instructor (a few places) at normal OS priority; without a valid
  token the front answers a plain page saying so (403), and worker 0 shows a page without the token
  nothing but that message, so a student never takes the instructor's process. The students' workers
  (every other path, 1..N-1) run at ``nice`` +``STUDENT_NICE`` (where the system has it): when the
  class saturates the cores, the kernel gives the instructor's process the CPU first.
- A student goes to the students' worker holding the fewest pages: each worker writes its count to a
  status file whenever a page takes or gives back its place (``sim.app.session.Places``); visitors sent
  in the last ``PENDING_SECONDS`` count too (a page takes a moment to connect).
- Class mode works across the workers through the class folder (``sim.app.class_question``).

The students' browsers must reach the workers' ports: on a school network (``--host 0.0.0.0``) the
firewall must let in the ports printed at start, not only ``--port``.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sim.app.auth import INSTRUCTOR_PATH, NOT_INSTRUCTOR_TEXT, NOT_INSTRUCTOR_TITLE, is_instructor, token_in

#: How much lower the students' workers run than the instructor's (``nice`` increment, 0-19).
STUDENT_NICE = 10
#: Pages the instructor's worker holds (the projector, a spare tab).
INSTRUCTOR_PLACES = 4
#: A visitor sent to a worker counts against it this long, until its page has taken its place.
PENDING_SECONDS = 15.0
NOT_INSTRUCTOR_HTML = ("<!doctype html><html><head><meta charset='utf-8'><title>bordersim: instructor only"
                       "</title></head><body style='font: 20px sans-serif; padding: 40px'>"
                       f"<h1 class='bs-not-instructor'>{NOT_INSTRUCTOR_TITLE}</h1>"
                       f"<p>{NOT_INSTRUCTOR_TEXT}</p></body></html>")
#: More processes than this is a typo, not a classroom.
MAX_WORKERS = 64


def default_workers(cores: int | None = None) -> int:
    """1 on a machine of 1-2 cores (one process, as before), else one per core but one."""
    cores = (os.cpu_count() or 1) if cores is None else cores
    return 1 if cores <= 2 else cores - 1


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host.strip("[]"), 0))
        return sock.getsockname()[1]


class Worker:
    """One Solara server process and what the front server knows of it."""

    def __init__(self, index: int, port: int, status: Path, capacity: int, nice: int):
        self.index, self.port, self.status, self.capacity, self.nice = index, port, status, capacity, nice
        self.proc: subprocess.Popen | None = None
        self.sent: list[float] = []  # when visitors were sent here

    def start(self, host: str, options: list[str], log) -> None:
        env = dict(os.environ, BORDERSIM_WORKER_STATUS=str(self.status), BORDERSIM_NICE=str(self.nice),
                   BORDERSIM_INSTRUCTOR_WORKER="1" if self.index == 0 else "")
        cmd = [sys.executable, "-m", "sim.cli", "demo", "--workers", "1", "--host", host,
               "--port", str(self.port), "--max-sessions", str(self.capacity), *options]
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)

    def load(self, now: float) -> float:
        """Pages it holds plus visitors sent in the last PENDING_SECONDS."""
        try:
            held = json.loads(self.status.read_text(encoding="utf-8"))["sessions"]
        except (OSError, ValueError, KeyError):
            held = 0
        self.sent = [t for t in self.sent if now - t < PENDING_SECONDS]
        return held + len(self.sent)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def pick(workers: list[Worker], now: float) -> Worker:
    """The live worker with the least load (the first on a tie); it is charged with the visitor."""
    live = [w for w in workers if w.alive] or workers
    best = min(live, key=lambda w: (w.load(now), w.index))
    best.sent.append(now)
    return best


def redirect_host(host_header: str | None, fallback: str) -> str:
    """The host name the visitor used (without its port), for the worker's address."""
    if not host_header:
        return fallback
    if host_header.startswith("["):
        return host_header[: host_header.index("]") + 1]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def make_handler(instructor: Worker, students: list[Worker], fallback: str):
    lock = threading.Lock()

    class Front(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 -- http.server's name
            path, _, search = self.path.partition("?")
            teacher = path.rstrip("/") == INSTRUCTOR_PATH
            token = token_in(search, request_cookies(self.headers.get("Cookie")))
            if teacher and not is_instructor(token):
                body = NOT_INSTRUCTOR_HTML.encode("utf-8")
                self.send_response(403)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            with lock:
                worker = instructor if teacher else pick(students, time.monotonic())
            target = f"http://{redirect_host(self.headers.get('Host'), fallback)}:{worker.port}/"
            if teacher:
                target += f"{INSTRUCTOR_PATH.lstrip('/')}?token={urllib.parse.quote(token)}"
            self.send_response(303)
            self.send_header("Location", target)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # quiet: a class makes hundreds of visits
            pass

    return Front


def request_cookies(header: str | None) -> dict[str, str]:
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    try:
        jar.load(header or "")
    except Exception:  # noqa: BLE001 -- a malformed Cookie header is no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


def wait_ready(workers: list[Worker], host: str, timeout: float = 180.0) -> str | None:
    """Poll every worker until it answers; returns why not, or None."""
    probe = "127.0.0.1" if host in ("0.0.0.0", "::") else host.strip("[]")
    probe = f"[{probe}]" if ":" in probe else probe
    deadline = time.monotonic() + timeout
    for w in workers:
        while True:
            if not w.alive:
                return f"worker {w.index} exited with status {w.proc.returncode}"
            try:
                with urllib.request.urlopen(f"http://{probe}:{w.port}/", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                return f"worker {w.index} did not answer within {timeout:.0f} s"
            time.sleep(0.5)
    return None


def serve_workers(host: str, port: int, workers: int, *, max_sessions: int, idle_minutes: float,
                  tab_grace: float, class_dir: str) -> int:
    """Run the front server and ``workers`` Solara servers until interrupted; returns an exit status."""
    from sim.app.server import _url_host, outbound_guard, print_instructor

    sys.addaudithook(outbound_guard(host))
    state = Path(tempfile.mkdtemp(prefix="bordersim-workers-"))
    options = ["--idle-minutes", f"{idle_minutes:g}", "--tab-grace", f"{tab_grace:g}",
               "--class-dir", str(Path(class_dir).resolve())]  # one class folder for every worker
    per_student = math.ceil(max_sessions / (workers - 1))
    pool = [Worker(0, free_port(host), state / "0.json", INSTRUCTOR_PLACES, 0)]
    pool += [Worker(i, free_port(host), state / f"{i}.json", per_student, STUDENT_NICE)
             for i in range(1, workers)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the workers too
    server = None
    try:
        with open(state / "workers.log", "ab") as log:
            for w in pool:
                w.start(host, options, log)
        problem = wait_ready(pool, host)
        if problem:
            print(f"bordersim: {problem}; its log: {state / 'workers.log'}", file=sys.stderr, flush=True)
            return 1
        handler = make_handler(pool[0], pool[1:], _url_host(host))
        server = ThreadingHTTPServer((host.strip("[]"), port), handler)
        url = f"http://{_url_host(host)}:{port}"
        print(f"bordersim demo: {workers} worker processes (ports {', '.join(str(w.port) for w in pool)}); "
              f"students open {url} (Ctrl+C stops it)", flush=True)
        print_instructor(host, port)
        server.serve_forever()
    except KeyboardInterrupt:
        print("bordersim demo: stopped", flush=True)
    finally:
        if server is not None:
            server.server_close()
        for w in pool:
            if w.alive:
                w.proc.terminate()
        for w in pool:
            if w.proc is not None:
                try:
                    w.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
    return 0
