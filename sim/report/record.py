"""The model against the record over many runs: per event and design point, the distribution of the
model's day against the record's, a skill line, and the timeline figure.

Used by ``bordersim report`` (a sweep whose scenario has a ``record:``) and ``bordersim history``.
The model's day of an event is the outcome ``record_<id>_day``; a run that had not shown the event
by its last day stores ``days + 1`` there and counts as *not shown*.

One rule for every statistic of the model's day (the terminal table, the report, the figure's bar and
docs/validation.md): the median and quartiles are taken over *all* finished runs, a run that had not
shown the event counting as later than the last day. A quantile that falls on such a run, or lies
between one and a shown day, is *censored*: it is stored as ``days + 1`` (a lower bound) and printed
as ``>DAYS``. So ``>90 [51->90]`` reads: at least half the runs had not shown it by day 90, a quarter
had by day 51.

Skill, per design point: the median over events of |median model day - record day| (a censored
median counts as ``days + 1``, a lower bound on its error), and the share of events whose median
model day is within ``WITHIN`` days of the record's.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from sim.sweep.outcomes import record_outcome

WITHIN = 14  # days: "within two weeks of the record"


def events_of(exp: dict) -> list[dict]:
    """The record entries of a sweep's base scenario (experiment.yaml), with chart labels."""
    from sim.scenario.model import RecordEvent

    out = []
    for raw in exp.get("base_scenario", {}).get("record", []) or []:
        event = RecordEvent(**raw)
        out.append({"id": event.id, "label": event.label(), "observable": event.observable(),
                    "record_day": event.day, "date": event.date.isoformat(), "what": event.what,
                    "source": event.source, "quote": event.quote, "partisan": event.partisan})
    return out


def model_days(results: pd.DataFrame, events: list[dict], days: int) -> dict[int, dict[str, np.ndarray]]:
    """Design point -> event id -> the model's day in each finished run (NaN: not by day ``days``)."""
    ok = results[results["status"] == "ok"]
    out: dict[int, dict[str, np.ndarray]] = {}
    for point, runs in ok.groupby("point", sort=True):
        out[int(point)] = {}
        for e in events:
            values = runs.sort_values("replication")[record_outcome(e["id"])].to_numpy(dtype=float)
            out[int(point)][e["id"]] = np.where(values > days, np.nan, values)
    return out


def table(events: list[dict], by_point: dict[int, dict[str, np.ndarray]], days: int) -> pd.DataFrame:
    """One row per event and design point: record day, the model's median and quartiles over all runs
    (censored: ``days + 1``, see the module's rule), share shown."""
    rows = []
    for point, per_event in by_point.items():
        for e in events:
            values = per_event[e["id"]]
            q25, median, q75 = (censored_quantile(values, q, days) for q in (0.25, 0.5, 0.75))
            rows.append({
                "point": point, "event": e["id"], "what": e["observable"], "record_date": e["date"],
                "record_day": e["record_day"], "runs": len(values),
                "shown_by_last_day": int((~np.isnan(values)).sum()), "model_median_day": median,
                "model_q25_day": q25, "model_q75_day": q75, "median_error_days": median - e["record_day"],
            })
    return pd.DataFrame(rows)


def censored_quantile(values: np.ndarray, q: float, days: int) -> float:
    """The ``q`` quantile (linear interpolation) of the model's days over all runs, NaN meaning "not
    by day ``days``" (later than any shown day). ``days + 1`` when the quantile is censored: it falls
    on such a run or between one and a shown day; NaN when there are no runs."""
    values = np.asarray(values, dtype=float)
    if not len(values):
        return float("nan")
    ordered = np.sort(np.where(np.isnan(values), np.inf, values))
    pos = q * (len(ordered) - 1)
    lo, hi = int(np.floor(pos)), int(np.ceil(pos))
    weight = pos - lo
    if np.isinf(ordered[lo]) or (weight > 0 and np.isinf(ordered[hi])):
        return float(days + 1)
    return float(ordered[lo] + weight * (ordered[hi] - ordered[lo]))


def format_day(value: float, days: int, *, censored: str = ">") -> str:
    """A statistic of the table as printed: ``-`` for no runs, ``>DAYS`` when censored."""
    if np.isnan(value):
        return "-"
    return f"{censored}{days}" if value > days else f"{value:.0f}"


