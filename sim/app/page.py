"""The classroom demo in the browser: a Solara app over the Mesa model.

Start it with ``bordersim demo`` (offline, loopback only) or ``solara run sim/app/page.py``.
Each browser session holds its own models (state lives in the ``Page`` component via
``solara.use_reactive``/``use_memo``), so one student's reset never touches another's page.
Side by side, two copies of one scenario and seed step together and differ only in the channels
ticked for A and B.
"""

from __future__ import annotations

import contextlib
import threading
import time

import solara

from sim.app.server import go_offline

go_offline()  # also when started as `solara run sim/app/page.py`

# The model's libraries (Mesa, pandas, SciPy) load now, before any page thread runs: Solara and reacton
# look pandas up in sys.modules, and would find it half-imported while a page builds its first model.
import pandas  # noqa: E402, F401

import sim.model.model  # noqa: E402, F401
from sim.app.class_panel import ClassBoard, ClassCard  # noqa: E402
from sim.app.instructor import KeepToken, NotInstructor, page_role  # noqa: E402
from sim.app.layout import ChannelTable, RunButtons, Stage  # noqa: E402
from sim.app.playback import PlayTicket, ViewGate  # noqa: E402
from sim.app.session import FULL_MESSAGE, Session  # noqa: E402
from sim.app.state import (  # noqa: E402
    Setup,
    days_per_second,
    default_channels,
    default_setup,
    load_cached,
    parse_seed,
    scenario_entries,
    scheduled_openings,
)
from sim.errors import ScenarioError  # noqa: E402
from sim.scenario.catalog import project_root  # noqa: E402

DEFAULT_SCENARIO = "pockets_2018"
SPEEDS = [2, 4, 8, 15, 30]  # days per second
DEFAULT_SPEED = 8
CSS = """
.v-application { font-size: 18px; }
.v-application .v-label, .v-application input,
.v-application .v-select__selection { font-size: 18px !important; }
.v-application .v-btn { font-size: 17px !important; letter-spacing: 0; }
.v-application .v-card__title { font-size: 21px !important; }
.v-navigation-drawer { width: 380px !important; }
.bs-day { font-size: 30px; font-weight: 700; line-height: 1.2; }
.bs-small { font-size: 16px; color: #444; }
.bs-ch-row { align-items: center; min-height: 40px; }
.bs-ch-row .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.bs-ch-row .v-input__slot { margin-bottom: 0; }
.bs-ch-row .v-messages { display: none; }
.bs-ch-label { font-size: 18px; }
.bs-legend img { display: block; }
"""


def new_session() -> Session:
    """This page's session; its place is given back when the page's kernel closes (tab closed)."""
    session = Session()
    from solara.server.kernel_context import get_current_context

    with contextlib.suppress(RuntimeError):  # no kernel (a page rendered by a test): nothing to hook
        get_current_context().on_close(session.close)
    return session


@solara.component
def Page():
    router = solara.use_router()
    cookies = solara.lab.cookies.value or {}
    allowed, token = solara.use_memo(lambda: page_role(router.path, router.search, cookies), [])
    if allowed:
        Admitted(token)
    else:  # /instructor without the token: a clear page, no session, no place taken
        NotInstructor(CSS)


@solara.component
def Admitted(token: str | None):
    session: Session = solara.use_memo(new_session, [])
    if not session.admitted and session.closed is None:
        ClassFull(session.pool.capacity)
        return
    PageBody(session, token)


@solara.component
def ClassFull(capacity: int):
    solara.Style(CSS)
    solara.Title("bordersim: the class is full")
    with solara.Column(style={"padding": "40px"}, classes=["bs-full"]):
        solara.Text("The class is full", classes=["bs-day", "bs-full-title"])
        solara.Text(FULL_MESSAGE.format(n=capacity), style={"font-size": "20px", "max-width": "900px"})


