"""The demo's rules without a browser: seeds, bounds, paired stepping, sessions, charts, offline."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from sim.app.charts import add_totals, chart_options, chart_tail
from sim.app.mapframe import image_order
from sim.app.server import is_loopback
from sim.app.session import Places, Session, free_idle, map_title
from sim.app.state import (
    MAX_MODELS,
    SEED_MAX,
    Classroom,
    Setup,
    build_classroom,
    default_setup,
    load_cached,
    parse_seed,
    scenario_entries,
    side_label,
)
from sim.app.widgets import ChartView, MapView

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


def setup_for(path: str, seed: int = 3, compare: bool = True, **b_changes) -> Setup:
    base = default_setup(load_cached(path), path, seed=seed, compare=compare)
    a, b = (dict(side) for side in base.channels)
    b.update(b_changes)
    return Setup(path, seed, compare, (tuple(a.items()), tuple(b.items())))


@pytest.mark.parametrize("text, value", [("0", 0), (" 42 ", 42), ("+7", 7), (str(SEED_MAX), SEED_MAX)])
def test_parse_seed_accepts_whole_numbers(text, value):
    assert parse_seed(text) == value


@pytest.mark.parametrize("text", ["", "abc", "-1", "1.5", "1e3", str(SEED_MAX + 1), "9" * 400, "１２"])
def test_parse_seed_rejects_with_a_message(text):
    with pytest.raises(ValueError, match="[Ss]eed"):
        parse_seed(text)


@pytest.mark.parametrize("host, loop", [("127.0.0.1", True), ("127.3.2.1", True), ("localhost", True),
                                        ("::1", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                        ("example.org", False)])
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop


def test_shipped_scenarios_are_listed():
    names = [e.name for e in scenario_entries(ROOT)]
    assert "pockets_2018" in names


def test_side_label_names_what_differs(tiny):
    scenario = load_cached(tiny)
    channels = scenario.channels.as_dict()
    assert side_label(scenario, channels) == "as in the scenario"
    channels["deconfliction"] = not channels["deconfliction"]
    assert "deconfliction" in side_label(scenario, channels)
    assert map_title("B", "x " * 80, paired=True).count("\n") <= 1


def test_pair_shares_scenario_and_seed_and_differs_only_in_channels(tiny):
    room = Classroom(setup_for(tiny, deconfliction=False))
    assert len(room.sides) == MAX_MODELS
    a, b = (s.model for s in room.sides)
    assert a.seed == b.seed == 3
    assert a.scenario.channels.deconfliction is True and b.scenario.channels.deconfliction is False
    others = [k for k in a.scenario.channels.as_dict() if k != "deconfliction"]
    assert all(getattr(a.scenario.channels, k) == getattr(b.scenario.channels, k) for k in others)
    assert room.sides[1].label != room.sides[0].label


def test_models_step_together_and_stop_at_the_last_day(tiny):
    room = Classroom(setup_for(tiny, compare=True))
    assert room.step(2) == 2 and room.day == 2
    assert [s.model.steps for s in room.sides] == [2, 2]
    assert room.step(100) == room.days - 2
    assert room.finished and room.step(1) == 0
    assert all(len(s.rows) == room.days + 1 for s in room.sides)


def test_identical_sides_give_identical_rows(tiny):
    room = Classroom(setup_for(tiny))
    room.step(4)
    assert room.sides[0].rows == room.sides[1].rows


def test_single_mode_runs_one_model(tiny):
    assert len(Classroom(setup_for(tiny, compare=False)).sides) == 1


def test_bad_scenario_gives_a_message_not_an_exception(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: [unclosed\n", encoding="utf-8")
    room, message = build_classroom(Setup(str(bad), 1, False, ((), ())))
    assert room is None and message and "\n" not in message.strip()


def test_sessions_are_independent(tiny):
    one, two = Session(), Session()
    assert one.rebuild(setup_for(tiny)) is None and two.rebuild(setup_for(tiny)) is None
    one.step(3)
    assert one.view().day == 3 and two.view().day == 0
    two.rebuild(setup_for(tiny))
    assert one.view().day == 3


def test_server_bounds_the_number_of_sessions_and_a_closed_one_frees_its_place(tiny):
    pool = Places(2)
    first, second = Session(pool), Session(pool)
    assert first.admitted and second.admitted and len(pool) == 2
    late = Session(pool)
    assert not late.admitted
    message = late.rebuild(setup_for(tiny))
    assert message and "class is full" in message and late.classroom is None
    assert first.rebuild(setup_for(tiny)) is None  # a page already served keeps working
    first.close()  # its tab closed
    assert first.classroom is None and len(pool) == 1
    assert late.rebuild(setup_for(tiny)) is None and late.admitted  # the freed place is taken
    assert first.rebuild(setup_for(tiny)).startswith("The class is full")


def test_idle_sessions_are_freed(tiny):
    pool = Places(3)
    busy, idle = Session(pool), Session(pool)
    for s in (busy, idle):
        assert s.rebuild(setup_for(tiny)) is None
    idle.touched -= 100
    assert free_idle(idle=50) >= 1
    assert idle.classroom is None and idle.closed == "idle" and busy.classroom is not None
    assert len(pool) == 1 and idle.step(1) is None
    assert idle.rebuild(setup_for(tiny)) is None and idle.closed is None  # Reset takes a place again


class Sent(list):
    """What a widget sent its browser view (the messages, in order)."""

    def __call__(self, content, buffers=None):
        self.append(json.loads(json.dumps(content["args"][0])))  # as the browser gets it


def browser_control(message, before):
    """The browser's side of a map message: the control codes it shows after applying it."""
    if "control" in message:
        return np.frombuffer(base64.b64decode(message["control"]), dtype=np.uint8).copy()
    codes = before.copy()
    idx, values = message["changed"]
    codes[idx] = values
    return codes


