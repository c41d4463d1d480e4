"""Every lesson of docs/instructor.md, run as the page runs it: A and B must differ the way the lesson says.

Each lesson is the page's side-by-side pair (``sim.app.state.Classroom``, the boxes as the page means
them) on one scenario with one box unticked in B. Directions, not figures: the model's numbers will move
with recalibration, so each claim is checked over ``SEEDS`` paired seeds, as the mean paired difference
with a 95 % t-interval that must exclude zero on the lesson's side. A claim that stops holding is a
lesson to rewrite, not a test to loosen.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.app.state import Classroom, default_setup, load_cached
from sim.model.comparison import model_day
from sim.model.record import summarize

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructor.md"
SEEDS = range(1, 9)

#: lesson -> (scenario, the box unticked in B, {outcome: the sign of A - B the lesson states}); an outcome
#: ending in ``_day`` with a number instead of a sign: A shows that record event before that day.
LESSONS = {
    "the line, 2018": ("pockets_2018", "deconfliction", {"incidents": -1}),
    "the race for Mayadin": ("deir_ezzor_2017", "deconfliction", {"incidents": -1, "strikes": +1}),
    "a third party": ("highway_2016", "iranian_intermediary", {"isis_area_final_km2": +1}),
    "the coalition's return": ("resurgence_2020", "coalition_support",
                               {"strikes": +1}),
    "the record, 2017": ("deir_ezzor_2017", "deconfliction", {"omar_day": 42, "incidents": -1}),
}
#: Record events read as "the day the model showed it" (the run's length + 1 when it never did).
EVENTS = {"omar_day": "omar_field_taken"}


def path_of(name: str) -> str:
    return str(ROOT / "scenarios" / f"{name}.yaml")


@cache
def pair(name: str, box: str, seed: int) -> tuple[dict, dict]:
    """The outcomes of A (as the scenario) and B (``box`` unticked) for one seed, as the page runs them."""
    scenario = load_cached(path_of(name))
    setup = default_setup(scenario, path_of(name), seed=seed)
    a, b = (dict(side) for side in setup.channels)
    b[box] = False
    room = Classroom(type(setup)(setup.path, seed, True, (tuple(a.items()), tuple(b.items()))))
    room.step(room.days)
    out = []
    for side in room.sides:
        row = summarize(side.model, [dict(r) for r in side.rows])
        for key, event_id in EVENTS.items():
            event = next((e for e in scenario.record if e.id == event_id), None)
            if event is not None:
                day = model_day(event, side.model.places.summary(), side.rows)
                row[key] = room.days + 1 if day is None else day
        out.append(row)
    return out[0], out[1]


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_the_lesson_is_in_the_guide_with_its_scenario_and_box(lesson):
    from sim.app.state import channel_label

    name, box, _ = LESSONS[lesson]
    text = GUIDE.read_text(encoding="utf-8")
    heading = rf"^#+ [^\n]*{re.escape(lesson)}[^\n]*$(.*?)(?=^#{{1,3}} |\Z)"
    section = re.search(heading, text, re.M | re.S | re.I)
    assert section, f"docs/instructor.md has no lesson headed {lesson!r}"
    body = section.group(1)
    assert f"`{name}`" in body and channel_label(box) in body, f"{lesson}: scenario or box not named"


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_a_and_b_differ_the_way_the_lesson_says(lesson):
    name, box, claims = LESSONS[lesson]
    runs = [pair(name, box, seed) for seed in SEEDS]
    for outcome, sign in claims.items():
        if outcome.endswith("_day"):  # A against the record: the model too fast there
            days = np.array([a[outcome] for a, _ in runs], dtype=float)
            assert np.median(days) < sign and (days < sign).mean() >= 0.75, (
                f"{lesson}: A should show {outcome} before day {sign}: {days.tolist()}")
            continue
        diffs = np.array([a[outcome] - b[outcome] for a, b in runs], dtype=float)
        mean = diffs.mean()
        half = stats.t.ppf(0.975, len(diffs) - 1) * diffs.std(ddof=1) / np.sqrt(len(diffs))
        side = ">" if sign > 0 else "<"
        assert sign * mean > half, (f"{lesson}: A - B of {outcome} should be {side} 0; mean {mean:.1f} "
                                    f"± {half:.1f} over seeds {list(SEEDS)}: {diffs.tolist()}")
