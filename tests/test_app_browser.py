"""The classroom demo in Debian's chromium: offline, per-session, side by side.

One ``bordersim demo`` server (a child process on a free loopback port) serves every test here;
each test opens its own browser context, i.e. its own session, with every request that is not
for the local server aborted.
"""

from __future__ import annotations

import time

import pytest
from browser import (
    CHROMIUM,
    RIPPLE,
    VIEWPORT,
    day_shown,
    free_port,
    launch,
    map_src,
    open_demo,
    start_demo,
    stop_demo,
    wait_day,
    wait_map_change,
    wait_ready,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium); no browser is downloaded"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev dependency) not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    proc = start_demo(port, log)
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}", log
    finally:
        stop_demo(proc)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def session(server, browser):
    """A fresh browser context (its own cookies, so its own Solara session) on the demo."""
    origin, log = server
    context = browser.new_context(viewport=VIEWPORT)
    page, blocked, failed = open_demo(context, origin)
    yield page, blocked, failed, log
    context.close()


def test_page_renders_offline_and_a_channel_and_step_change_it(session):
    page, blocked, failed, log = session
    assert day_shown(page) == 0
    for side in ("A", "B"):
        width = page.eval_on_selector(f".bs-map-{side} canvas", "c => c.getBoundingClientRect().width")
        assert width > 400, f"map {side} is not drawn"
    assert page.locator(".bs-legend img").count() == 1
    size = page.eval_on_selector(".bs-day-number", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 28, "the page's projector styles are not applied"
    for i in range(3):
        page.wait_for_selector(f".bs-chart-{i} canvas", timeout=30_000)

    page.click(".bs-ch-B-deconfliction " + RIPPLE)
    page.wait_for_selector(".bs-map-B >> text=deconfliction line off", timeout=30_000)  # B rebuilt
    old_b = map_src(page, "B")
    assert page.is_checked(".bs-ch-A-deconfliction input")
    assert not page.is_checked(".bs-ch-B-deconfliction input")
    chart_before = page.locator(".bs-chart-1").screenshot()
    old_a = map_src(page, "A")
    page.click(".bs-step")
    wait_day(page, 1)
    page.click(".bs-step")
    wait_day(page, 2)
    assert "2018" in page.inner_text(".bs-date")
    assert map_src(page, "A") != old_a and map_src(page, "B") != old_b
    time.sleep(0.5)  # let ECharts paint the new points
    assert page.locator(".bs-chart-1").screenshot() != chart_before

    assert blocked == [], f"the page asked for outside resources: {blocked}"
    assert failed == [], f"local requests failed: {failed}"
    server_log = log.read_text(errors="replace")
    assert "not bundled" not in server_log and "refused an outbound" not in server_log


def test_two_sessions_are_independent(server, browser):
    origin, _ = server
    ctx_one, ctx_two = browser.new_context(viewport=VIEWPORT), browser.new_context(viewport=VIEWPORT)
    try:
        one, *_ = open_demo(ctx_one, origin)
        two, *_ = open_demo(ctx_two, origin)
        for day in (1, 2, 3):
            one.click(".bs-step")
            wait_day(one, day)
        assert day_shown(two) == 0
        two.click(".bs-step")
        wait_day(two, 1)
        old = map_src(two, "A")
        two.click(".bs-reset")
        wait_map_change(two, "A", old)
        wait_day(two, 0)
        assert day_shown(one) == 3
        one.click(".bs-step")
        wait_day(one, 4)
        assert day_shown(two) == 0
    finally:
        ctx_one.close()
        ctx_two.close()


def test_bad_seed_shows_a_message_and_the_page_keeps_working(session):
    page, blocked, *_ = session
    field = page.locator(".bs-seed input")
    field.fill("twelve")
    field.press("Enter")
    page.wait_for_selector("text=whole number from 0", timeout=10_000)
    page.click(".bs-step")
    wait_day(page, 1)
    field.fill("12")
    field.press("Enter")
    page.wait_for_selector("text=press Reset", timeout=10_000)  # mid-run: applied on Reset
    old = map_src(page, "A")
    page.click(".bs-reset")
    wait_map_change(page, "A", old)
    wait_day(page, 0)
    assert blocked == []


def test_play_advances_and_pause_stops(session):
    """Play keeps stepping until paused (its speed is measured in benchmarks, not here)."""
    page, *_ = session
    start = day_shown(page)
    page.click(".bs-play")
    deadline = time.monotonic() + 30
    while day_shown(page) < start + 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    page.click(".bs-play")
    assert day_shown(page) >= start + 3
    time.sleep(1.0)
    paused = day_shown(page)
    time.sleep(1.5)
    assert day_shown(page) == paused


def test_the_record_is_marked_on_the_charts_and_told_in_the_what_happened_panel(session):
    page, blocked, *_ = session
    assert page.locator(".bs-record").count() == 0  # pockets_2018 has no record
    page.click(".bs-scenario")
    page.click(".v-menu__content >> text=deir_ezzor_2017")
    page.wait_for_selector(".bs-record", timeout=60_000)
    panel = page.inner_text(".bs-record")
    assert "What happened" in panel and "2017-10-14 (day 34)" in panel and "deccanherald.com" in panel
    assert "A: not yet (day 0)" in panel and "(partisan source)" in panel
    for i in range(3):  # each chart carries the record's dates as a markLine
        page.wait_for_selector(f".bs-chart-{i} canvas", timeout=30_000)
    days = page.evaluate("""() => {
        const el = document.querySelector('.bs-chart-0 > div');
        const defined = window.requirejs.s.contexts._.defined;  // the page loaded ECharts by its URL
        const echarts = defined[Object.keys(defined).find(k => k.includes('echarts'))];
        const chart = echarts.getInstanceByDom(el);
        return chart.getOption().series[0].markLine.data.map(d => d.xAxis);
    }""")
    assert days == [11, 34, 42, 54, 60, 62, 68, 70, 86]
    assert blocked == []


def test_the_map_opens_on_the_pockets_and_the_whole_map_is_one_click_away(session):
    """The page opens on the scenario's area of interest (sim.app.mapframe.focus_extent); 'whole map'
    shows the theater, 'pockets' comes back to the same picture."""
    page, *_ = session
    time.sleep(0.5)  # the first frame drawn
    opened = map_src(page, "A")
    page.click(".bs-zoom-reset")
    whole = wait_map_change(page, "A", opened)
    page.click(".bs-zoom-focus")
    assert wait_map_change(page, "A", whole) == opened
