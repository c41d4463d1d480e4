"""Presentational pieces of the demo page; they read a View and call back, holding no state.

The ``view`` reactive changes on a build and at the end of a run, not each day: a day of play goes
straight to the browser-drawn widgets (``Live``), so no component re-renders while the page plays.
"""

from __future__ import annotations

from functools import partial

import solara

from sim.app.record_panel import RecordPanel
from sim.app.state import SIDES, channel_label
from sim.app.widgets import ChartView, MapView

CHART_HEIGHT = "290px"


@solara.component
def RunButtons(view: solara.Reactive, playing: solara.Reactive[bool], busy: bool, on_step, on_reset):
    """Reset, Step and Play/Pause."""
    finished = view.value is None or view.value.finished
    with solara.Row(gap="8px"):
        solara.Button("Reset", icon_name="mdi-restart", on_click=on_reset, disabled=busy,
                      color="primary", outlined=True, classes=["bs-reset"])
        solara.Button("Step", icon_name="mdi-skip-next", on_click=on_step,
                      disabled=busy or playing.value or finished, color="primary", classes=["bs-step"])
        solara.Button("Pause" if playing.value else "Play",
                      icon_name="mdi-pause" if playing.value else "mdi-play",
                      on_click=lambda: playing.set(not playing.value),
                      disabled=busy or (finished and not playing.value), color="primary",
                      classes=["bs-play"])


@solara.component
def ChannelTable(channels, compare: bool, on_channel, scheduled: dict | None = None):
    """One checkbox per channel, or one per channel and side (columns A and B); ``scheduled``: channels
    the scenario opens on a later day (ticked: on that day; unticked: never)."""
    scheduled = scheduled or {}

    def label(key: str) -> str:
        return channel_label(key) + (f" (from day {scheduled[key]})" if key in scheduled else "")

    solara.Text("Coordination channels (ticked = open)", classes=["bs-small"])
    if compare:
        with solara.Row(gap="0px", classes=["bs-ch-row"]):
            for side in SIDES:
                solara.Text(side, style={"flex": "0 0 40px", "font-weight": "700", "text-align": "center"})
    for key in channels[0]:
        with solara.Row(gap="0px", classes=["bs-ch-row"]):
            for side in range(2 if compare else 1):
                with solara.Div(classes=[f"bs-ch-{SIDES[side]}-{key}"],
                                style={"flex": "0 0 40px"} if compare else {}):
                    solara.Checkbox(label=None if compare else label(key),
                                    value=bool(channels[side][key]), on_value=partial(on_channel, side, key))
            if compare:
                solara.Text(label(key), classes=["bs-ch-label"], style={"padding-left": "6px"})


@solara.component
def DayBanner(view, busy: bool, message: str | None):
    """What the page has to say: building, the end of the run, errors (the day itself is on the map)."""
    if busy:
        solara.Text("Building the models…", classes=["bs-small", "bs-busy"])
        solara.ProgressLinear(True)
    if view is not None and view.finished:
        solara.Info("End of the scenario: press Reset to run it again.", dense=True, classes=["bs-end"])
    if message:
        solara.Error(message, classes=["bs-message"])


@solara.component
def Live(session, legend: bytes | None):
    """The maps (with the day in large type) and the charts: browser-drawn widgets the session feeds."""
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}, gap="12px"):
        with solara.Div(style={"flex": "1 1 auto", "min-width": "0"}):
            map_el = MapView.element()
        if legend is not None:
            with solara.Div(classes=["bs-legend"], style={"flex": "0 0 auto", "padding-top": "96px"}):
                solara.Image(legend, format="png")
    chart_el = ChartView.element(height=CHART_HEIGHT)

    def attach():
        session.attach(solara.get_widget(map_el), solara.get_widget(chart_el))
        return lambda: session.attach(None, None)

    solara.use_effect(attach, [session])


@solara.component
def Stage(view: solara.Reactive, busy: bool, message: str | None, session):
    """Messages, then the live maps and charts."""
    DayBanner(view.value, busy, message)
    Live(session, session.legend_png)
    RecordPanel(session.classroom, view.value is not None and view.value.finished)  # sim/app/record_panel.py
