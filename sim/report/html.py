"""report.html: one self-contained page (tables inline, figures as base64 data URIs) that a
student can open offline, e-mail or hand in as it is.
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd

from sim import __version__
from sim.report import stats

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
body{line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}.wide{overflow-x:auto}
.meta td{text-align:left}.clear{font-weight:bold}.note{color:#555;font-size:.9em}
img{max-width:100%;margin:.5em 0}
"""


def esc(x) -> str:
    return html.escape(str(x))


def num(x, sign: bool = False) -> str:
    """Three significant figures (whole numbers from 1,000 up); a dash for missing values."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int | np.integer):
        return str(x)
    plus = "+" if sign else ""
    return f"{x:{plus},.0f}" if abs(x) >= 1000 else f"{x:{plus}.3g}"


def interval(effect: float, lo: float, hi: float) -> str:
    return f"{num(effect, True)} [{num(lo, True)}, {num(hi, True)}]"


def table(frame: pd.DataFrame, bold: pd.Series | None = None) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = []
    for i, (_, row) in enumerate(frame.iterrows()):
        cls = ' class="clear"' if bold is not None and bool(bold.iloc[i]) else ""
        cells = "".join(f"<td>{esc(v) if isinstance(v, str) else num(v)}</td>" for v in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f'<div class="wide"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def pivot_effects(effects: pd.DataFrame, kind: str, outcomes: list[str]) -> pd.DataFrame:
    """Rows factor (and contrast), one column per outcome, cells "effect [lo, hi]"; * marks clear ones."""
    sub = effects[effects["kind"] == kind]
    rows = []
    for (factor, contrast), g in sub.groupby(["factor", "contrast"], sort=False):
        row = {"factor": factor} if kind == "interaction" else {"factor": factor, "contrast": contrast}
        for o in outcomes:
            r = g[g["outcome"] == o]
            if not r.empty:
                r = r.iloc[0]
                star = (" *†" if r.get("clear_after_fdr", False) else " *") if r["excludes_zero"] else ""
                row[o] = interval(r["effect"], r["ci_low"], r["ci_high"]) + star
        rows.append(row)
    return pd.DataFrame(rows)


def tests_section(effects: pd.DataFrame) -> str:
    """Every effect as a test: interval, paired t-test, Benjamini-Hochberg q-value, runs to tell it."""
    if effects.empty or "p_value" not in effects:
        return ""
    cols = ["kind", "factor", "contrast", "outcome", "effect", "ci_low", "ci_high", "excludes_zero",
            "p_value", "q_value", "clear_after_fdr", "runs_to_tell"]
    return ("<h2>Every test</h2><p class='note'>Raw: the interval excludes zero (excludes_zero) and the "
            "paired t-test's p_value. Controlled for the false discovery rate across all the tests below: "
            "q_value (Benjamini–Hochberg) and clear_after_fdr (excludes zero and q below 0.05). "
            "runs_to_tell: "
            f"{esc(stats.RUNS_TO_TELL)}.</p>" + table(effects[cols], effects["clear_after_fdr"]))


def precision_section(saved: dict) -> str:
    """`bordersim sweep --precision`: replications per design point, why it stopped, each chosen effect."""
    from sim.sweep.precision import why

    rounds = ", ".join(f"{r['replications']} ({r['unmet']} of {r['effects']} still wider)"
                       for r in saved["rounds"])
    effects = pd.DataFrame(saved["effects"]).fillna(np.nan)
    return ("<h2>How many runs</h2>"
            f"<p>{esc(why(saved))}. Rounds, replications (effects not yet within the rule): {esc(rounds)}. "
            "Every design point gets the same replications: effects pair the points replication by "
            "replication (common random numbers).</p>"
            + table(pd.DataFrame(saved["points"])) + table(effects, effects["met"]))


def image(data: bytes, alt: str) -> str:
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def record_section(record: dict) -> str:
    """The model against the record (sim.report.record): skill, the timeline, the table, the sources."""
    from sim.report.record import WITHIN, skill_line

    skills = "".join(f"<li>{esc(label)}: {esc(skill_line(row))}</li>"
                     for label, row in zip(record["labels"], record["skill"].to_dict("records"), strict=True))
    sources = "".join(
        f"<li><b>{esc(e['date'])}</b> {esc(e['what'])}: &ldquo;{esc(e['quote'])}&rdquo; "
        f"<a href='{esc(e['source'])}'>{esc(e['source'])}</a>"
        f"{' (partisan source)' if e['partisan'] else ''}</li>"
        for e in record["events"])
    return ("<h2>The model against the record</h2><p class='note'>For each event of the scenario's "
            "<code>record:</code>, the model's day over the replications of each design point against the "
            "record's date. The median and quartiles are over all runs, a run that had not shown the event "
            "by its last day counting as later than it: such a statistic is the run length + 1 in the table "
            f"(so the error shown is a lower bound). Skill: median absolute error of the median day over "
            f"events, and the share of events within &plusmn;{WITHIN} days.</p>"
            f"<ul>{skills}</ul>" + image(record["png"], "the model against the record: timeline")
            + table(record["table"].drop(columns=["event"])) + f"<h3>What happened</h3><ul>{sources}</ul>")


def page(*, exp: dict, meta: dict, ranking: pd.DataFrame | None, primary: str | None, effects: pd.DataFrame,
         sensitivity: pd.DataFrame | None, failed: pd.DataFrame, figures: list[tuple[str, bytes]],
         meanings: dict[str, str], discovery: str = "", record: dict | None = None,
         precision: dict | None = None) -> str:
    """The whole page as a string."""
    outcomes = exp["outcomes"]
    parts = [f"<h1>{esc(exp['title'])}</h1>", f"<p>{esc(exp.get('description', ''))}</p>",
             "<table class='meta'>"
             + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in meta.items()) + "</table>"]
    parts.append("<h2>Which channels matter most for pocket reduction</h2>")
    if ranking is None or ranking.empty:
        parts.append('<p class="note">No ranking: the experiment varies no channel on and off, or records no '
                     "pocket outcome (add <code>pockets_reduction_pct</code> to <code>outcomes</code>).</p>")
    else:
        top = ranking.iloc[0]
        parts.append(
            f"<p>Channels ranked by the size of their main effect on <b>{esc(primary)}</b> "
            f"({esc(meanings.get(primary, ''))}). The largest: <b>{esc(top['channel'])}</b>, "
            f"{interval(top['effect'], top['ci_low'], top['ci_high'])} when switched on "
            f"(pockets shrink: {esc(top['pockets_shrink'])}). "
            "Bold rows: the 95% interval excludes zero.</p>")
        shown = ranking.rename(columns={"effect": f"effect on {primary}"})
        parts.append(table(shown, ranking["excludes_zero"]))
    parts.append("<h2>Main effects</h2><p class='note'>Each setting minus the baseline (channel off, the "
                 "first level, or the lower half of a range), averaged over the other factors; 95% interval "
                 "over replications in brackets; * = interval excludes zero; † = still clear after "
                 "controlling the false discovery rate (see Every test).</p>")
    parts.append(table(pivot_effects(effects, "main", outcomes)))
    parts.append(f"<p>{esc(stats.chance_sentence(effects))}</p>")
    if (effects["kind"] == "interaction").any():
        parts.append("<h2>Two-way interactions</h2><p class='note'>Difference in differences: how much the "
                     "first factor's effect changes when the second is switched from its baseline.</p>")
        parts.append(table(pivot_effects(effects, "interaction", outcomes)))
    parts.append(tests_section(effects))
    if precision is not None:
        parts.append(precision_section(precision))
    if sensitivity is not None and not sensitivity.empty:
        kind = "Sobol indices (S1 first order, ST total)" if "ST" in sensitivity else "Morris screening (mu*)"
        parts.append(f"<h2>Global sensitivity: {kind}</h2>")
        parts.append(table(sensitivity))
    if record is not None:
        parts.append(record_section(record))
    parts.append(discovery)  # `bordersim discover`'s section (sim.report.discover), when asked
    parts.append("<h2>Figures</h2>")
    parts.extend(image(data, alt) for alt, data in figures)
    if not failed.empty:
        parts.append(f"<h2>Failed runs ({len(failed)})</h2>")
        parts.append(table(failed))
    parts.append("<h2>Outcomes</h2>")
    listed = pd.DataFrame({"outcome": outcomes, "meaning": [meanings.get(o, "") for o in outcomes]})
    parts.append(table(listed))
    parts.append(
        "<h2>How to read this report</h2><ul>"
        "<li>Replication r used the same random seed at every design point (common random numbers), so "
        "differences between points are differences between settings, not luck.</li>"
        "<li>Intervals are 95% intervals of the mean over replications: Student's t on the per-replication "
        "values (for an effect, the paired differences), widened where those values are skewed; a count "
        "whose replications all agree gets the exact Poisson interval. Measured at 3 to 20 replications, "
        "they contain the true mean at least 93% of the time (docs/intervals.md). Add replications "
        "(<code>bordersim sweep --precision R</code>) to narrow them.</li>"
        "<li>Many tests at once: an interval that excludes zero can be chance. The † mark and "
        "clear_after_fdr keep the findings that survive the false discovery rate control.</li>"
        "<li>Days to 50% / 90% / clear count as the run length + 1 when the milestone was never reached.</li>"
        "<li>This is a teaching model: effects describe the model's assumptions, not a forecast.</li></ul>"
        f"<p class='note'>bordersim {esc(__version__)}; tables: summary.csv, effects.csv, ranking.csv.</p>")
    title = esc(exp["title"])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n")
