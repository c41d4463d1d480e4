"""Serve the classroom demo (sim/app/page.py) with Solara, with nothing leaving the machine.

Solara's defaults reach out in three ways: usage telemetry, a version check against the package
index, and a server-side proxy that fetches any front-end file missing from its local cache
(solara-assets ships them) from a public CDN. All three are switched off here, so the demo runs
in a classroom without internet and a missing file fails loudly instead of being fetched. As a
last guard, the server process refuses (and reports) any connection or name lookup that is not
for this machine, whatever library attempts it.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

APP_FILE = Path(__file__).with_name("page.py")
#: Environment for the Solara server; set before Solara reads its settings at import.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # telemetry is off: no user id either (Solara would write one to the home folder under a file lock,
    # which waits for ever on a stale lock file where the system has no fcntl)
    "SOLARA_TELEMETRY_SERVER_USER_ID": "bordersim-offline",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "bordersim classroom demo",
    # a page that lost its connection keeps its models a minute (a reload continues), not Solara's day
    "SOLARA_KERNEL_CULL_TIMEOUT": "60s",
}
CDN_BLOCKED_MESSAGE = "bordersim demo: front-end file {url!r} is not bundled; refusing to fetch it"
OUTBOUND_MESSAGE = "bordersim demo: refused an outbound {what} to {target!r}"

log = logging.getLogger("bordersim.demo")


def is_loopback(host: str) -> bool:
    """True for localhost and addresses in 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen_problem(host: str, port: int) -> str | None:
    """Why the demo could not listen on ``host``:``port`` (in use, not an address of this machine,
    unknown name), or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use; pick another with --port"
            reason = exc.strerror or str(exc)
            return f"cannot listen on {host}: {reason} (--host must be an address of this machine)"
    return None


def _refuse_cdn(url: str) -> bytes:
    message = CDN_BLOCKED_MESSAGE.format(url=url)
    print(message, file=sys.stderr, flush=True)
    raise RuntimeError(message)


def outbound_guard(own_host: str = "127.0.0.1"):
    """An audit hook refusing connections and lookups of hosts other than this machine.

    Loopback, the unspecified address and the host the server listens on are allowed.
    """
    allowed = {own_host.strip("[]").lower(), "0.0.0.0", "::", ""}

    def local(host) -> bool:
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        host = str(host).strip("[]").lower()
        return host in allowed or is_loopback(host)

    def hook(event: str, args: tuple) -> None:
        if event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple) and address and not local(address[0]):
                _refuse("connection", address[0])
        elif event == "socket.getaddrinfo" and args[0] is not None and not local(args[0]):
            _refuse("name lookup", args[0])

    return hook


def _refuse(what: str, target) -> None:
    message = OUTBOUND_MESSAGE.format(what=what, target=target)
    print(message, file=sys.stderr, flush=True)
    raise ConnectionRefusedError(message)


def go_offline() -> None:
    """Set Solara's environment and stop its CDN proxy from fetching; call before serving."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as settings

    settings.telemetry.mixpanel_enable = False
    cdn_helper.fetch_from_cdn = _refuse_cdn


def serve(host: str = "127.0.0.1", port: int = 8765, *, max_sessions: int = 40, idle_minutes: float = 20.0,
          tab_grace: float = 60.0, class_dir: str = "classes") -> int:
    """Run the demo server in this process until interrupted; returns an exit status.

    The limits reach the page (imported later, by Solara) through its environment.
    """
    os.environ.update({"BORDERSIM_MAX_SESSIONS": str(max_sessions),
                       "BORDERSIM_IDLE_MINUTES": str(idle_minutes), "BORDERSIM_CLASS_DIR": class_dir,
                       "SOLARA_KERNEL_CULL_TIMEOUT": f"{tab_grace:g}s"})
    go_offline()
    sys.addaudithook(outbound_guard(host))
    if os.environ.get("BORDERSIM_WORKER_STATUS"):  # a worker of sim/app/front.py
        lower_priority(int(os.environ.get("BORDERSIM_NICE", "0")))  # the students' workers yield
        _exit_with_parent()
    # plain http on a classroom address: Solara falls back to samesite=lax cookies, which is right
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    from solara.__main__ import cli

    args = [
        "run", str(APP_FILE), "--host", host, "--port", str(port), "--production",
        "--no-open", "--no-check-version", "--log-level", "warning",
    ]
    print(f"bordersim demo: open http://{_url_host(host)}:{port} in a browser (Ctrl+C stops it)", flush=True)
    if not os.environ.get("BORDERSIM_WORKER_STATUS"):
        print_instructor(host, port)
    import click

    try:
        cli.main(args=args, prog_name="bordersim demo", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl+C: click turns it into Abort
        print("bordersim demo: stopped", flush=True)
    return 0


def print_instructor(host: str, port: int) -> None:
    """The instructor's address with the token (the only way to the instructor's controls)."""
    from sim.app.auth import expected_token, instructor_url

    token = expected_token()
    if token:
        print(f"bordersim demo: the instructor's page (keep this address to yourself): "
              f"{instructor_url(_url_host(host), port, token)}", flush=True)


def lower_priority(increment: int) -> bool:
    """Run this process ``increment`` steps lower (``os.nice``); False where the system has no nice
    (Windows): the worker then runs at the instructor's priority."""
    if increment <= 0 or not hasattr(os, "nice"):
        return False
    try:
        os.nice(increment)
    except OSError:
        return False
    return True


def _exit_with_parent() -> None:
    """A worker ends when its front server is gone (even killed), not leaving a server behind."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2.0)
        os._exit(0)

    threading.Thread(target=watch, name="bordersim-parent", daemon=True).start()


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
