"""Class mode and the server's bounds in Debian's chromium: a question end to end (every student's board
live), the instructor's page behind its token, the full class, a closed tab giving its place back. Each
test starts its own `bordersim demo` with the limits it needs."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
from browser import CHROMIUM, VIEWPORT, free_port, launch, open_demo, start_demo, stop_demo, wait_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]
from sim.app.auth import JOIN_PER_PAGE  # noqa: E402

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev dependency) not installed")


TOKEN = "test-instructor-secret"
TEACHER = f"/instructor?token={TOKEN}"


@pytest.fixture
def demo(tmp_path, request):
    port = free_port()
    proc = start_demo(port, tmp_path / "demo.log", None, "--class-dir", str(tmp_path / "classes"),
                      "--token", TOKEN, *request.param)
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}", tmp_path, proc
    finally:
        stop_demo(proc)


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def wait_text(page, selector: str, needle: str, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while needle not in (text := page.inner_text(selector)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{selector} says {text!r}, not {needle!r}")
        time.sleep(0.3)
    return text


def start_question(teacher) -> str:
    """The instructor starts a 30-day class question; its join code."""
    teacher.click(".bs-class-days")
    teacher.click(".v-menu__content >> text=30")
    teacher.click(".bs-class-start")
    teacher.wait_for_selector(".bs-join-code-shown", timeout=30_000)
    return teacher.inner_text(".bs-join-code-shown").strip()


def join_and_play(browser, origin: str, code: str, count: int, confirmed: bool = False) -> list:
    """``count`` students, each in their own context, type ``code``, join (``confirmed``: and see the
    "You joined" note), wait for day 0 of 30 and press play: their (page, blocked requests)."""
    students = []
    for _ in range(count):
        page, blocked, _ = open_demo(browser.new_context(viewport=VIEWPORT), origin)
        page.fill(".bs-join-code input", code)
        page.click(".bs-join")
        if confirmed:
            page.wait_for_selector("text=You joined class question", timeout=30_000)
        page.wait_for_function("document.querySelector('.bs-day-number')?.textContent === 'Day 0 of 30'",
                               timeout=60_000)
        page.click(".bs-play")
        students.append((page, blocked))
    return students


@pytest.mark.parametrize("demo", [()], indirect=True)
def test_a_class_question_end_to_end_and_every_students_board_is_live(demo, browser):
    origin, tmp, _ = demo
    teacher, *_ = open_demo(browser.new_context(viewport=VIEWPORT), origin, path=TEACHER)
    code = start_question(teacher)
    students = join_and_play(browser, origin, code.lower(), 3, confirmed=True)  # typed in lower case
    summary = wait_text(teacher, ".bs-class-summary", "3 finished")
    assert "95 % interval" in summary
    for page, blocked in students:  # each student's board: the class's dots, the mean, the interval
        own = wait_text(page, ".bs-class-summary", "3 finished", timeout=30)
        assert own == summary
        assert "Your run: A − B = " in page.inner_text(".bs-class-own")  # their own (highlighted) dot
        assert page.locator(".bs-class-board canvas").count() >= 1
        assert page.locator(".bs-class-start, .bs-class-stop").count() == 0
        assert blocked == []
    with teacher.expect_download() as download:
        teacher.click("text=Download results (CSV)")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("point,replication,seed,key,config_hash,deconfliction")
    assert len(lines) == 1 + 6  # three students, A and B each
    assert (tmp / "classes" / code / "results.parquet").is_file()
    teacher.click(".bs-class-stop")  # stopped: a late student cannot join, the instructor may start anew
    teacher.wait_for_selector(".bs-class-start", timeout=30_000)
    late, *_ = open_demo(browser.new_context(viewport=VIEWPORT), origin)
    late.fill(".bs-join-code input", code)
    late.click(".bs-join")
    late.wait_for_selector(f"text=Class question {code} is closed", timeout=30_000)


@pytest.mark.parametrize("demo", [()], indirect=True)
def test_only_the_instructors_address_opens_the_instructors_page(demo, browser):
    origin, tmp, _ = demo
    student, *_ = open_demo(browser.new_context(viewport=VIEWPORT), origin)
    assert student.locator(".bs-class-start").count() == 0  # a student's page: join only
    assert student.locator(".bs-join").count() == 1
    for path in ("/instructor", "/instructor?token=wrong", f"/instructor?token={TOKEN[:-1]}"):
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(origin + path)
        page.wait_for_selector(".bs-not-instructor", timeout=60_000)  # the clear page, no controls
        assert page.locator(".bs-class-start, .bs-map-A canvas").count() == 0
    teacher_ctx = browser.new_context(viewport=VIEWPORT)
    teacher, *_ = open_demo(teacher_ctx, origin, path=TEACHER)
    assert teacher.locator(".bs-class-start").count() == 1 and teacher.locator(".bs-join").count() == 0
    assert "token" not in teacher.url  # out of the address bar (the projector), kept in a cookie
    again, *_ = open_demo(teacher_ctx, origin, path="/instructor")  # a reload in the instructor's browser
    assert again.locator(".bs-class-start").count() == 1
    for _ in range(JOIN_PER_PAGE):  # wrong codes, then the page must wait
        student.fill(".bs-join-code input", "QQQQ")
        student.click(".bs-join")
        student.wait_for_selector("text=No class question has the code", timeout=30_000)
        student.fill(".bs-join-code input", "")
    student.fill(".bs-join-code input", "QQQQ")
    student.click(".bs-join")
    student.wait_for_selector("text=Too many wrong codes", timeout=30_000)
    assert not (tmp / "classes").exists() or not any((tmp / "classes").iterdir())  # nobody started one


@pytest.mark.parametrize("demo", [("--max-sessions", "1", "--tab-grace", "1")], indirect=True)
def test_the_full_class_page_and_a_closed_tab_frees_its_place(demo, browser):
    origin, _, proc = demo
    first_ctx = browser.new_context(viewport=VIEWPORT)
    open_demo(first_ctx, origin)
    late = browser.new_context(viewport=VIEWPORT).new_page()
    late.goto(origin + "/")
    late.wait_for_selector(".bs-full-title", timeout=60_000)
    assert late.locator(".bs-map-A canvas").count() == 0
    first_ctx.close()  # the tab closes: its place is given back
    deadline = time.monotonic() + 60
    while True:
        late.goto(origin + "/")
        late.wait_for_selector(".bs-map-A canvas, .bs-full-title", timeout=60_000)
        if late.locator(".bs-map-A canvas").count():
            break
        assert time.monotonic() < deadline, "the closed tab's place was never freed"
        time.sleep(1.0)


@pytest.mark.parametrize("demo", [()], indirect=True)
def test_four_pages_playing_at_once_all_keep_getting_frames(demo, browser):
    """The load benchmark's small version: every page's days keep arriving while the others play."""
    from benchmarks.classroom_load import play_window

    origin, _, proc = demo
    pages = [open_demo(browser.new_context(viewport=VIEWPORT), origin)[0] for _ in range(4)]
    window = play_window(pages, psutil.Process(proc.pid), 6.0)
    assert all(days >= 3 for days in window["advanced"]), f"a page stopped getting frames: {window}"


@pytest.mark.parametrize("demo", [("--workers", "3")], indirect=True)
def test_workers_the_instructor_has_their_own_and_a_class_question_spans_them(demo, browser):
    """--workers 3: the instructor's page on worker 0 at normal priority, the students spread over the
    two others (niced); a question started on one worker is joined on the others and their dots arrive."""
    from urllib.parse import urlparse

    origin, _, proc = demo
    stranger = browser.new_context(viewport=VIEWPORT).new_page()
    stranger.goto(origin + "/instructor")  # the front server: no token, no instructor's process
    stranger.wait_for_selector(".bs-not-instructor", timeout=30_000)
    teacher, *_ = open_demo(browser.new_context(viewport=VIEWPORT), origin, path=TEACHER)
    code = start_question(teacher)
    students = join_and_play(browser, origin, code, 2)
    ports = [urlparse(p.url).port for p in [teacher] + [page for page, _ in students]]
    assert len(set(ports)) == 3 and urlparse(origin).port not in ports  # each on its own worker
    workers = psutil.Process(proc.pid).children()
    nice = {c.cmdline()[c.cmdline().index("--port") + 1]: c.nice() for c in workers}
    assert nice[str(ports[0])] == 0 and nice[str(ports[1])] == nice[str(ports[2])] == 10
    wait_text(teacher, ".bs-class-summary", "2 finished")
    assert all(blocked == [] for _, blocked in students)
