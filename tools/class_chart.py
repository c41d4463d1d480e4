"""The class chart a room of students makes, generated: ``python -m tools.class_chart``.

Runs a class question the way the server does (``sim.app.class_question``: the question's experiment
file and plan, each student's page set-up from ``join``, the page's paired models, ``finish`` storing
the dot), with ``--students`` students in-process, then draws the board the projector shows (the dots,
the running mean and its interval from ``class_question.interval``, the one place the page computes it)
into ``docs/img/class_chart.png`` and writes the figures between ``<!-- class_chart -->`` markers in
docs/instructor.md. ``--survey`` prints, for the question's channel, each outcome's spread and interval
at a few run lengths (which outcome and length give a readable answer); it writes nothing.

Nothing here is a figure typed by hand: regenerate after any model change with the command above.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "instructor.md"
IMAGE = ROOT / "docs" / "img" / "class_chart.png"
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
#: The default class question of docs/instructor.md (and of the page's Class card).
QUESTION = {"channel": "deconfliction", "outcome": "pockets_reduction_pct", "days": 60}
STUDENTS = 25
SEED = 2025  # the question's experiment seed: student r gets the sweep's seed for replication r


def run_class(channel: str, outcome: str, days: int, students: int, seed: int = SEED,
              scenario: Path = SCENARIO) -> tuple[object, list[tuple[int, float]], list[dict]]:
    """A class question answered by ``students`` students: (question, dots, each student's A and B rows)."""
    from sim.app import auth
    from sim.app.class_question import start_question
    from sim.app.state import Classroom
    from sim.model.record import summarize
    from sim.sweep.plan import task_result

    token = auth.new_token()
    old = os.environ.get(auth.TOKEN_ENV)
    os.environ[auth.TOKEN_ENV] = token
    try:
        root = Path(tempfile.mkdtemp(prefix="bordersim-class-chart-"))
        question = start_question(str(scenario), channel, outcome, days=days, root=root, seed=seed,
                                  students=students, token=token)
    finally:
        if old is None:
            os.environ.pop(auth.TOKEN_ENV, None)
        else:
            os.environ[auth.TOKEN_ENV] = old
    rows = []
    for _ in range(students):
        replication, setup = question.join()
        room = Classroom(setup)
        room.step(room.days)
        question.finish(replication, room)
        pair = []
        for task, side in zip(question.tasks(replication), room.sides, strict=True):
            table = side.model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
            pair.append(task_result(task, summarize(side.model, table.to_dict("records")), table)["row"])
        rows.append(pair)
    return question, question.dots(), rows


def draw(question, dots: list[tuple[int, float]], out: Path) -> Path:
    """The board as the projector shows it, sized for a slide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.app.class_question import interval
    from sim.render.style import OKABE_ITO

    diffs = np.array([d for _, d in dots])
    mean, lo, hi = interval(diffs)
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=120)
    x = np.arange(1, len(diffs) + 1)
    ax.axhspan(lo, hi, color=OKABE_ITO["blue"], alpha=0.15, label="95 % interval of the mean")
    ax.axhline(mean, color="black", lw=2.5, label=f"mean A − B = {mean:.1f}")
    ax.axhline(0, color="#777777", ls=":", lw=1.5, label="no difference")
    ax.scatter(x, diffs, s=60, color=OKABE_ITO["blue"], zorder=3, label="one student's run")
    ax.set_xlim(0, len(diffs) + 1)
    ax.set_xlabel("student (in the order they finished)")
    ax.set_ylabel(f"A − B: {question.outcome_label}", fontsize=9)
    ax.set_title(f"{question.title}; {len(diffs)} students, {question.experiment.scenario.days} days")
    ax.legend(loc="best", fontsize=9, framealpha=0.9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def fingerprint(students: int = STUDENTS, seed: int = SEED, scenario: Path = SCENARIO) -> str:
    """What the block was generated from: the scenario, the model's code, the question and its size."""
    from sim import model_fingerprint
    from sim.app.state import load_cached

    q = QUESTION
    return (f"{scenario.stem} {load_cached(str(scenario)).config_hash()}; model {model_fingerprint()}; "
            f"{q['channel']} {q['outcome']} {q['days']} days; seed {seed}; students {students}")


def committed_fingerprint(doc: Path = DOC) -> str | None:
    found = re.search(r"<!-- class chart fingerprint: (.*?) -->", doc.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def block(question, dots, students: int, seed: int) -> str:
    from sim.app.class_question import interval

    diffs = np.array([d for _, d in dots])
    mean, lo, hi = interval(diffs)
    first5 = interval(diffs[:5])
    same_sign = int(np.sum(np.sign(diffs) == np.sign(mean)))
    return (f"![The class chart for the default question, {students} students]"
            f"(img/{IMAGE.name})\n\n"
            f"Generated by `python -m tools.class_chart` ({students} students, `pockets_2018`, question seed "
            f"{seed}, {question.experiment.scenario.days} days, {question.channel} on in A and off in B, "
            f"outcome `{question.outcome}`): the mean A − B is {mean:.1f}, 95 % interval {lo:.1f} to "
            f"{hi:.1f}; "
            f"{same_sign} of the {students} dots lie on the mean's side of zero, and the single runs range "
            f"from {diffs.min():.1f} to {diffs.max():.1f}. After the first five students the interval was "
            f"{first5[1]:.1f} to {first5[2]:.1f}.\n"
            f"<!-- class chart fingerprint: {fingerprint(students, seed)} -->\n")


def write_block(text: str, doc: Path = DOC) -> bool:
    pattern = re.compile(r"(<!-- class_chart -->\n)(.*?)(<!-- /class_chart -->)", re.DOTALL)
    old = doc.read_text(encoding="utf-8")
    if not pattern.search(old):
        return False
    doc.write_text(pattern.sub(lambda m: m.group(1) + text + m.group(3), old), encoding="utf-8")
    return True


def survey(channel: str, students: int, lengths=(30, 60, 90)) -> None:
    """Each outcome's class answer at a few run lengths: which is readable with a class of this size."""
    from sim.app.class_question import OUTCOMES, interval

    for days in lengths:
        _, _, runs = run_class(channel, "incidents", days, students)
        for outcome in OUTCOMES:
            diffs = np.array([a[outcome] - b[outcome] if outcome in a else np.nan for a, b in runs])
            if np.isnan(diffs).any():
                continue
            mean, lo, hi = interval(diffs)
            print(f"{days:4d} days  {outcome:24s} mean {mean:10.2f}  [{lo:10.2f}, {hi:10.2f}]  "
                  f"sd {diffs.std(ddof=1):9.2f}  {'excludes 0' if lo > 0 or hi < 0 else 'includes 0'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.class_chart", description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument("--out", type=Path, default=IMAGE, help="the picture (docs/img/class_chart.png)")
    parser.add_argument("--no-doc", action="store_true", help="leave the block in docs/instructor.md")
    parser.add_argument("--survey", action="store_true", help="print every outcome at 30, 60 and 90 days")
    args = parser.parse_args(argv)
    if args.survey:
        survey(QUESTION["channel"], args.students)
        return 0
    question, dots, _ = run_class(QUESTION["channel"], QUESTION["outcome"], QUESTION["days"], args.students)
    draw(question, dots, args.out)
    print(f"wrote {args.out}")
    if not args.no_doc and write_block(block(question, dots, args.students, SEED)):
        print(f"rewrote the class_chart block in {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
