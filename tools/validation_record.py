"""The model against the record in docs/validation.md: ``python -m tools.validation record``.

For every shipped scenario with a ``record:``, ``bordersim history`` over ``SEEDS`` seeds: a table
per scenario and its timeline figure (docs/img/validation_record_NAME.png), written between the
``<!-- validation:record -->`` markers. The block ends with a fingerprint line (each scenario's
config hash and the model's fingerprint); ``stale()`` compares it with the code and scenarios as
they are now, so a test says when the section no longer describes the model.
"""

from __future__ import annotations

import re
from pathlib import Path

SEEDS = 20
SCENARIOS = Path("scenarios")
_FINGERPRINT = re.compile(r"<!-- record fingerprint: (.*?) -->")


def scenarios_with_record(folder: Path = SCENARIOS) -> list[Path]:
    from sim.scenario import load_scenario

    return [p for p in sorted(folder.glob("*.yaml")) if load_scenario(p).record]


def fingerprint(paths: list[Path], seeds: int = SEEDS) -> str:
    from sim import model_fingerprint
    from sim.scenario import load_scenario

    parts = [f"{p.stem} {load_scenario(p).config_hash()}" for p in paths]
    return "; ".join([*parts, f"model {model_fingerprint()}", f"seeds {seeds}"])


def section(paths: list[Path], img: Path, seeds: int = SEEDS, days: int | None = None) -> str:
    """The markdown of the block: per scenario a table, its skill line and its figure."""
    from sim.report.record import WITHIN, format_spread, skill_line
    from sim.sweep.history import history

    out = []
    for path in paths:
        h = history(str(path), seeds=seeds, days=days)
        run_days = h.scenario.days  # each scenario its own length (a siege runs longer than a campaign)
        png = h.save_figure(img / f"validation_record_{h.scenario.name}.png")
        out += [f"**{h.scenario.name}** ({h.scenario.start_date} to day {run_days}, {seeds} seeds): "
                + skill_line(h.skill.iloc[0]) + ".", "",
                "| event (record) | date | day | model: median day [quartiles] | runs that show it |",
                "|---|---|---|---|---|"]
        for r in h.table.itertuples():
            spread = format_spread(r, run_days, censored="> ", dash="–")
            out.append(f"| {r.what} | {r.record_date} | {r.record_day} | {spread} | "
                       f"{r.shown_by_last_day} of {r.runs} |")
        out += ["", f"![{h.scenario.name}: the model against the record](img/{png.name})", ""]
    out.append("The median and quartiles are over all runs, a run that had not shown the event by the last "
               "day counting as later than it: > N means at least that share of the runs had not shown "
               "it by the scenario's last day N (the median then counts as the run length + 1, so that "
               f"error is a lower bound). Within ±{WITHIN} days counts the events whose median day is that "
               "close to the record's.")
    out.append(f"<!-- record fingerprint: {fingerprint(paths, seeds)} -->")
    return "\n".join(out)


def stale(doc: Path, folder: Path = SCENARIOS) -> str | None:
    """Why the block no longer describes the model and scenarios, or None when it does."""
    match = _FINGERPRINT.search(doc.read_text(encoding="utf-8"))
    if match is None:
        return "no record fingerprint in the block"
    now = fingerprint(scenarios_with_record(folder))
    return None if match.group(1) == now else f"written for {match.group(1)}, now {now}"


__all__ = ["SEEDS", "fingerprint", "scenarios_with_record", "section", "stale"]