def test_map_sends_the_whole_state_once_then_only_what_changed(tiny):
    session = Session(Places(1))
    mapview, charts = MapView(), ChartView()
    sent, chart_sent = Sent(), Sent()
    mapview.send, charts.send = sent, chart_sent
    session.attach(mapview, charts)
    session.rebuild(setup_for(tiny, deconfliction=False))
    assert sent == [] and chart_sent == []  # nothing before the browser view says hello
    mapview.vue_hello({"base_id": None})
    charts.vue_hello({})
    first = sent[-1]
    assert first["full"] and first["base"]["id"] == first["base_id"] and len(first["sides"]) == 2
    assert "deconfliction line off" in first["titles"][1] and first["banner"]["day"] == "Day 0 of 8"
    shown = [browser_control(s, None) for s in first["sides"]]
    for day in (1, 2, 3):
        session.step(1)
        delta = sent[-1]
        assert not delta.get("full") and delta["seq"] == sent[-2]["seq"] + 1 and "base" not in delta
        assert delta["banner"]["day"] == f"Day {day} of 8"
        shown = [browser_control(s, b) for s, b in zip(delta["sides"], shown, strict=True)]
        for codes, side in zip(shown, session.classroom.sides, strict=True):
            assert np.array_equal(codes, image_order(side.model.control))  # the page shows the model's day
            assert all("control" not in s for s in delta["sides"])
    agents = sent[-1]["sides"][0]["agents"]
    assert agents and all(len(a) == 4 and a[3] > 0 for a in agents)
    mapview.vue_hello({"base_id": first["base_id"]})  # a view that lost a message: all again, not the base
    assert sent[-1]["full"] and "base" not in sent[-1]
    # the charts: appended days give what a freshly opened page gets
    c = session.classroom
    fresh = chart_options(c.sides, {k: p.label for k, p in c.scenario.pockets.items()}, c.days)
    assert chart_sent[0]["full"] and [m.get("points") is not None for m in chart_sent[1:]] == [True] * 3
    assert charts._options == json.loads(json.dumps(fresh))


