"""The page's two live widgets, fed by numbered messages: the map pair and the charts.

Both are ipyvue templates (``mapview.vue``, ``chartview.vue``): the browser draws, the server sends
data. A widget keeps the last state it was given; when its browser view appears (or misses a message)
the view says ``hello`` and gets that whole state, after which each day is a small numbered delta.
The sender never waits for the browser: a slow page only misses deltas and asks for the whole state.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ipyvuetify as v
import traitlets

from sim.app.mapframe import encode_side

HERE = Path(__file__).parent


class _Feed(v.VuetifyTemplate):
    """A template widget whose state goes to the browser as messages (whole, then numbered deltas)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._feed_lock = threading.Lock()
        self._ready = False
        self._seq = 0

    def _post(self, message: dict) -> None:
        self._seq += 1
        message["seq"] = self._seq
        self.send({"method": "frame", "args": [message]})

    def _full(self, asked: dict) -> dict | None:
        raise NotImplementedError

    def vue_hello(self, data=None) -> None:
        """The browser view is there (or lost a message): send it everything it shows."""
        with self._feed_lock:
            self._ready = True
            message = self._full(data if isinstance(data, dict) else {})
            if message is not None:
                self._post(message)


class MapView(_Feed):
    """Maps A and B (or one map) and the day banner; zoom and pan happen in the browser."""

    template_file = str(HERE / "mapview.vue")
    # a dummy trait so ipyvue knows the template is loaded; all data goes through messages
    kind = traitlets.Unicode("bordersim-map").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._base: dict | None = None
        self._titles: list[str] = []
        self._banner: dict = {}
        self._sides: list[dict] = []

    def _full(self, asked: dict) -> dict | None:
        if self._base is None:
            return None
        message = {"full": True, "base_id": self._base["id"], "titles": self._titles, "banner": self._banner,
                   "sides": [encode_side(s, None) for s in self._sides]}
        if asked.get("base_id") != self._base["id"]:
            message["base"] = self._base
        return message

    def show(self, base: dict, titles: list[str], banner: dict, sides: list[dict], fresh: bool) -> None:
        """A new day (``fresh``: new models, maybe a new scenario) for the page's maps."""
        with self._feed_lock:
            before = self._sides
            new_base = self._base is None or self._base["id"] != base["id"]
            self._base, self._titles, self._banner, self._sides = base, list(titles), banner, sides
            if not self._ready:
                return
            if fresh or new_base or len(before) != len(sides):
                message = self._full({"base_id": None if new_base else base["id"]})
            else:
                message = {"banner": banner,
                           "sides": [encode_side(s, b) for s, b in zip(sides, before, strict=True)]}
            self._post(message)


class ChartView(_Feed):
    """The three charts (ECharts, loaded from the server's own copy); a day appends a point per line."""

    template_file = str(HERE / "chartview.vue")
    height = traitlets.Unicode("290px").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._options: list[dict] | None = None

    def _full(self, asked: dict) -> dict | None:
        if self._options is None:
            return None
        return {"full": True, "options": self._options}

    def reset(self, options: list[dict]) -> None:
        """Whole charts (new models)."""
        with self._feed_lock:
            self._options = options
            if self._ready:
                self._post(self._full({}))

    def append(self, tail: list[list[list]]) -> None:
        """Per chart, per line, the points of the new days."""
        with self._feed_lock:
            if self._options is None:
                return
            for option, lines in zip(self._options, tail, strict=True):
                for series, new in zip(option["series"], lines, strict=True):
                    series["data"] = series["data"] + new  # a new list: messages already sent keep theirs
            if self._ready:
                self._post({"points": tail})
