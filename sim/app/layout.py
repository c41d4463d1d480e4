"""Presentational pieces of the demo page; they read a View and call back, holding no state.

Only the components that read the ``view`` reactive (RunButtons, Stage) re-render on each day of
play; the page around them, with its sidebar, stays as it is.
"""

from __future__ import annotations

from functools import partial

import solara

from sim.app.state import SIDES, channel_label

CHART_HEIGHT = "290px"
MAP_MAX_WIDTH = "780px"


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
def ChannelTable(channels, compare: bool, on_channel):
    """One checkbox per channel, or one per channel and side (columns A and B)."""
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
                    solara.Checkbox(label=None if compare else channel_label(key),
                                    value=bool(channels[side][key]), on_value=partial(on_channel, side, key))
            if compare:
                solara.Text(channel_label(key), classes=["bs-ch-label"], style={"padding-left": "6px"})


@solara.component
def DayBanner(view, busy: bool, message: str | None):
    """Day and date in large type, and whatever the page has to say."""
    with solara.Row(style={"align-items": "center"}, gap="24px"):
        if view is not None:
            solara.Text(f"Day {view.day} of {view.days}", classes=["bs-day", "bs-day-number"])
            solara.Text(view.date, classes=["bs-day", "bs-date"])
        if busy:
            solara.Text("Building the models…", classes=["bs-small", "bs-busy"])
    if busy:
        solara.ProgressLinear(True)
    if view is not None and view.finished:
        solara.Info("End of the scenario: press Reset to run it again.", dense=True)
    if message:
        solara.Error(message, classes=["bs-message"])


@solara.component
def Maps(view, legend: bytes | None):
    """One map per side, and the shared legend on the right."""
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}, gap="12px"):
        for i, jpeg in enumerate(view.maps):
            with solara.Div(classes=["bs-map", f"bs-map-{SIDES[i]}"],
                            style={"flex": "1 1 0", "min-width": "0", "max-width": MAP_MAX_WIDTH}):
                solara.Image(jpeg, format="jpeg")
        if legend is not None:
            with solara.Div(classes=["bs-legend"], style={"flex": "0 0 auto"}):
                solara.Image(legend, format="png")


@solara.component
def Stage(view: solara.Reactive, busy: bool, message: str | None, legend: bytes | None):
    """Everything that changes with the day: banner, maps, plots."""
    current = view.value
    DayBanner(current, busy, message)
    if current is not None:
        Maps(current, legend)
        Charts(current)


@solara.component
def Charts(view):
    """Pocket areas, ISIS fighters, raids and incidents, drawn by ECharts in the browser."""
    with solara.Row(style={"flex-wrap": "nowrap"}, gap="12px"):
        for i, option in enumerate(view.charts):
            with solara.Div(classes=["bs-chart", f"bs-chart-{i}"], style={"flex": "1 1 0", "min-width": "0"}):
                solara.FigureEcharts(option=option, responsive=True,
                                     attributes={"style": f"height: {CHART_HEIGHT}; width: 100%;"})
