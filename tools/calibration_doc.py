"""The generated blocks of docs/calibration.md, rebuilt from the files the calibration commands write.

Blocks sit between ``<!-- calibration:NAME -->`` and ``<!-- /calibration:NAME -->``; ``refresh()``
rebuilds every block from docs/calibration/*.csv and scenarios/calibrated/ (cheap, no model runs), and
tests/test_calibrate.py checks that the committed page equals what they give.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "calibration.md"
DATA = ROOT / "docs" / "calibration"
STAGE_2017 = DATA / "stage_2017"  # the first stage's posterior, point and generations, as it shipped
CALIBRATED = ROOT / "scenarios" / "calibrated"
CALIBRATION_2017 = ROOT / "experiments" / "calibrate_2017.yaml"  # the first calibration (its screening)
CALIBRATION = ROOT / "experiments" / "calibrate_joint.yaml"  # the one the params file comes from
JOINT_SHARE = 0.20  # the joint file calibrates a coefficient whose mu* reaches this share somewhere
SHARE = 0.10  # a coefficient whose mu* is below this share of the largest is left at its default
#: why a new rule's coefficient is not calibrated by the joint calibration
HELD_BY_JOINT = ("held at its declared default by the joint calibration: the joint screening finds "
                 "little effect on the four patterns")
#: coefficients left out although the screening may rank them: why
FIXED = {
    "sting_day": "a channel input (000: the sting's date); the sting is off in 2017",
    "sting_leaders_arrested": "a channel input (000: the arrests); the sting is off in 2017",
    "cohesion_loss_per_leader": "a channel's mechanism; the sting is off in 2017",
    "sync_radius_km": "the Iranian intermediary's synchronised push, off in 2017",
    "pincer_bonus": "the Iranian intermediary's pincer, off in 2017",
    "border_seal_raid_factor": "ISF-SDF coordination's border seal, off in 2017",
    "iraqi_sorties_without_coalition": "a channel input (004: the technicians' departure), 2020 only",
    "place_radius_km": "defines the observable (when a town counts as taken), not behaviour: calibrating "
                       "it would fit the ruler to the record",
    "place_hold_days": "defines the observable (when a town counts as taken), not behaviour",
    "civilian_harm_per_strike": "an index no record measures; no effect on the distance",
    "raid_civilian_harm": "an index no record measures; no effect on the distance",
    "air_range_km": "a fact of the aircraft and bases: over its bounds (10 km upwards) a short range "
                    "grounds the air campaign, which is what the screening measures",
    "incident_range_km": "fixed by its source in deir_ezzor_2017 (003: less than 10 miles apart)",
    "visibility_valley": "how often a cell is found: acts on the targets through the strikes, whose "
                         "lethality is calibrated; the record cannot separate finding from killing",
    "isis_concealment": "how often a cell is found (as visibility_valley)",
    "detect_air_isr": "how often a cell is found (as visibility_valley)",
    "detect_ground": "how often a cell is found (as visibility_valley)",
    "halt_days": "the pause after an incident: acts through the incidents, whose rates are calibrated",
    "counterattack_range_km": "the reach of a counter-attack, left at 30 km; its rate is calibrated",
    "incident_factor_with_line": "the line's factor multiplies both incident rates, which are "
                                 "calibrated; with the line open all through 2017 the record cannot "
                                 "tell factor from rate",
    "visibility_urban": "how often a cell is found (as visibility_valley)",
    "visibility_desert": "how often a cell is found (as visibility_valley)",
    "sensor_range_km": "how far ground units find cells: acts through finding (as visibility_valley)",
    "river_crossing_factor": "a crossing's cost in speed: acts through the advance, whose speed is "
                             "calibrated; its effect comes from the far end of its bounds (rivers no "
                             "column can cross)",
    "reinforce_range_km": "the reach of reinforcement, left at 60 km; its rate is calibrated (see "
                          "Limitations below): its effect comes "
                          "from the far end of its bounds (ISIS feeding a front from 500 km)",
    "clash_duration_days": "how long a ground clash between the rival camps lasts: acts through the "
                           "incidents, whose rates are calibrated; 003's incidents were all in the air",
    "urban_defense_factor": "the defenders' advantage in towns, beside prepared_defense_factor (which "
                            "is calibrated) on the same fire: the record cannot separate the two",
    "encircled_will_factor": HELD_BY_JOINT,
    "surrender_share": HELD_BY_JOINT,
    "families_will_factor": HELD_BY_JOINT,
    "raid_rate": "no record counts raids in 2017; its effect on the distance is through the fighters "
                 "it costs the ground forces (see Limitations below)",
}
_BLOCK = re.compile(r"(<!-- calibration:(\w+) -->\n)(.*?)(<!-- /calibration:\2 -->)", re.DOTALL)
_Rows = Callable[[pd.DataFrame], list[str]]  # a table -> the lines of its block


def _fmt(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{float(f'{v:.3g}'):g}"


def _calibrated(path: Path = CALIBRATION) -> dict:
    from sim.calibrate.spec import load_calibration

    return {p.name: p for p in load_calibration(path).priors}


def _csv_block(path: Path, missing: str) -> Callable[[_Rows], Callable[[], str]]:
    """Decorator: ``build`` turns the table at ``path`` into the block's lines; the decorated name takes
    no argument and gives the block's text, the lines joined, or ``(missing)`` while there is no file."""
    def wrap(build: _Rows) -> Callable[[], str]:
        @functools.wraps(build, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
        def block() -> str:
            if not path.is_file():
                return f"({missing})\n"
            return "\n".join(build(pd.read_csv(path))) + "\n"
        return block
    return wrap


@_csv_block(DATA / "screening.csv", "no screening yet: run `python -m tools.screening`")
def screening_block(table: pd.DataFrame) -> list[str]:
    from sim.calibrate.priors import default_prior

    d = table[table["output"] == "distance"].sort_values("mu_star", ascending=False)
    d = d.reset_index(drop=True)
    top = float(d["mu_star"].max())
    chosen = _calibrated(CALIBRATION_2017)
    targets = [c for c in table["output"].unique() if c != "distance"]
    lead = {c: table[table["output"] == c].sort_values("mu_star").iloc[-1]["coefficient"] for c in targets}
    rows = [f"Morris screening, {int(table['trajectories'].iloc[0])} trajectories of {len(d) + 1} runs "
            f"each ({int(table['trajectories'].iloc[0]) * (len(d) + 1)} runs), every coefficient over its "
            "declared bounds on the priors' scale. mu*: mean absolute elementary effect on the distance; "
            "sigma: its spread (interactions, non-linearity); share: mu* / the largest mu*; the same share "
            "for the deviations of the town events and of the fighters left.", "",
            "| rank | coefficient | scale | mu* | sigma | share | share on town events "
            "| share on fighters left | calibrated? |",
            "|---|---|---|---|---|---|---|---|---|"]
    per = {}
    for target in ("town_events", "isis_fighters_left"):
        t = table[table["output"] == target].set_index("coefficient")["mu_star"]
        per[target] = t / t.max() if len(t) and t.max() > 0 else t * 0
    for i, r in d.iterrows():
        name = r["coefficient"]
        share = r["mu_star"] / top if top > 0 else 0.0
        if name in chosen:
            verdict = "**yes**"
        elif name in FIXED:
            verdict = f"no: {FIXED[name]}"
        elif max(share, *(per[t].get(name, 0.0) for t in per)) < SHARE:
            verdict = f"no: below {SHARE:.0%} of the largest on the distance and on both: little effect"
        else:
            verdict = "no: see below"
        scale = "log" if default_prior(name).log else "linear"
        on = [f"{per[t].get(name, 0.0):.0%}" if len(per[t]) else "" for t in per]
        rows.append(f"| {i + 1} | `{name}` | {scale} | {_fmt(r['mu_star'])} | {_fmt(r['sigma'])} | "
                    f"{share:.0%} | {on[0]} | {on[1]} | {verdict} |")
    rows += ["", "The coefficient with the largest effect on each target's deviation: " + "; ".join(
        f"{t}: `{c}`" for t, c in lead.items()) + ".", "",
        "![Morris screening: mu* against sigma](img/calibration_screening.png)"]
    return rows


@_csv_block(DATA / "screening_joint.csv", "no joint screening yet: run `python -m tools.screening --joint`")
def screening_joint_block(table: pd.DataFrame) -> list[str]:
    """The joint file's coefficients on the joint distance: each one's largest share of mu*, over the
    distance and every target's deviation, and whether the joint file calibrates it."""
    from sim.calibrate.posterior import read_params_file
    from sim.scenario.params import Params

    wide = table.pivot(index="coefficient", columns="output", values="mu_star")
    share = wide / wide.max().replace(0, np.nan)
    outputs = ["distance", *(c for c in table["output"].unique() if c != "distance")]
    best = share[outputs].max(axis=1).sort_values(ascending=False)
    chosen = _calibrated()
    trajectories = int(table["trajectories"].iloc[0])
    first = _calibrated(CALIBRATION_2017)
    rows = [f"Morris screening, {trajectories} trajectories of {len(best) + 1} points each "
            f"({trajectories * (len(best) + 1)} points, each the calibration's runs per particle), the 2017 "
            "set and the new rules' coefficients over the joint priors, the others at the params file's "
            "values. Each column: mu* on that output as a share of the largest mu* on it; largest: the "
            f"coefficient's largest share over the distance and the {len(outputs) - 1} targets' deviations. "
            "A new rule's "
            f"coefficient is calibrated in the second stage when that reaches {JOINT_SHARE:.0%}; a 2017 "
            "coefficient when its first-stage point does not stand for the first-stage posterior.", "",
            "| coefficient | distance | " + " | ".join(o.replace("_", " ") for o in outputs[1:]) +
            " | largest | second stage |",
            "|---|" + "---|" * (len(outputs) + 2)]
    current = {n: f.default for n, f in Params.model_fields.items()}
    current.update(read_params_file(STAGE_2017 / "params.yaml"))
    for name, top in best.items():
        cells = " | ".join(f"{share.at[name, o]:.0%}" for o in outputs)
        if name in chosen:
            verdict = "**calibrated**"
        elif name in first:
            verdict = f"first stage's {_fmt(current[name])}"
        else:
            verdict = f"default {_fmt(current[name])}: below {JOINT_SHARE:.0%}"
        rows.append(f"| `{name}` | {cells} | {top:.0%} | {verdict} |")
    return rows


def _generations(g: pd.DataFrame, calibration: Path) -> list[str]:
    rows = ["| generation | epsilon | particles run | accepted | acceptance | minutes |",
            "|---|---|---|---|---|---|"]
    prior = g[g["t"] < 0]
    if len(prior):  # pyabc's sample from the prior that sets the first epsilon (t = -1)
        rows.append(f"| prior sample (sets the first epsilon) | | {int(prior['samples'].sum())} | | | "
                    f"{prior['wall_time'].sum() / 60:.1f} |")
    for _, r in g[g["t"] >= 0].iterrows():
        rows.append(f"| {int(r['t']) + 1} | {_fmt(r['epsilon'])} | {int(r['samples'])} | "
                    f"{int(r['particles'])} | {r['particles'] / r['samples']:.0%} | "
                    f"{r['wall_time'] / 60:.1f} |")
    total = g["wall_time"].sum() / 60
    from sim.calibrate.spec import load_calibration

    spec = load_calibration(calibration)
    runs = spec.runs_per_particle * len(spec.scenarios)
    each = (f"{len(spec.scenarios)} scenarios, {spec.runs_per_particle} seeds" if len(spec.scenarios) > 1
            else f"{spec.runs_per_particle} seeds")
    rows += ["", f"{int(g['samples'].sum())} particles run ({runs} model runs each: {each}) in "
             f"{total:.1f} minutes" + (", the sample from the prior included." if len(prior) else
                                        " of generations (the calibration sample from the prior included in "
                                        "the first row's time).")]
    return rows


@_csv_block(DATA / "generations.csv", "no calibration yet: run `python -m tools.calibration`")
def generations_block(g: pd.DataFrame) -> list[str]:
    return _generations(g, CALIBRATION)


@_csv_block(STAGE_2017 / "generations.csv", "no first stage")
def generations_2017_block(g: pd.DataFrame) -> list[str]:
    return _generations(g, CALIBRATION_2017)


def _posterior(post: pd.DataFrame, calibration: Path, params: Path, pairs: str | None) -> list[str]:
    """The posterior table: each coefficient's prior, weighted median, 90% interval and point."""
    from sim.calibrate.posterior import read_params_file, weighted_quantile
    from sim.calibrate.priors import declared

    w = post["weight"].to_numpy()
    chosen = _calibrated(calibration)
    ess = 1.0 / float(np.sum((w / w.sum()) ** 2))
    rows = [f"{len(post)} particles of the last generation (importance weights; effective sample size "
            f"{ess:.0f}). Prior: its scale and range; narrow: the 90% interval's width as a share of the "
            "prior's (on the prior's scale).", "",
            "| coefficient | default before | prior | weighted median | 90% interval | narrow "
            "| point (its params file) |",
            "|---|---|---|---|---|---|---|"]
    point = read_params_file(params)
    for name in [c for c in post.columns if c != "weight"]:
        p = chosen[name]
        x = post[name].to_numpy()
        lo, med, hi = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        a, b = p.space()
        span = (np.log10(hi) - np.log10(lo)) if p.log else (hi - lo)
        rows.append(f"| `{name}` | {_fmt(declared(name)[2])} | {p.kind} {_fmt(p.lo)}–{_fmt(p.hi)} | "
                    f"{_fmt(med)} | {_fmt(lo)} to {_fmt(hi)} | {span / (b - a):.0%} | "
                    f"**{_fmt(point.get(name, float('nan')))}** |")
    if pairs:
        rows += ["", f"![Posterior pair plot]({pairs})"]
    return rows


@_csv_block(CALIBRATED / "posterior.csv", "no posterior yet")
def posterior_block(post: pd.DataFrame) -> list[str]:
    return _posterior(post, CALIBRATION, CALIBRATED / "params.yaml", "img/calibration_pairs.png")


@_csv_block(STAGE_2017 / "posterior.csv", "no first stage")
def posterior_2017_block(post: pd.DataFrame) -> list[str]:
    return _posterior(post, CALIBRATION_2017, STAGE_2017 / "params.yaml", None)


@_csv_block(DATA / "predictive.csv", "no posterior-predictive runs yet")
def predictive_block(pr: pd.DataFrame) -> list[str]:
    rows = []
    ev = pr[pr["kind"] == "event"]
    if not ev.empty:
        rows += ["| record event | record day | model day: median | 25-75% | shown in | "
                 "abs. error of the median |",
                 "|---|---|---|---|---|---|"]
        for eid, g in ev.groupby("id", sort=False):
            days = g["model_day"].dropna()
            rec = int(g["record_day"].iloc[0])
            med = float(days.median()) if len(days) else float("nan")
            q = days.quantile([0.25, 0.75]) if len(days) else pd.Series([np.nan, np.nan])
            rows.append(f"| {eid} | {rec} | {_fmt(med)} | {_fmt(q.iloc[0])}–{_fmt(q.iloc[1])} | "
                        f"{len(days)}/{len(g)} runs | {_fmt(abs(med - rec))} |")
        rows.append("")
    checks = pr[pr["kind"] == "check"]
    for _, r in checks.iterrows():
        rows.append(f"- {r['id']}: **{_fmt(r['value'])}** ({r['what']})")
    rows += ["", "![Posterior predictive: model against record](img/calibration_predictive.png)"]
    return rows


@_csv_block(DATA / "predictive.csv", "no posterior-predictive runs yet")
def checks_block(pr: pd.DataFrame) -> list[str]:
    """The done-when checks of the calibrated model (20 fresh seeds each; tools.calibration)."""
    checks = pr[pr["kind"] == "check"]
    return [f"- {r['id']}: **{_fmt(r['value'])}** ({r['what']})" for _, r in checks.iterrows()]


def articles_block() -> str:
    """The article rates with the calibrated model (tests/test_calibration.py writes this block)."""
    path = DATA / "articles.md"
    return path.read_text(encoding="utf-8") if path.is_file() else "(run tests/test_calibration.py --write)\n"


GENERATORS = {"screening": screening_block, "screening_joint": screening_joint_block,
              "generations": generations_block, "posterior": posterior_block,
              "generations_2017": generations_2017_block, "posterior_2017": posterior_2017_block,
              "predictive": predictive_block, "checks": checks_block, "articles": articles_block}


def refresh_text(text: str) -> str:
    return _BLOCK.sub(lambda m: f"{m.group(1)}{GENERATORS[m.group(2)]()}{m.group(4)}", text)


def main() -> int:
    refresh()
    return 0


def refresh() -> None:
    from sim.outputs import write_text

    text = DOC.read_text(encoding="utf-8")
    new = refresh_text(text)
    if new != text:
        write_text(DOC, new)
        print(f"refreshed {DOC}")


if __name__ == "__main__":
    raise SystemExit(main())