def test_charts_count_events_cumulatively(tiny):
    room = Classroom(setup_for(tiny, compare=False))
    rows, previous = [], None
    for d in range(3):
        previous = add_totals({"day": d, "raids": 1.0, "incidents": 2.0, "isis_fighters": 10.0}, previous)
        rows.append(previous)
    room.sides[0].rows = rows
    areas, fighters, events = chart_options(room.sides, {}, 6)
    raids, incidents = events["series"]
    assert [y for _, y in raids["data"]] == [1, 2, 3] and [y for _, y in incidents["data"]] == [2, 4, 6]
    assert fighters["xAxis"]["max"] == 6 and areas["series"] == []
    assert chart_tail(room.sides, {}, 2)[2] == [[[2, 3.0]], [[2, 6.0]]]


@pytest.mark.parametrize("event, args", [("socket.connect", (None, ("93.184.215.14", 443))),
                                         ("socket.connect", (None, ("2606:4700::1", 443, 0, 0))),
                                         ("socket.getaddrinfo", ("cdn.jsdelivr.net", 443, 0, 1, 0)),
                                         ("socket.getaddrinfo", (b"pypi.org", 443, 0, 1, 0))])
def test_outbound_connections_are_refused(event, args):
    from sim.app.server import outbound_guard

    with pytest.raises(ConnectionRefusedError, match="outbound"):
        outbound_guard()(event, args)


@pytest.mark.parametrize("event, args", [("socket.connect", (None, ("127.0.0.1", 8765))),
                                         ("socket.connect", (None, "/run/some.sock")),
                                         ("socket.getaddrinfo", ("localhost", 80, 0, 1, 0)),
                                         ("socket.getaddrinfo", ("0.0.0.0", 80, 0, 1, 0)),
                                         ("socket.getaddrinfo", ("192.168.1.5", 80, 0, 1, 0)),
                                         ("open", ("/etc/hosts", "r", 0))])
def test_local_connections_pass(event, args):
    from sim.app.server import outbound_guard

    assert outbound_guard("192.168.1.5")(event, args) is None  # a refusal raises


def test_offline_mode_refuses_cdn_fetches(monkeypatch):
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as settings

    from sim.app.server import go_offline

    monkeypatch.setattr(cdn_helper, "fetch_from_cdn", cdn_helper.fetch_from_cdn)
    monkeypatch.setattr(settings.telemetry, "mixpanel_enable", True)
    go_offline()
    assert settings.telemetry.mixpanel_enable is False
    with pytest.raises(RuntimeError, match="not bundled"):
        cdn_helper.fetch_from_cdn("https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css")


def test_a_box_of_a_channel_the_scenario_opens_later_means_from_that_day_or_never():
    """resurgence_2020 opens coalition support on day 25: ticked (the default) keeps that day, unticked is
    Iraq without the coalition the whole run (A and B used to be identical: both unticked on day 0)."""
    from sim.app.state import Setup, default_channels, scheduled_openings, side_changes, side_label

    path = str(ROOT / "scenarios" / "resurgence_2020.yaml")
    scenario = load_cached(path)
    assert scheduled_openings(scenario) == {"coalition_support": 25}
    boxes = default_channels(scenario)
    assert boxes["coalition_support"] and not scenario.channels.as_dict()["coalition_support"]
    assert "events" not in side_changes(scenario, boxes)
    b = dict(boxes, coalition_support=False)
    assert side_changes(scenario, b)["events"] == []
    assert side_label(scenario, boxes) == "as in the scenario"
    assert side_label(scenario, b) == "Coalition support off"
    a_side, b_side = (tuple(x.items()) for x in (boxes, b))
    room = Classroom(Setup(path, 3, True, (a_side, b_side), days=60))
    room.step(60)
    a, b = (s.model for s in room.sides)
    assert a.scenario.channels.coalition_support and not b.scenario.channels.coalition_support  # day 60
    # identical until the coalition returns on day 25 (the event applies as that day starts); then the
    # coalition strikes on A's side once it finds targets (on this seed from day 33), never on B's
    rows_a, rows_b = room.sides[0].rows, room.sides[1].rows
    assert rows_a[:25] == rows_b[:25]
    assert sum(r["strikes_coalition"] for r in rows_a if r["day"] < 25) == 0
    assert sum(r["strikes_coalition"] for r in rows_a) > 0
    assert sum(r["strikes_coalition"] for r in rows_b) == 0
    assert sum(r["strikes"] for r in rows_a) > sum(r["strikes"] for r in rows_b)
