"""Class mode: the students' paired runs of one question, together a sweep.

The instructor starts a question: a scenario and one channel, A with it and B without. The server
writes it as an experiment file (``CLASS_DIR/CODE/question.yaml``: that channel as the only factor,
full factorial, one replication per student place) and builds the sweep's plan from it, so student
``r`` runs exactly the two tasks of replication ``r``, with the sweep's seed for ``r`` (common random
numbers across A and B, no seed twice). When a student's run reaches its last day, both sides are
stored as the sweep stores a run (``sim.sweep.store``), and the paired difference A - B of the
question's outcome becomes a dot on the instructor's chart. ``export`` assembles the folder as a
finished sweep: ``bordersim report CLASS_DIR/CODE`` reads it like any other.

Nothing about a student is kept but the replication number the server gave their page.

Starting, stopping and exporting a question change what the class shares: each takes the instructor's
token and checks it (``sim.app.auth``), whatever page asks. A stopped question takes no new students;
those who joined still finish and their dots still arrive.

The class folder is the state the server's processes share (``bordersim demo --workers``): a student's
place is a file created exclusively (``seats/R``: no two processes give out one replication), a
finished pair's dot is a file (``dots/R.json``), and a page on any worker finds a question by its code
through ``class.json``. The instructor's chart reads the dots from the folder, whichever worker ran them.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from sim.app.auth import require
from sim.app.state import Setup, channel_label

#: Letters and digits that cannot be misread on a projector (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 4
#: Where class results go (``bordersim demo --class-dir``).
CLASS_DIR = Path(os.environ.get("BORDERSIM_CLASS_DIR", "classes"))
#: Outcomes a question can plot, with how the page names them.
OUTCOMES = {
    "pockets_reduction_pct": "pocket area taken (% of the start)",
    "pockets_mean_km2": "mean pocket area over the run (km²)",
    "isis_fighters_final": "ISIS fighters left at the end",
    "incidents": "incidents between rival forces",
    "civilian_harm": "civilian-harm index",
}
#: Students one question takes (the plan has this many replications).
MAX_STUDENTS = 200


@dataclass
class Question:
    """One class question: its experiment, plan, store and the students' finished runs."""

    code: str
    folder: Path
    channel: str
    outcome: str
    experiment: object
    plan: object
    setups: dict = field(default_factory=dict)
    next_replication: int = 0  # where this process looks first for a free seat
    diffs: dict[int, float] = field(default_factory=dict)  # replication -> A - B, in finishing order
    listeners: list[Callable[[], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def title(self) -> str:
        return f"{channel_label(self.channel)}: A with it, B without"

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome, self.outcome)

    def tasks(self, replication: int) -> tuple:
        """The (A, B) tasks of ``replication``: the channel open, then closed."""
        by_value = {t.values[self.channel]: t for t in self.plan.tasks if t.replication == replication}
        return by_value[True], by_value[False]

    @property
    def closed(self) -> bool:
        """Whether the instructor stopped the question (no new students)."""
        return (self.folder / "closed.json").exists()

    def stop(self, token: str | None) -> None:
        """Take no new students (the instructor's token only); runs under way still finish."""
        require(token)
        from sim.outputs import write_json

        write_json(self.folder / "closed.json", {"closed": time.time()})

    def joined(self) -> int:
        """Students who joined, on every worker (the seats taken in the folder)."""
        seats = self.folder / "seats"
        return sum(1 for _ in seats.iterdir()) if seats.is_dir() else 0

    def join(self) -> tuple[int, Setup] | None:
        """A new student's replication and page set-up; None when every replication is taken or the
        question is stopped."""
        if self.closed:
            return None
        seats = self.folder / "seats"
        seats.mkdir(exist_ok=True)
        with self.lock:
            r = self.next_replication
            while True:
                if r >= len(self.plan.seeds):
                    return None
                try:  # exclusive create: one seat per replication across the server's processes
                    os.close(os.open(seats / str(r), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                    break
                except FileExistsError:
                    r += 1
            self.next_replication = r + 1
        a, b = self.tasks(r)
        exp = self.experiment
        sides = tuple(tuple(t.scenario.channels.as_dict().items()) for t in (a, b))
        return r, Setup(exp.scenario_file, a.seed, True, sides, days=exp.scenario.days, boxes=False)

    def finish(self, replication: int, classroom) -> float | None:
        """Store a student's finished pair as two sweep runs; returns its dot (A - B), once."""
        from sim.model.record import summarize
        from sim.sweep.plan import task_result
        from sim.sweep.store import SweepStore

        dot = self.folder / "dots" / f"{replication}.json"
        with self.lock:
            if replication in self.diffs or dot.exists() or not classroom.finished:
                return None
        values = []
        store = SweepStore(self.folder, self.experiment)
        for task, side in zip(self.tasks(replication), classroom.sides, strict=True):
            model = side.model
            table = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
            result = task_result(task, summarize(model, table.to_dict("records")), table)
            with self.lock:
                store.write_run(result)
            values.append(result["row"][self.outcome])
        diff = float(values[0] - values[1])
        from sim.outputs import write_json

        dot.parent.mkdir(exist_ok=True)
        write_json(dot, {"replication": replication, "diff": diff, "finished": time.time()})
        with self.lock:
            self.diffs[replication] = diff
            listeners = list(self.listeners)
        for notify in listeners:
            notify()
        return diff

    def summary(self) -> tuple[int, float, float, float]:
        """(students finished, mean difference, 95 % interval low, high): the report's interval of the
        paired differences (``interval``; no interval below two students)."""
        diffs = np.array([d for _, d in self.dots()], dtype=float)
        if diffs.size == 0:
            return 0, float("nan"), float("nan"), float("nan")
        mean, lo, hi = interval(diffs)
        return int(diffs.size), float(mean), float(lo), float(hi)

    def dots(self) -> list[tuple[int, float]]:
        """(replication, A - B) in the order students finished, on any of the server's processes."""
        found = []
        folder = self.folder / "dots"
        for path in folder.glob("*.json") if folder.is_dir() else ():
            try:
                dot = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # written atomically: only a file removed meanwhile gets here
            found.append((dot["finished"], dot["replication"], dot["diff"]))
        found.sort()
        with self.lock:
            self.diffs = {r: d for _, r, d in found}
            return list(self.diffs.items())

    def export(self, token: str | None) -> dict[str, Path]:
        """The folder as a finished sweep of the replications done so far (results.csv/.parquet...);
        the instructor's token only."""
        require(token)
        from sim.sweep.plan import Plan
        from sim.sweep.store import SweepStore

        done = {r for r, _ in self.dots()}
        with self.lock:
            tasks = [t for t in self.plan.tasks if t.replication in done]
            plan = Plan(self.plan.design, self.plan.seeds, tasks)
            store = SweepStore(self.folder, self.experiment)
            store.write_header(plan)
            return store.assemble(plan)

    def subscribe(self, notify: Callable[[], None]) -> Callable[[], None]:
        with self.lock:
            self.listeners.append(notify)

        def unsubscribe() -> None:
            with self.lock:
                if notify in self.listeners:
                    self.listeners.remove(notify)

        return unsubscribe


def interval(diffs: np.ndarray) -> tuple[float, float, float]:
    """(mean, 95 % low, high) of the students' paired differences: the one place the class's interval
    is computed (the page's board, its summary line and the docs' class chart all call this): the report's
    interval, sim.report.intervals.interval."""
    from sim.report.intervals import interval as report_interval

    return report_interval(diffs)


_questions: dict[str, Question] = {}
_lock = threading.Lock()


def new_folder(root: Path) -> tuple[str, Path]:
    """A join code no question in ``root`` has (whichever process started it), and its new folder."""
    root.mkdir(parents=True, exist_ok=True)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            (root / code).mkdir()  # exclusive: another worker's question keeps its code
            return code, root / code
        except FileExistsError:
            continue


def start_question(scenario_path: str, channel: str, outcome: str, days: int | None = None,
                   root: Path | None = None, seed: int | None = None,
                   students: int = MAX_STUDENTS, *, token: str | None) -> Question:
    """A new class question with its own join code, experiment file and (empty) sweep folder; only
    with the instructor's ``token``."""
    require(token)
    from sim.app.state import load_cached
    from sim.sweep.experiment import load_experiment
    from sim.sweep.outcomes import default_outcomes
    from sim.sweep.plan import build_plan
    from sim.sweep.store import SweepStore

    scenario = load_cached(scenario_path)
    code, folder = new_folder(CLASS_DIR if root is None else root)
    outcomes = default_outcomes(scenario.pockets)
    if outcome not in outcomes:
        outcomes.append(outcome)
    spec = {
        "name": f"class_{code}",
        "title": f"Class question {code}: {channel_label(channel)}, on (A) and off (B)",
        "description": "Written by the classroom page: one replication per student, the sweep's seeds.",
        "scenario": str(Path(scenario_path).resolve()),
        "factors": [{"channel": channel}],
        "design": "full_factorial",
        "replications": students,
        "seed": secrets.randbelow(2**31) if seed is None else seed,
        "outcomes": outcomes,
    }
    if days is not None:
        spec["days"] = days
    question_file = folder / "question.yaml"
    from sim.outputs import write_text

    write_text(question_file, yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    experiment = load_experiment(question_file)
    store = SweepStore(folder, experiment)
    store.open(force=True)  # a fresh folder: the store's layout, and a lock against a second writer
    store.close()
    from sim.outputs import write_json

    write_json(folder / "class.json", {"code": code, "channel": channel, "outcome": outcome})  # last: ready
    question = Question(code, folder, channel, outcome, experiment, build_plan(experiment))
    with _lock:
        _questions[code] = question
    return question


def find(code: str, root: Path | None = None) -> Question | None:
    """The question with this join code (case and spaces ignored), if any: one this process started or
    loaded, else one another of the server's processes wrote to the class folder."""
    code = code.strip().upper()
    if not code or any(c not in CODE_ALPHABET for c in code):
        return None
    with _lock:
        if code in _questions:
            return _questions[code]
    folder = (CLASS_DIR if root is None else root) / code
    try:
        meta = json.loads((folder / "class.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    from sim.sweep.experiment import load_experiment
    from sim.sweep.plan import build_plan

    experiment = load_experiment(folder / "question.yaml")
    question = Question(code, folder, meta["channel"], meta["outcome"], experiment, build_plan(experiment))
    with _lock:
        return _questions.setdefault(code, question)
