"""One browser session's models, what it sends its page, and the places the server has for sessions.

A :class:`Session` is created per page (``solara.use_memo`` in ``sim.app.page.Page``); nothing here is
shared between sessions except read-only caches (scenarios, map bases, the legend picture) and the
:class:`Places` that bound how many sessions the server runs at once.

A day of play costs the server the models' step and a few dozen numbers per widget: the maps and
charts are drawn by the browser (``sim.app.widgets``).
"""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

from sim.app.charts import chart_options, chart_tail
from sim.app.mapframe import map_base, side_day
from sim.app.record_panel import marker_days, with_markers
from sim.app.state import Classroom, Setup, build_classroom, load_cached

TITLE_WIDTH = 58
MAP_DPI = 100
#: Sessions one server runs at once (``bordersim demo --max-sessions``); a closed tab frees its place.
MAX_SESSIONS = int(os.environ.get("BORDERSIM_MAX_SESSIONS", "40"))
#: A session untouched this long has its models freed (``bordersim demo --idle-minutes``).
IDLE_SECONDS = float(os.environ.get("BORDERSIM_IDLE_MINUTES", "20")) * 60.0
#: Where a worker of ``bordersim demo --workers`` tells the front server how many pages it holds.
STATUS_FILE = os.environ.get("BORDERSIM_WORKER_STATUS")
FULL_MESSAGE = ("The class is full: this server already runs {n} pages (its limit). Close a tab you no "
                "longer use, or ask the instructor to start the demo with a higher --max-sessions.")


@dataclass(frozen=True)
class View:
    """What the page's Solara part shows; it changes on a build and at the end, not every day."""

    generation: int  # which build of the session's models it shows
    day: int
    days: int
    date: str
    finished: bool


def map_title(key: str, label: str, paired: bool) -> str:
    text = f"{key}: {label}" if paired else f"Channels {label}"
    return "\n".join(textwrap.wrap(text, TITLE_WIDTH)[:2])


_legend_lock = threading.Lock()


@lru_cache(maxsize=16)
def _legend_for(path: str) -> bytes:
    from sim import BorderModel
    from sim.render import draw_map

    model = BorderModel(scenario=load_cached(path), rng=0)
    fig = draw_map(model)
    fig.set_dpi(MAP_DPI)
    fig.canvas.draw()
    box = fig.axes[0].get_legend().get_window_extent().padded(6)
    pixels = np.asarray(fig.canvas.buffer_rgba())
    height = pixels.shape[0]
    y0, y1 = max(0, int(height - box.y1)), min(height, int(height - box.y0))
    x0, x1 = max(0, int(box.x0)), min(pixels.shape[1], int(box.x1))
    buf = io.BytesIO()
    Image.fromarray(pixels[y0:y1, x0:x1]).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def legend_png(path: str) -> bytes:
    """The map legend of a scenario, cut out of a full ``draw_map`` picture (cached)."""
    with _legend_lock:
        return _legend_for(path)


class Places:
    """At most ``capacity`` sessions hold models at once; the rest get the "class is full" page."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def take(self, session: Session) -> bool:
        with self._lock:
            if id(session) in self._held:
                return True
            if len(self._held) >= self.capacity:
                return False
            self._held.add(id(session))
            self._report()
            return True

    def release(self, session: Session) -> None:
        with self._lock:
            self._held.discard(id(session))
            self._report()

    def _report(self) -> None:
        """The server's places in its status file (a worker of the front server, sim/app/front.py)."""
        if self is places and STATUS_FILE:
            from sim.outputs import write_json

            write_json(STATUS_FILE, {"sessions": len(self._held), "capacity": self.capacity})

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)


places = Places(MAX_SESSIONS)
_sessions: set[Session] = set()  # every session holding a place (for the idle sweep)
_sessions_lock = threading.Lock()


def free_idle(now: float | None = None, idle: float | None = None) -> int:
    """Free the models of sessions untouched for ``idle`` seconds; returns how many were freed."""
    now = time.monotonic() if now is None else now
    idle = IDLE_SECONDS if idle is None else idle
    with _sessions_lock:
        stale = [s for s in _sessions if now - s.touched > idle]
    for session in stale:
        session.close(reason="idle")
    return len(stale)


