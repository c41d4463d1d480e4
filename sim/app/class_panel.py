"""Class mode on the page: start a question (instructor), join it with a code (students), the live board.

The rules (codes, seeds, storing runs as a sweep) are in ``sim.app.class_question``; this module only
shows them. A board polls its question once a second from its own page's thread, so one page never
renders on another's behalf. Only a page holding the instructor's token (``token``) shows the start and
stop controls and the downloads, and the functions they call check that token again on the
server; a student's page only joins, a bounded number of wrong codes a minute (``sim.app.auth``).
"""

from __future__ import annotations

import math
import time
from functools import partial

import solara

from sim.app.auth import joins
from sim.app.class_question import OUTCOMES, Question, find, start_question
from sim.app.instructor import client_keys
from sim.render.style import OKABE_ITO

DAY_CHOICES = ["30", "60", "90", "120", "the scenario's"]
POLL_SECONDS = 1.0


@solara.component
def ClassCard(scenario, path: str, on_start, on_join, student: tuple | None, question: Question | None,
              token: str | None, closed: bool):
    """The sidebar card: start a question (the instructor's page) or join one with its code (students)."""
    channel = solara.use_reactive(next(iter(scenario.channels.as_dict())))
    outcome = solara.use_reactive(next(iter(OUTCOMES)))
    days = solara.use_reactive(DAY_CHOICES[1])
    code = solara.use_reactive("")
    error = solara.use_reactive(None)
    with solara.Card("Class", classes=["bs-class-card"]):
        if student is not None:
            q, r = student
            solara.Text(f"You joined class question {q.code}: {q.title}. You are run {r + 1}; press Play. "
                        "When your run ends, your dot joins the class chart.", classes=["bs-small"])
            return
        if token is not None:
            if question is None or closed:
                solara.Text("Start a class question: every student runs A (with the channel) against B "
                            "(without), each with their own seed.", classes=["bs-small"])
                solara.Select("Channel", values=list(scenario.channels.as_dict()), value=channel.value,
                              on_value=channel.set, classes=["bs-class-channel"])
                solara.Select("Compare", values=list(OUTCOMES), value=outcome.value, on_value=outcome.set)
                solara.Select("Days", values=DAY_CHOICES, value=days.value, on_value=days.set,
                              classes=["bs-class-days"])

                def start():
                    n = None if not days.value.isdigit() else int(days.value)
                    on_start(start_question(path, channel.value, outcome.value, days=n, token=token))

                solara.Button("Start class question", on_click=start, color="primary",
                              classes=["bs-class-start"])
            else:
                solara.Text(f"Class question {question.code} is open: students join with its code.",
                            classes=["bs-small"])
            return
        solara.Text("Join a class: type the code on the projector.", classes=["bs-small"])
        solara.InputText("Join code", value=code.value, on_value=code.set, continuous_update=True,
                         error=error.value or False, classes=["bs-join-code"])

        def join():
            page, address = client_keys()
            wait = joins.wait(page, address)
            if wait > 0:
                error.set(f"Too many wrong codes: try again in {math.ceil(wait)} s")
                return
            q = find(code.value)
            if q is None:
                joins.failed(page, address)
                error.set(f"No class question has the code {code.value.strip().upper()[:8]!r}")
                return
            if q.closed:
                error.set(f"Class question {q.code} is closed: the instructor stopped it")
                return
            error.set(on_join(q))

        solara.Button("Join", on_click=join, color="primary", outlined=True, classes=["bs-join"])


