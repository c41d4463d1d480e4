"""How the page's threads (build, play, Step clicks) tell the page what to show, without races.

Three threads may want to update one page at once: the build of a Reset, the play loop and a Step
click. Two races used to leave a page stuck:

- the page's ``view`` (which enables Play and Step) was checked against the session and then set,
  unlocked: a play thread that had just shown the last day of the old models could set that stale,
  finished view after a Reset had shown day 0 of the new ones. The maps (fed by the session) said
  "Day 0" while Play and Step stayed disabled for good. :class:`ViewGate` reads the session's
  current view and sets it under one lock, so the last writer always writes the newest state.
- a play loop only looked at ``playing``: paused and played again within one sleep, the old loop
  carried on beside the new one (two steps a tick), and its end could stop the new one. A loop
  holds a :class:`PlayTicket`; a newer Play or a Reset ends it.
"""

from __future__ import annotations

import threading


class ViewGate:
    """Sets a page's view reactive to its session's current view, from any thread."""

    def __init__(self, session):
        self.session = session
        self._lock = threading.Lock()

    def refresh(self, view) -> None:
        """Show the session's state now if its build or its end differs from what ``view`` holds.

        Reading the session and setting ``view`` happen under one lock: whichever thread comes last
        sets the newest state (the session's generation and day only grow), never an older one.
        """
        with self._lock:
            new = self.session.view()
            if new is None:
                return
            old = view.value
            if old is None or old.generation != new.generation or old.finished != new.finished:
                view.set(new)


class PlayTicket:
    """Which play loop of a page is the current one: each Play (and each Reset) takes a new number."""

    def __init__(self):
        self._lock = threading.Lock()
        self._serial = 0

    def take(self) -> int:
        """A new number; every loop holding an older one stops at its next day."""
        with self._lock:
            self._serial += 1
            return self._serial

    def current(self, ticket: int) -> bool:
        with self._lock:
            return ticket == self._serial
