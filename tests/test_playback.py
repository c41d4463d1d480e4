"""The page's threads (Reset's build, the play loop, Step) never leave it showing an older state.

Regression for the load benchmark's stuck page: after a Reset the maps said "Day 0" but Play and Step
stayed disabled, because a play thread set the old models' finished view after the Reset's new one.
"""

from __future__ import annotations

import threading
import time

from sim.app.playback import PlayTicket, ViewGate
from sim.app.session import Places, Session
from sim.app.state import default_setup, load_cached


class Slot:
    """Holds a view like a Solara reactive; the first read of ``value`` by a thread named ``hold``
    waits for ``go``: the moment a stale writer is between reading and writing."""

    def __init__(self, value):
        self._value = value
        self.reached, self.go = threading.Event(), threading.Event()

    @property
    def value(self):
        if threading.current_thread().name == "hold" and not self.reached.is_set():
            self.reached.set()
            self.go.wait(5)
        return self._value

    def set(self, value) -> None:
        self._value = value


def test_a_reset_is_never_overwritten_by_the_end_of_the_old_run(tiny):
    session = Session(Places(1))
    setup = default_setup(load_cached(tiny), tiny)
    assert session.rebuild(setup) is None
    slot = Slot(session.view())
    session.step(100)
    assert session.view().finished
    gate = ViewGate(session)
    old_run = threading.Thread(target=gate.refresh, args=(slot,), name="hold")  # the play loop's last day
    old_run.start()
    assert slot.reached.wait(5)
    assert session.rebuild(setup) is None  # Reset meanwhile: new models at day 0
    reset = threading.Thread(target=gate.refresh, args=(slot,))
    reset.start()
    time.sleep(0.2)  # without the gate's lock, the Reset's view is set now and then overwritten
    slot.go.set()
    old_run.join(5)
    reset.join(5)
    assert slot.value == session.view()
    assert slot.value.day == 0 and not slot.value.finished and slot.value.generation == 2
    session.close()


def test_a_play_loop_from_before_a_reset_does_not_step_the_new_models(tiny):
    session = Session(Places(1))
    setup = default_setup(load_cached(tiny), tiny)
    session.rebuild(setup)
    started = session.generation
    assert session.step(1, started).day == 1
    session.rebuild(setup)
    assert session.step(1, started) is None and session.view().day == 0
    assert session.step(1, session.generation).day == 1
    session.close()


def test_a_newer_play_ends_the_older_loop():
    tickets = PlayTicket()
    first = tickets.take()
    assert tickets.current(first)
    second = tickets.take()
    assert not tickets.current(first) and tickets.current(second)