@solara.component
def PageBody(session: Session, token: str | None = None):
    entries = solara.use_memo(lambda: scenario_entries(project_root()), [])
    by_name = {e.name: e for e in entries}
    first = DEFAULT_SCENARIO if DEFAULT_SCENARIO in by_name else (entries[0].name if entries else "")
    name = solara.use_reactive(first)
    seed_text = solara.use_reactive("1")
    seed_error = solara.use_reactive(None)
    compare = solara.use_reactive(True)
    channels = solara.use_reactive(None)  # (A, B) dicts of channel -> open
    request = solara.use_reactive((None, 0))  # (Setup to build, serial)
    view = solara.use_reactive(None)
    message = solara.use_reactive(None)
    pending = solara.use_reactive(False)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    step_lock = solara.use_memo(threading.Lock, [])
    gate = solara.use_memo(lambda: ViewGate(session), [session])  # sets `view` from any thread
    tickets = solara.use_memo(PlayTicket, [])  # which play loop is the current one
    question = solara.use_reactive(None)  # the class question this page started (instructor)
    closed = solara.use_reactive(False)  # whether the instructor stopped it
    student = solara.use_reactive(None)  # (question, replication) this page joined

    def scenario_of(key: str):
        if key not in by_name:  # only the listed scenarios, whatever a page sends
            return None, f"unknown scenario {key!r}"
        try:
            return load_cached(by_name[key].path), None
        except ScenarioError as err:
            return None, str(err)

    def setup_now(ch=None, cmp=None, seed=None) -> Setup | None:
        scenario, error = scenario_of(name.value)
        if scenario is None:
            message.set(error)
            return None
        ch = channels.value if ch is None else ch
        if ch is None:
            ch = (default_channels(scenario),) * 2
        cmp = compare.value if cmp is None else cmp
        seed = parse_seed(seed_text.value) if seed is None else seed
        return Setup(by_name[name.value].path, seed, cmp, tuple(tuple(side.items()) for side in ch))

    def apply(force: bool = False, **changes) -> None:
        """Build models for the page's settings now (day 0, or forced) or mark them pending."""
        try:
            setup = setup_now(**changes)
        except ValueError as err:
            seed_error.set(str(err))
            return
        if setup is None:
            return
        built = session.classroom.setup if session.classroom is not None else None
        if not force and setup == built:
            pending.set(False)
            return
        now = session.view()
        day = now.day if now is not None else 0
        if force or day == 0 or built is None:
            tickets.take()  # a play loop still running stops before it steps the new models
            playing.set(False)
            pending.set(False)
            request.set((setup, request.value[1] + 1))
        else:
            pending.set(True)

    def show() -> None:
        """Tell the page a build or the end of a run (a day alone goes to the widgets, not here)."""
        gate.refresh(view)

    def build() -> None:
        setup = request.value[0]
        if setup is None:
            scenario, error = scenario_of(name.value)
            if scenario is None:
                message.set(error)
                return
            setup = default_setup(scenario, by_name[name.value].path, seed=1, compare=compare.value)
            channels.set(tuple(dict(c) for c in setup.channels))
        error = session.rebuild(setup)
        message.set(error)
        if error is None:
            show()

    build_task = solara.lab.use_task(build, dependencies=[request.value[1]], prefer_threaded=True)

    def play() -> None:
        ticket = tickets.take()  # an older loop (paused and played within one sleep) stops
        generation = session.generation  # a Reset's new models are never stepped by this loop
        deadline = time.perf_counter()
        while playing.value and tickets.current(ticket):
            with step_lock:
                new = session.step(1, generation)
            if new is None:
                if session.classroom is not None and session.generation != generation:
                    generation = session.generation  # Play pressed while a Reset's build ran: play the new
                    continue  # models (a loop from before the Reset lost its ticket to it and stops above)
                freed()
                break
            show()
            deadline += 1.0 / days_per_second(speed.value, DEFAULT_SPEED)
            time.sleep(max(0.0, deadline - time.perf_counter()))
            deadline = max(deadline, time.perf_counter() - 0.5)  # do not race to catch up
        if tickets.current(ticket):  # a newer loop's Play is not ours to stop
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def freed() -> bool:
        """Whether the server freed this page's models (idle too long); says so on the page."""
        if session.closed is not None:
            message.set("This page was idle and the server freed its models: press Reset to start again.")
            playing.set(False)
            return True
        return False

    def on_step() -> None:
        with step_lock:
            session.step(1)
        show()
        freed()

    def on_scenario(key: str) -> None:
        scenario, error = scenario_of(key)
        if scenario is None:
            message.set(error)
            return
        name.set(key)
        ch = (default_channels(scenario),) * 2
        channels.set(ch)
        apply(force=True, ch=ch)

    def on_seed(text: str | None) -> None:
        seed_text.set(text or "")
        try:
            seed = parse_seed(text or "")
        except ValueError as err:
            seed_error.set(str(err))
            return
        seed_error.set(None)
        apply(seed=seed)

    def on_compare(value: bool) -> None:
        compare.set(value)
        apply(cmp=value)

    def on_channel(side: int, key: str, value: bool) -> None:
        ch = [dict(c) for c in channels.value]
        ch[side][key] = value
        if not compare.value:
            ch[1][key] = value
        channels.set(tuple(ch))
        apply(ch=ch)

    def on_start(q) -> None:
        question.set(q)
        closed.set(False)

    def on_join(q) -> str | None:
        joined = q.join()
        if joined is None:
            return "Every run of this class question is taken"
        replication, setup = joined
        session.class_run = (q, replication)
        tickets.take()
        playing.set(False)
        compare.set(True)
        channels.set(tuple(dict(side) for side in setup.channels))
        student.set((q, replication))
        request.set((setup, request.value[1] + 1))
        return None

    solara.Style(CSS)
    solara.Title("bordersim: instructor" if token else "bordersim classroom demo")
    if token is not None:
        KeepToken(token)
    if not entries:
        solara.Error(f"No scenarios found in {project_root() / 'scenarios'}")
        return
    busy = build_task.pending
    scenario, _ = scenario_of(name.value)
    with solara.AppBar():
        solara.AppBarTitle("bordersim · " + (scenario.title if scenario is not None else name.value))
    with solara.Sidebar():
        with solara.Card("Run"):
            RunButtons(view, playing, busy, on_step, lambda: apply(force=True))
            solara.Select("Speed (days per second)", values=SPEEDS, value=speed.value, on_value=speed.set)
        if scenario is not None:
            ClassCard(scenario, by_name[name.value].path, on_start, on_join, student.value, question.value,
                      token, closed.value)
        if student.value is None:  # a student's set-up is the class question's
            with solara.Card("Set-up"):
                solara.Select("Scenario", values=list(by_name), value=name.value, on_value=on_scenario,
                              classes=["bs-scenario"])
                solara.InputText("Seed (whole number)", value=seed_text.value, on_value=on_seed,
                                 error=seed_error.value or False, classes=["bs-seed"])
                solara.Switch(label="Side by side: A | B", value=compare.value, on_value=on_compare,
                              classes=["bs-compare"])
                if channels.value is not None:
                    ChannelTable(channels.value, compare.value, on_channel,
                                 scheduled_openings(scenario) if scenario is not None else {})
                    if compare.value and channels.value[0] == channels.value[1]:
                        solara.Info("A and B are the same: untick a channel in column B to see what it does.",
                                    dense=True)
                if pending.value:
                    solara.Warning("Settings changed: press Reset to start again with them.", dense=True)
                if scenario is not None:  # plain text: solara.Markdown would fetch KaTeX from a CDN
                    solara.Text(scenario.description, classes=["bs-small"], style={"padding": "0 12px"})
    with solara.Column(style={"padding": "8px 16px"}):
        if question.value is not None:
            ClassBoard(question.value, None, token, closed.value, lambda: closed.set(True))
        elif student.value is not None:
            ClassBoard(student.value[0], student.value[1])
        Stage(view, busy, message.value, session)


@solara.component
def Layout(children=[]):  # noqa: B006 -- Solara's signature for a layout
    """Solara's app layout without its navigation tabs (the routes are one page for two roles)."""
    return solara.AppLayout(children=children, navigation=False)


#: The students' page and the instructor's (``/instructor?token=...``, sim.app.instructor) are one page.
routes = [solara.Route(path="/", component=Page, layout=Layout),
          solara.Route(path="instructor", component=Page)]
