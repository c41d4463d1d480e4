"""Class mode without a browser: join codes, seeds, the students' runs as a sweep, the report on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.app.auth import TOKEN_ENV, JoinGate, JoinLimiter, NotInstructor, is_instructor, new_token, token_in
from sim.app.class_question import CODE_ALPHABET, find, start_question
from sim.app.state import Classroom
from sim.sweep.plan import run_task
from sim.sweep.seeds import replication_seeds

BIN = Path(sys.executable).parent / "bordersim"


TOKEN = "the-instructors-secret"


@pytest.fixture
def question(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return start_question(tiny, "deconfliction", "pockets_reduction_pct", days=6, root=tmp_path, seed=11,
                          students=5, token=TOKEN)


def play(question):
    r, setup = question.join()
    room = Classroom(setup)
    room.step(1000)
    return r, setup, room


def test_students_get_the_sweeps_seeds_in_turn_and_a_and_b_differ_only_in_the_channel(question):
    assert len(question.code) == 4 and set(question.code) <= set(CODE_ALPHABET)
    assert find(question.code.lower()) is question
    seeds = replication_seeds(11, 5)
    joined = [question.join() for _ in range(5)]
    assert [r for r, _ in joined] == [0, 1, 2, 3, 4] and [s.seed for _, s in joined] == seeds
    assert question.join() is None  # every replication taken: no seed twice
    a, b = (dict(side) for side in joined[0][1].channels)
    assert a["deconfliction"] and not b["deconfliction"]
    assert {k: v for k, v in a.items() if k != "deconfliction"} == {k: v for k, v in b.items()
                                                                      if k != "deconfliction"}
    assert joined[0][1].days == 6


def test_a_students_run_is_the_sweeps_run_and_the_class_folder_is_a_sweep(question):
    dots = []
    question.subscribe(lambda: dots.append(len(question.dots())))
    results = [play(question) for _ in range(3)]
    assert question.finish(0, results[0][2]) is not None and question.finish(0, results[0][2]) is None
    for r, _, room in results[1:]:
        question.finish(r, room)
    assert dots == [1, 2, 3]
    n, mean, lo, hi = question.summary()
    assert n == 3 and lo <= mean <= hi
    files = question.export(TOKEN)
    table = pd.read_csv(files["results.csv"])
    assert len(table) == 6 and set(table["replication"]) == {0, 1, 2} and (table["status"] == "ok").all()
    for task in question.tasks(1):  # the page's run gives exactly what `bordersim sweep` would store
        expected = run_task(task)["row"]
        row = table[(table["replication"] == 1) & (table["point"] == task.point)].iloc[0]
        for outcome in question.experiment.outcomes:
            assert row[outcome] == pytest.approx(expected[outcome], rel=1e-12, nan_ok=True)
    diff = {r: d for r, d in question.dots()}
    on = table[table["deconfliction"]].set_index("replication")["pockets_reduction_pct"]
    off = table[~table["deconfliction"]].set_index("replication")["pockets_reduction_pct"]
    assert (on - off).to_dict() == pytest.approx(diff)
    done = subprocess.run([str(BIN), "report", str(question.folder)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    effects = pd.read_csv(question.folder / "report" / "effects.csv")
    row = effects[(effects["factor"] == "deconfliction") & (effects["outcome"] == "pockets_reduction_pct")]
    assert row["replications"].iloc[0] == 3
    assert row["effect"].iloc[0] == pytest.approx(mean)  # on - off, as the instructor's chart says


def test_an_unfinished_run_is_not_a_dot(question):
    r, setup = question.join()
    room = Classroom(setup)
    room.step(2)
    assert question.finish(r, room) is None and question.summary()[0] == 0


STUDENT_ELSEWHERE = """
import sys
from pathlib import Path
from sim.app.class_question import find
from sim.app.state import Classroom
question = find(sys.argv[1].lower(), Path(sys.argv[2]))
r, setup = question.join()
room = Classroom(setup)
room.step(1000)
print(r, repr(question.finish(r, room)))
"""


def test_the_class_folder_is_shared_by_the_servers_processes(question):
    """A student on another worker process finds the question by its code, gets a seat nobody else has
    and their dot reaches the instructor's chart in this process."""
    mine, _ = question.join()
    cmd = [sys.executable, "-c", STUDENT_ELSEWHERE, question.code, str(question.folder.parent)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    r, diff = done.stdout.split()
    assert mine == 0 and int(r) == 1  # seat 0 was taken by this process
    assert question.joined() == 2 and question.dots() == [(1, float(diff))]
    assert question.summary()[0] == 1
    assert find("ZZZZ", question.folder.parent) is None and find("no code", question.folder.parent) is None


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN[:-1], TOKEN + "x", TOKEN.upper()])
def test_only_the_instructors_token_starts_stops_or_exports_a_question(question, tiny, tmp_path, token):
    """Checked on the server, whatever a page sends: not only the page hides the buttons."""
    with pytest.raises(NotInstructor):
        start_question(tiny, "deconfliction", "pockets_reduction_pct", root=tmp_path, token=token)
    with pytest.raises(NotInstructor):
        question.stop(token)
    with pytest.raises(NotInstructor):
        question.export(token)
    assert not question.closed and [p.name for p in tmp_path.iterdir()] == [question.code]


