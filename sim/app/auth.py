"""Who may change what the class shares: the instructor's secret, and a bound on join attempts.

As Jupyter does it: ``bordersim demo`` makes a secret token (``secrets.token_urlsafe``) unless one is
given (``--token`` or ``BORDERSIM_INSTRUCTOR_TOKEN``, so tests and a second run can set it) and prints
the instructor's address with it, ``http://127.0.0.1:8765/instructor?token=...``. The token reaches
the server's processes through their environment. A page opened with it shows the instructor's
controls and keeps the token in a cookie (so a reload stays the instructor's) while the address bar
is cleaned (the projector does not show it). Everything that changes what the class shares -- start
or stop a question, export its results -- takes the token and checks it here, on the server, with a
constant-time comparison: a student's page has no token, whatever its browser sends.

Join codes are short (4 characters of 25, 390,625 codes), so a client may try only ``JOIN_ATTEMPTS``
of them per ``JOIN_WINDOW`` seconds: guessing a live code would take weeks.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import deque
from urllib.parse import parse_qs

#: The environment variable holding the token for the server's processes (and for tests).
TOKEN_ENV = "BORDERSIM_INSTRUCTOR_TOKEN"
#: The cookie an instructor's page keeps the token in (set by the page, read by the server).
COOKIE = "bordersim_instructor"
#: The instructor's page (``/instructor?token=...``).
INSTRUCTOR_PATH = "/instructor"
#: What a page without the token gets at ``/instructor`` (the front server's page and the app's).
NOT_INSTRUCTOR_TITLE = "This is the instructor's page"
NOT_INSTRUCTOR_TEXT = ("It opens only with the address `bordersim demo` printed for the instructor (it "
                       "carries a secret token). Students: open the class page (the same address without "
                       "/instructor) and join with the code on the projector.")
#: Join attempts a client may make in ``JOIN_WINDOW`` seconds.
JOIN_ATTEMPTS = 8
JOIN_WINDOW = 60.0


class NotInstructor(PermissionError):
    """A request to change what the class shares without the instructor's token."""

    def __init__(self) -> None:
        super().__init__("only the instructor's page (the address bordersim demo printed) may do this")


def new_token() -> str:
    """A fresh secret: 32 URL-safe characters (192 random bits), never starting with "-", so that it can
    be given back as ``--token SECRET`` (a leading "-" would read as an option: one token in 64)."""
    while (token := secrets.token_urlsafe(24)).startswith("-"):
        pass
    return token


def expected_token() -> str | None:
    """The server's token (from its environment), or None when the server has none (nobody is instructor)."""
    return os.environ.get(TOKEN_ENV) or None


def is_instructor(token: str | None) -> bool:
    """Whether ``token`` is the server's (a constant-time comparison)."""
    expected = expected_token()
    if not expected or not token or not isinstance(token, str):
        return False
    return hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode("utf-8"))


def require(token: str | None) -> None:
    """Raise :class:`NotInstructor` unless ``token`` is the server's."""
    if not is_instructor(token):
        raise NotInstructor()


def token_in(search: str | None, cookies: dict | None = None) -> str | None:
    """The token a page or request carries: ``token=`` in its query string, else the cookie."""
    if search:
        found = parse_qs(search.lstrip("?")).get("token")
        if found:
            return found[0]
    if cookies:
        value = cookies.get(COOKIE)
        return value if isinstance(value, str) and value else None
    return None


def instructor_url(host: str, port: int, token: str) -> str:
    return f"http://{host}:{port}{INSTRUCTOR_PATH}?token={token}"


class JoinLimiter:
    """At most ``attempts`` failed join attempts per client in any ``window`` seconds (a sliding window).

    Only wrong codes count: a class joining at once from behind one address is not slowed, a guesser is.
    """

    def __init__(self, attempts: int, window: float = JOIN_WINDOW):
        self.attempts, self.window = attempts, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _times(self, client: str, now: float) -> deque[float]:
        if len(self._seen) > 10_000:  # forget clients quiet for a window (bounded memory)
            self._seen = {k: q for k, q in self._seen.items() if q and now - q[-1] < self.window}
        times = self._seen.setdefault(client, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def wait(self, client: str, now: float | None = None) -> float:
        """Seconds ``client`` must wait before its next attempt (0: it may try now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times(client, now)
            return self.window - (now - times[0]) if len(times) >= self.attempts else 0.0

    def failed(self, client: str, now: float | None = None) -> None:
        """Count a wrong code against ``client``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._times(client, now).append(now)


#: Wrong codes a page may type per window, and all the pages of one address together (a school's proxy
#: may put a whole class behind one address: 60 a minute still makes guessing a code take days).
JOIN_PER_PAGE = JOIN_ATTEMPTS
JOIN_PER_ADDRESS = 60


class JoinGate:
    """The server process's bound on join attempts, per page and per address."""

    def __init__(self, per_page: int = JOIN_PER_PAGE, per_address: int = JOIN_PER_ADDRESS,
                 window: float = JOIN_WINDOW):
        self.page, self.address = JoinLimiter(per_page, window), JoinLimiter(per_address, window)

    def wait(self, page: str, address: str, now: float | None = None) -> float:
        return max(self.page.wait(page, now), self.address.wait(address, now))

    def failed(self, page: str, address: str, now: float | None = None) -> None:
        self.page.failed(page, now)
        self.address.failed(address, now)


#: The server process's gate (one per process: a page is on one process of ``--workers``).
joins = JoinGate()
