"""One browser session's models and map pictures, and the snapshot the page shows.

A :class:`Session` is created per page (``solara.use_memo`` in ``sim.app.Page``); nothing here is
shared between sessions except read-only caches (scenarios, the legend picture).
"""

from __future__ import annotations

import io
import textwrap
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

from sim.app.charts import events_chart, fighters_chart, pocket_chart
from sim.app.state import Classroom, Setup, build_classroom, load_cached
from sim.render.animate import MapFrames

#: One map picture is 740 x 710 pixels: a small figure at high dpi keeps the labels large on screen.
MAP_FIGSIZE = (7.4, 7.1)
MAP_DPI = 100
TITLE_WIDTH = 58
#: Pages one server keeps models for at once (about 30 MB each); a closed tab frees its place.
MAX_SESSIONS = 40
_live: weakref.WeakSet = weakref.WeakSet()
_live_lock = threading.Lock()


@dataclass(frozen=True)
class View:
    """What the page shows after a build or a step; immutable, so it can cross threads."""

    generation: int  # which build of the session's models it shows
    day: int
    days: int
    date: str
    finished: bool
    titles: tuple[str, ...]
    maps: tuple[bytes, ...]  # JPEG
    charts: tuple[dict, dict, dict]


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


class Session:
    """The models of one page and their map renderers; steps are serialised by a lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.classroom: Classroom | None = None
        self.frames: list[MapFrames] = []
        self.titles: tuple[str, ...] = ()
        self.legend_png: bytes | None = None
        self.generation = 0

    def rebuild(self, setup: Setup) -> str | None:
        """Build new models for ``setup``; returns a message instead when that fails."""
        with _live_lock:
            if self not in _live and len(_live) >= MAX_SESSIONS:
                return (f"The demo is already running models for {MAX_SESSIONS} pages; close a tab "
                        "(or wait ten minutes for closed ones to be freed) and press Reset.")
            _live.add(self)
        classroom, error = build_classroom(setup)
        if classroom is None:
            return error
        paired = len(classroom.sides) > 1
        titles = tuple(map_title(s.key, s.label, paired) for s in classroom.sides)
        frames = [
            MapFrames(s.model, title=t, legend=False, figsize=MAP_FIGSIZE, dpi=MAP_DPI)
            for s, t in zip(classroom.sides, titles, strict=True)
        ]
        legend = legend_png(setup.path)
        with self.lock:
            self.classroom, self.frames, self.titles, self.legend_png = classroom, frames, titles, legend
            self.generation += 1
        return None

    def view(self) -> View | None:
        with self.lock:
            c = self.classroom
            if c is None:
                return None
            pockets = {key: p.label for key, p in c.scenario.pockets.items()}
            return View(
                generation=self.generation,
                day=c.day,
                days=c.days,
                date=f"{c.date:%d %B %Y}",
                finished=c.finished,
                titles=self.titles,
                maps=tuple(f.jpeg(s.model) for f, s in zip(self.frames, c.sides, strict=True)),
                charts=(
                    pocket_chart(c.sides, pockets, c.days),
                    fighters_chart(c.sides, c.days),
                    events_chart(c.sides, c.days),
                ),
            )

    def step(self, days: int = 1) -> View | None:
        """Advance every model together; None when there is nothing to step."""
        with self.lock:
            if self.classroom is None or self.classroom.step(days) == 0:
                return None
            return self.view()