def test_no_token_on_the_server_means_nobody_is_the_instructor(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert not is_instructor("") and not is_instructor(None) and not is_instructor("anything")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert is_instructor(TOKEN) and not is_instructor(TOKEN + " ")
    assert token_in(f"?token={TOKEN}&x=1") == TOKEN
    assert token_in("", {"bordersim_instructor": TOKEN}) == TOKEN and token_in("x=1", {}) is None


def test_a_new_token_is_long_and_can_be_given_back_as_an_argument():
    """A token starting with "-" would read as an option (``bordersim demo --token -x...`` fails):
    one in 64 of token_urlsafe's did, so 2,000 draws would all but surely show one."""
    from sim.cli.parser import build_parser

    tokens = [new_token() for _ in range(2000)]
    assert len(set(tokens)) == 2000 and all(len(t) == 32 for t in tokens)
    assert not [t for t in tokens if t.startswith("-")]
    args = build_parser().parse_args(["demo", "--token", min(tokens)])
    assert args.token == min(tokens)


def test_a_stopped_question_takes_no_new_student_but_a_run_under_way_still_counts(question):
    r, setup = question.join()
    question.stop(TOKEN)
    assert question.closed and question.join() is None
    room = Classroom(setup)
    room.step(1000)
    assert question.finish(r, room) is not None and len(question.dots()) == 1


def test_wrong_codes_are_bounded_per_page_and_per_address():
    gate = JoinGate(per_page=3, per_address=5, window=60.0)
    for _ in range(3):
        assert gate.wait("tab1", "ip:10.0.0.7", now=0.0) == 0
        gate.failed("tab1", "ip:10.0.0.7", now=0.0)
    assert gate.wait("tab1", "ip:10.0.0.7", now=1.0) == pytest.approx(59.0)  # this tab waits
    for _ in range(2):  # a new tab on the same machine gets the address's remainder only
        assert gate.wait("tab2", "ip:10.0.0.7", now=2.0) == 0
        gate.failed("tab2", "ip:10.0.0.7", now=2.0)
    assert gate.wait("tab3", "ip:10.0.0.7", now=3.0) > 0
    assert gate.wait("tab4", "ip:10.0.0.8", now=3.0) == 0  # another student is not slowed
    assert gate.wait("tab1", "ip:10.0.0.7", now=61.0) == 0  # the window slides
    limiter = JoinLimiter(2, window=10.0)
    limiter.failed("a", now=0.0)
    limiter.failed("a", now=5.0)
    assert limiter.wait("a", now=9.0) == pytest.approx(1.0) and limiter.wait("a", now=10.0) == 0