def board_option(question: Question, own: int | None) -> dict:
    """The class chart: one dot per finished student, the running mean and its 95 % interval."""
    dots = question.dots()
    n, mean, lo, hi = question.summary()
    data = [{"value": [i + 1, round(d, 2)],
             "itemStyle": {"color": OKABE_ITO["vermillion"] if r == own else OKABE_ITO["blue"]},
             "symbolSize": 22 if r == own else 14}
            for i, (r, d) in enumerate(dots)]
    series = [{"type": "scatter", "name": "students", "data": data}]
    if n:
        top = max(n, 5) + 1
        series.append({"type": "line", "name": "mean", "showSymbol": False, "data": [[0, mean], [top, mean]],
                       "lineStyle": {"width": 3, "color": "#000"},
                       "markArea": {"silent": True, "itemStyle": {"color": "rgba(0,114,178,0.15)"},
                                    "data": [[{"yAxis": lo}, {"yAxis": hi}]] if n > 1 else []}})
        series.append({"type": "line", "name": "no difference", "showSymbol": False,
                       "data": [[0, 0], [top, 0]], "lineStyle": {"type": "dotted", "color": "#777"}})
    return {"animation": False,
            "title": {"text": f"A − B: {question.outcome_label}", "left": "center",
                      "textStyle": {"fontSize": 20}},
            "grid": {"left": 80, "right": 24, "top": 56, "bottom": 50},
            "xAxis": {"type": "value", "name": "student (in the order they finished)",
                      "nameLocation": "middle",
                      "nameGap": 30, "min": 0, "max": max(n, 5) + 1, "minInterval": 1,
                      "nameTextStyle": {"fontSize": 16}, "axisLabel": {"fontSize": 14}},
            "yAxis": {"type": "value", "scale": True, "axisLabel": {"fontSize": 14}},
            "series": series}


def summary_text(question: Question) -> str:
    n, mean, lo, hi = question.summary()
    if n == 0:
        return "No run has finished yet."
    text = f"{n} finished · mean A − B {mean:,.1f}"
    if n > 1 and not math.isnan(lo):
        text += f" · 95 % interval {lo:,.1f} to {hi:,.1f}"
        text += " (excludes zero)" if lo > 0 or hi < 0 else " (includes zero)"
    return text


def own_text(question: Question, own: int) -> str:
    """A student's own result, the large orange dot."""
    mine = dict(question.dots()).get(own)
    if mine is None:
        return "Your run has not finished yet: your dot appears (large, orange) when it does."
    return f"Your run: A − B = {mine:,.1f} (the large orange dot)."


@solara.component
def ClassBoard(question: Question, own: int | None, token: str | None = None, closed: bool = False,
               on_stop=None):
    """The live chart of a class question (the instructor's projector, or a student's own dot)."""
    instructor = token is not None
    seen = solara.use_reactive(len(question.dots()))
    alive = solara.use_memo(lambda: [True], [question])

    def watch():
        while alive[0]:
            time.sleep(POLL_SECONDS)
            n = len(question.dots())
            if n != seen.value:
                seen.set(n)

    solara.use_effect(lambda: partial(alive.__setitem__, 0, False), [question])
    solara.lab.use_task(watch, dependencies=[question.code], prefer_threaded=True)
    # read on every page, so every board re-renders when a dot arrives (a student's board read it only
    # behind `instructor and ...`, never subscribed, and kept saying "No run has finished yet")
    finished = seen.value
    with solara.Card(f"Class question {question.code}: {question.title}", classes=["bs-class-board"]):
        if instructor:
            with solara.Row(style={"align-items": "baseline"}, gap="24px"):
                solara.Text("Join code:", style={"font-size": "28px"})
                solara.Text(question.code, classes=["bs-join-code-shown"],
                            style={"font-size": "56px", "font-weight": "800", "letter-spacing": "8px"})
            if closed:
                solara.Text(f"Stopped: no new students. {question.joined()} joined.", classes=["bs-small"])
            else:
                solara.Text(f"Students: open this page, type the code under Class, press Join, then Play. "
                            f"{question.joined()} joined so far.", classes=["bs-small"])

                def stop():
                    question.stop(token)
                    if on_stop is not None:
                        on_stop()

                solara.Button("Stop class question", on_click=stop, color="primary", outlined=True,
                              classes=["bs-class-stop"])
        solara.FigureEcharts(option=board_option(question, own), attributes={"style": "height: 340px;"})
        solara.Text(summary_text(question), classes=["bs-class-summary"], style={"font-size": "20px"})
        if own is not None:
            solara.Text(own_text(question, own), classes=["bs-class-own"], style={"font-size": "18px"})
        if instructor and finished:
            def csv() -> bytes:
                return question.export(token)["results.csv"].read_bytes()

            def parquet() -> bytes:
                return question.export(token)["results.parquet"].read_bytes()

            with solara.Row():
                solara.FileDownload(csv, filename=f"class_{question.code}.csv",
                                    label="Download results (CSV)")
                solara.FileDownload(parquet, filename=f"class_{question.code}.parquet",
                                    label="Download results (Parquet)")
            solara.Text(f"Saved as a sweep in {question.folder}: bordersim report {question.folder}",
                        classes=["bs-small"])