def _idle_sweeper() -> None:
    while True:
        time.sleep(min(60.0, max(1.0, IDLE_SECONDS / 4)))
        free_idle()


_sweeper = threading.Thread(target=_idle_sweeper, name="bordersim-idle", daemon=True)


class Session:
    """The models of one page, the widgets that show them, and its place on the server."""

    def __init__(self, pool: Places | None = None):
        self.lock = threading.RLock()
        self.pool = places if pool is None else pool
        self.classroom: Classroom | None = None
        self.titles: tuple[str, ...] = ()
        self.legend_png: bytes | None = None
        self.generation = 0
        self.closed: str | None = None  # why the models were freed ("idle", "closed"), if they were
        self.touched = time.monotonic()
        self.mapview = None  # sim.app.widgets.MapView, attached by the page
        self.charts = None  # sim.app.widgets.ChartView
        self.class_run: tuple | None = None  # (Question, replication) when the page joined a class
        self.admitted = self._take()

    def _take(self) -> bool:
        if not self.pool.take(self):
            return False
        with _sessions_lock:
            _sessions.add(self)
        if self.pool is places and not _sweeper.is_alive():
            with contextlib.suppress(RuntimeError):  # started meanwhile by another session
                _sweeper.start()
        return True

    def close(self, reason: str = "closed") -> None:
        """Free the models and the place (tab closed, or idle); the page keeps its last picture."""
        with self.lock:
            self.classroom = None
            self.closed = reason
            self.admitted = False
        with _sessions_lock:
            _sessions.discard(self)
        self.pool.release(self)

    def attach(self, mapview, charts) -> None:
        """The page's widgets; they get the current state at once."""
        with self.lock:
            self.mapview, self.charts = mapview, charts
            if self.classroom is not None:
                self._send(fresh=True)

    def rebuild(self, setup: Setup) -> str | None:
        """Build new models for ``setup``; returns a message instead when that fails."""
        self.touched = time.monotonic()
        if not self.admitted:
            if not self._take():
                return FULL_MESSAGE.format(n=self.pool.capacity)
            self.admitted, self.closed = True, None
        classroom, error = build_classroom(setup)
        if classroom is None:
            return error
        paired = len(classroom.sides) > 1
        titles = tuple(map_title(s.key, s.label, paired) for s in classroom.sides)
        legend = legend_png(setup.path)
        map_base(setup.path)  # built (once per scenario) before the lock: a page's steps never wait for it
        with self.lock:
            self.classroom, self.titles, self.legend_png = classroom, titles, legend
            self.generation += 1
            self._send(fresh=True)
        return None

    def view(self) -> View | None:
        with self.lock:
            c = self.classroom
            if c is None:
                return None
            return View(self.generation, c.day, c.days, f"{c.date:%d %B %Y}", c.finished)

    def _banner(self) -> dict:
        c = self.classroom
        return {"day": f"Day {c.day} of {c.days}", "date": f"{c.date:%d %B %Y}"}

    def _pockets(self) -> dict[str, str]:
        return {key: p.label for key, p in self.classroom.scenario.pockets.items()}

    def _send(self, fresh: bool, start: int = 0) -> None:
        """Give the widgets the current day: everything (``fresh``) or the rows from ``start``."""
        c = self.classroom
        if self.mapview is not None:
            self.mapview.show(map_base(c.setup.path), list(self.titles), self._banner(),
                              [side_day(s.model) for s in c.sides], fresh)
        if self.charts is not None:
            if fresh:
                options = chart_options(c.sides, self._pockets(), c.days)
                self.charts.reset(with_markers(options, marker_days(c.scenario)))  # the record's dates
            else:
                self.charts.append(chart_tail(c.sides, self._pockets(), start))

    def step(self, days: int = 1, generation: int | None = None) -> View | None:
        """Advance every model together and send the new days; None when there is nothing to step,
        or when the models are no longer those of ``generation`` (a play loop started before a Reset)."""
        self.touched = time.monotonic()
        with self.lock:
            c = self.classroom
            if c is None or (generation is not None and generation != self.generation):
                return None
            start = len(c.sides[0].rows)
            if c.step(days) == 0:
                return None
            self._send(fresh=False, start=start)
            if c.finished and self.class_run is not None:
                question, replication = self.class_run
                question.finish(replication, c)  # the student's dot (stored once)
            return self.view()