def format_spread(row, days: int, *, censored: str = ">", dash: str = "-") -> str:
    """``median [q25-q75]`` of a table row, each censored one as ``>DAYS``."""
    median = format_day(row.model_median_day, days, censored=censored)
    if np.isnan(row.model_q25_day):
        return median
    return (f"{median} [{format_day(row.model_q25_day, days, censored=censored)}{dash}"
            f"{format_day(row.model_q75_day, days, censored=censored)}]")


def skill(frame: pd.DataFrame) -> pd.DataFrame:
    """Per design point: events, median absolute error (days) and share within ``WITHIN`` days."""
    rows = []
    for point, rows_ in frame.groupby("point", sort=True):
        err = rows_["median_error_days"].abs()
        rows.append({"point": int(point), "events": len(rows_), "median_abs_error_days": float(err.median()),
                     f"share_within_{WITHIN}_days": float((err <= WITHIN).mean())})
    return pd.DataFrame(rows)


def skill_line(row) -> str:
    return (f"median absolute error {row['median_abs_error_days']:.0f} days; "
            f"{row[f'share_within_{WITHIN}_days']:.0%} of {int(row["events"])} events within ±{WITHIN} days")


def point_labels(design: pd.DataFrame) -> dict[int, str]:
    """Design point -> its factor settings in words (``deconfliction on, raid_rate 0.1``)."""
    factors = [c for c in design.columns if c != "point" and not c.startswith("raw_")]
    labels = {}
    for row in design.to_dict("records"):
        parts = [_setting(f, row[f]) for f in factors]
        labels[int(row["point"])] = ", ".join(parts) or f"point {row['point']}"
    return labels


def _setting(factor: str, value) -> str:
    if isinstance(value, bool | np.bool_):
        return f"{factor} {'on' if value else 'off'}"
    return f"{factor} {value:g}" if isinstance(value, float) else f"{factor} {value}"


MAX_STRIPS = 6  # more design points than this are pooled into one strip per event


def section(exp: dict, results: pd.DataFrame, design: pd.DataFrame) -> dict | None:
    """Everything the report shows about the record, or None when the scenario has none."""
    events = events_of(exp)
    if not events:
        return None
    days = int(exp["days"])
    by_point = model_days(results, events, days)
    labels = point_labels(design)
    frame = table(events, by_point, days)
    skills = skill(frame)
    groups = by_point
    if len(by_point) > MAX_STRIPS:
        pooled = {e["id"]: np.concatenate([v[e["id"]] for v in by_point.values()]) for e in events}
        groups, labels = {0: pooled}, {0: f"all {len(by_point)} design points"}
    png = timeline_png(events, groups, labels, days=days, start_date=exp["base_scenario"]["start_date"],
                       title=f"{exp['base_scenario']['name']}: the model against the record")
    return {"events": events, "table": frame, "skill": skills, "png": png,
            "text": text(events, frame, skills, point_labels(design), days)}


def timeline_png(events: list[dict], by_point: dict[int, dict[str, np.ndarray]], point_labels: dict[int, str],
                 *, days: int, start_date: str, title: str) -> bytes:
    from sim.render.timeline import plot_timeline

    groups = {point_labels.get(p, f"point {p}"): per_event for p, per_event in by_point.items()}
    fig = plot_timeline(events, groups, days=days, start_date=start_date, title=title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def text(events: list[dict], frame: pd.DataFrame, skills: pd.DataFrame, point_labels: dict[int, str],
         days: int) -> str:
    """The comparison as fixed-width text for the terminal."""
    width = max([len(e["observable"]) for e in events] + [20]) + 2
    lines = []
    for point, rows in frame.groupby("point", sort=True):
        lines.append(f"model against the record: {point_labels.get(int(point), f'point {point}')}")
        lines.append(f"{'event':<{width}}{'record':>12}{'day':>5}  {'model median [quartiles]':<26}"
                     f"{'shown':>8}")
        for r in rows.itertuples():
            spread = format_spread(r, days)
            lines.append(f"{r.what:<{width}}{r.record_date:>12}{r.record_day:>5}  {spread:<26}"
                         f"{r.shown_by_last_day:>4}/{r.runs:<3}")
        lines.append("skill: " + skill_line(skills[skills["point"] == point].iloc[0]))
        lines.append("")
    return "\n".join(lines).rstrip()


__all__ = ["WITHIN", "censored_quantile", "events_of", "format_day", "format_spread", "model_days",
           "skill", "skill_line", "table", "text", "timeline_png"]
