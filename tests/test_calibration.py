"""Calibration: the rates the seed articles report, reproduced by the scenarios' baselines.

Each target is an article figure with its verbatim quote and the model quantity chosen to match
it; the quantity is averaged over 20 seeds and must lie within +-30% of the figure. Targets the
model does not reproduce (a missing mechanism, or a rate the calibration gives up) are kept as
strict xfails with the reason, so they start failing -- and get promoted -- the day that changes.

Refresh their block of docs/calibration.md (docs/calibration/articles.md; about half a minute) with:

    .venv/bin/python tests/test_calibration.py --write
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA
from sim.model import BorderModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "calibration.md"
BLOCK = ROOT / "docs" / "calibration" / "articles.md"
SEEDS = tuple(range(20))
TOLERANCE = 0.30
WEEK = 7  # days 1-7 of a run: pockets_2018 starts 1 April 2018, the article's week is 30 March - 5 April
MONTH = 30
MAX_DAYS = 60  # give up looking for the Iraqi Air Force's first strikes in Syria after this
A000, A001, A003 = "000_8cc010e97ee6cc1c.txt", "001_7ee1bc880b577988.txt", "003_e3f1c5d059373657.txt"
NO_SHARE = ("air.coalition.iraq_share=null", "air.iraqi.iraq_share=null")  # sorties go by strength alone
ONE_RATE = ("params.air_incident_rate=0.08", "params.incident_rate=0.08")  # the defaults: one hazard for both


@dataclass(frozen=True)
class Target:
    key: str
    scenario: str
    figure: float
    file: str
    quote: str
    quantity: str
    gap: str | None = None  # the mechanism that keeps the model from reproducing it


#: The split of 001's week between Iraq and Syria is in both stages' distance, and the calibration's
#: point gives it up for the 2017 record (docs/calibration.md, "A rate the first stage's point gives
#: up"): its last generation splits the week about as the article does, its point about evenly.
SPLIT_GAP = ("not a missing mechanism but a rate the calibration weighs and gives up: both stages hold the "
             "split in their distance and the first stage's last generation splits the week about 5.3 to "
             "3.7 on average, but the point (the posterior median, the best of the candidates on fresh "
             "seeds) splits it about evenly: the small Iraqi remnants are often unfound (a cell pressed "
             "within twice contact_km disperses and hides)")


TARGETS = (
    Target("coalition_strikes_week", "pockets_2018", 9, A001,
           "Six of the nine airstrikes carried out between Mar. 30 and Apr. 5 were in Iraq.",
           "coalition strikes on days 1-7 (Iraq and Syria)"),
    Target("iraqi_strike_kills", "pockets_2018", 36, A000,
           "A previous airstrike in Syria by the Iraqi Air Force, which killed 36 ISIS militants",
           "kills of the larger of the Iraqi Air Force's first two strikes in Syria",
           gap="a newsworthy maximum, not an average: the record's aggregate figures bound the average "
               "strike at about 3 killed (record.yaml air_campaign), and the calibration holds the model "
               "to that bound, so a strike kills Poisson(strength x strike_kill_fraction) with a "
               "fraction calibrated on the average; one of the Iraqi Air Force's first two strikes in "
               "Syria reaching 36 would need a heavy-tailed lethality (a strike catching a gathering), "
               "which the model does not have"),
    Target("rival_incidents_month", "deir_ezzor_2017", 3, A003,
           "In a series of incidents in June, U.S. forces shot down two Syrian government drones and an "
           "Su-22 aircraft", "incidents between the SDF and SAA camps (air and ground) on days 1-30"),
    Target("coalition_strikes_iraq_week", "pockets_2018", 6, A001,
           "Six of the nine airstrikes carried out between Mar. 30 and Apr. 5 were in Iraq.",
           "coalition strikes in Iraq on days 1-7"),
    Target("coalition_strikes_syria_week", "pockets_2018", 3, A001,
           "Three other recent airstrikes were conducted in northeastern (near Shadaddi) or eastern "
           "(Albu Kamal) Syria", "coalition strikes in Syria on days 1-7", gap=SPLIT_GAP),
    Target("rival_air_incidents_month", "deir_ezzor_2017", 3, A003,
           "U.S. forces shot down two Syrian government drones and an Su-22 aircraft",
           "air incidents between the rival camps on days 1-30"),
)


# ---------------------------------------------------------------- measuring
def _scenario(name: str, overrides: tuple[str, ...] = ()):
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml", list(overrides))


def _pockets_run(scenario, seed: int) -> dict[str, float]:
    """One pockets_2018 run, every strike logged (wing, country, kills) by wrapping each AirWing.strike."""
    model = BorderModel(scenario=scenario, rng=seed)
    log: list[tuple[int, str, int, float]] = []

    def logging(wing):
        strike = wing.strike

        def logged(target, rng):
            before = target.strength
            strike(target, rng)
            log.append((model.steps, wing.wing, int(model.theater.country[target.cell.coordinate]),
                        before - target.strength))
        return logged

    for wing in model.air_wings():
        wing.strike = logging(wing)
    iraqi_in_syria = []
    while model.steps < WEEK or (len(iraqi_in_syria) < 2 and model.steps < MAX_DAYS):
        model.step()
        iraqi_in_syria = [k for _, w, c, k in log if w == "iraqi" and c == COUNTRY_SYRIA]
    week = [(w, c) for d, w, c, _ in log if d <= WEEK and w == "coalition"]
    iraqi = [c for d, w, c, _ in log if d <= WEEK and w == "iraqi"]
    return {
        "iraqi_strikes_week": len(iraqi),
        "iraqi_strikes_syria_week": sum(c == COUNTRY_SYRIA for c in iraqi),
        "coalition_strikes_week": len(week),
        "coalition_strikes_iraq_week": sum(c == COUNTRY_IRAQ for _, c in week),
        "coalition_strikes_syria_week": sum(c == COUNTRY_SYRIA for _, c in week),
        "iraqi_strike_kills": max(iraqi_in_syria[:2], default=0.0),
    }


def _deir_ezzor_run(scenario, seed: int) -> dict[str, float]:
    model = BorderModel(scenario=scenario, rng=seed).run(MONTH)
    ts = model.datacollector.get_model_vars_dataframe()
    return {"rival_incidents_month": float(ts["incidents"].sum()),
            "rival_air_incidents_month": float(ts["air_incidents"].sum())}


RUNNERS = {"pockets_2018": _pockets_run, "deir_ezzor_2017": _deir_ezzor_run}


@functools.cache
def measured(name: str, overrides: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Quantity key -> its value in each seed, for the baseline of scenario ``name``."""
    scenario = _scenario(name, overrides)
    runs = [RUNNERS[name](scenario, seed) for seed in SEEDS]
    return {key: np.array([r[key] for r in runs], dtype=float) for key in runs[0]}


@dataclass(frozen=True)
class Result:
    target: Target
    mean: float
    ci: tuple[float, float]  # 95% confidence interval of the mean (t)
    spread: tuple[float, float]  # 2.5 and 97.5 percentiles over seeds

    @property
    def error(self) -> float:
        return self.mean / self.target.figure - 1.0

    @property
    def within(self) -> bool:
        return abs(self.error) <= TOLERANCE


def result(target: Target) -> Result:
    x = measured(target.scenario)[target.key]
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    lo, hi = np.percentile(x, [2.5, 97.5])
    return Result(target, float(x.mean()), (float(x.mean() - half), float(x.mean() + half)),
                  (float(lo), float(hi)))


# ---------------------------------------------------------------- tests
CALIBRATED = [t for t in TARGETS if t.gap is None]
GAPS = [t for t in TARGETS if t.gap is not None]


@pytest.mark.parametrize("target", CALIBRATED, ids=lambda t: t.key)
def test_baseline_reproduces_the_article(target):
    r = result(target)
    assert r.within, f"{target.key}: model {r.mean:.2f} vs article {target.figure} ({r.error:+.0%})"


if GAPS:  # a target with a `gap` is kept as a strict xfail until its mechanism exists
    @pytest.mark.parametrize("target", [pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=t.gap))
                                        for t in GAPS], ids=lambda t: t.key)
    def test_known_gap_still_open(target):
        assert result(target).within


def test_the_six_in_iraq_needed_the_country_share():
    """Sorties drawn by strength alone send most coalition strikes to the big Syrian pockets."""
    split = measured("pockets_2018", NO_SHARE)
    assert split["coalition_strikes_iraq_week"].mean() < (1 - TOLERANCE) * 6
    assert split["coalition_strikes_syria_week"].mean() > (1 + TOLERANCE) * 3


def test_the_three_shoot_downs_needed_their_own_rate():
    """With one hazard for air and ground incidents (the defaults) air incidents stay rare, clashes do not."""
    one = measured("deir_ezzor_2017", ONE_RATE)
    assert one["rival_air_incidents_month"].mean() < (1 - TOLERANCE) * 3
    assert one["rival_incidents_month"].mean() > one["rival_air_incidents_month"].mean() * 3


def test_calibration_doc_lists_every_target():
    text = DOC.read_text(encoding="utf-8")
    for target in TARGETS:
        assert f"`{target.key}`" in text and " ".join(target.quote.split()) in text, target.key


# ---------------------------------------------------------------- docs/calibration.md
def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown() -> str:
    no_share = measured("pockets_2018", NO_SHARE)
    no_share_iraq = no_share["coalition_strikes_iraq_week"].mean()
    no_share_syria = no_share["coalition_strikes_syria_week"].mean()
    one = measured("deir_ezzor_2017", ONE_RATE)
    one_air, one_total = one["rival_air_incidents_month"].mean(), one["rival_incidents_month"].mean()
    dez = measured("deir_ezzor_2017")
    ground = dez["rival_incidents_month"] - dez["rival_air_incidents_month"]
    out = [
        "Generated by `.venv/bin/python tests/test_calibration.py --write`; the same targets are checked",
        "by `tests/test_calibration.py`. Each row is a rate or figure a seed article reports, the model",
        f"quantity chosen to match it, and that quantity over {len(SEEDS)} seeds (0-{SEEDS[-1]}) of the",
        "scenario's baseline: its mean, the 95% confidence interval of the mean, the range of 95% of",
        f"the seeds, and whether the mean lies within +-{TOLERANCE:.0%} of the article's figure.", "",
        "| Target | Scenario | Article figure | Model quantity | Mean | 95% CI of mean | 95% of seeds "
        "| Within +-30%? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    results = [result(t) for t in TARGETS]
    for r in results:
        t = r.target
        verdict = "yes" if r.within else ("no: model mechanism, see below" if t.gap else "**no**")
        out.append(
            f"| `{t.key}` | {t.scenario} | **{t.figure:g}**: `{t.file}`: “{_cell(t.quote)}” | "
            f"{_cell(t.quantity)} | {r.mean:.2f} ({r.error:+.0%}) | {r.ci[0]:.2f} to {r.ci[1]:.2f} | "
            f"{r.spread[0]:.1f} to {r.spread[1]:.1f} | {verdict} |")
    out += [
        "", "## How each quantity was chosen", "",
        "- `coalition_strikes_week`: 001 counts nine coalition strikes from 30 March to 5 April 2018;",
        "  pockets_2018 starts on 1 April, so its first seven days stand for that week. The coalition's",
        "  `sorties_per_day` is 9/7; a sortie becomes a strike only when a detected target is in reach,",
        "  so the match is a test of the detection model, not a tautology.",
        "- `iraqi_strike_kills`: 000 calls the Dashisha strike \"the third such airstrike\" and reports",
        "  that \"a previous airstrike\" killed 36. The model quantity is the kills of the larger of the",
        "  Iraqi Air Force's first two strikes in Syria in each run (a strike kills",
        "  Poisson(strength x `strike_kill_fraction`) of the cell it hits). It once calibrated",
        "  `strike_kill_fraction` (0.26); the calibration to the record replaced that: 36 in one",
        "  strike is a newsworthy maximum, and the aggregate figures bound the average (see below).",
        "- `coalition_strikes_iraq_week` and `coalition_strikes_syria_week`: the same week, split by the",
        "  country of the struck cell. A wing's `iraq_share` (in its `air:` entry) sends each sortie to a",
        "  detected target in Iraq with that probability and to one in Syria otherwise, then picks the",
        "  target by strength as before; a sortie whose country has no detected target today goes to the",
        "  other. pockets_2018 gives the coalition 6/9 = 0.67 from the same sentence of 001, so the split",
        "  is an input, and the test checks that detection in Iraq (air reconnaissance, and the ISF's",
        "  ground sensing pooled by ISF-SDF coordination) supplies enough targets to realise it; the",
        "  Baghdad belt cells, far from any Iraqi unit, are rarely found, and the Iraqi Air Force strikes",
        "  the same few Iraqi cells. Without the shares (sorties by strength alone, the mechanism",
        f"  before) the coalition's week is {no_share_iraq:.2f} strikes in Iraq and {no_share_syria:.2f}",
        "  in Syria: the Syrian pockets hold about 2,100 of the 2,600 ISIS fighters.",
        "- `rival_incidents_month` and `rival_air_incidents_month`: the only incident rate in 003 is June",
        "  2017's series of incidents, before this scenario starts (10 September 2017) but between the",
        "  same two camps with the deconfliction channel already open. The series is three shoot-downs:",
        "  three incidents in all, all of them in the air, no ground clash. The model quantities are every",
        "  incident between the SDF and SAA camps in the first 30 days (air and ground) and the air",
        "  incidents alone, with the channel open. Air incidents have their own hazard,",
        "  `air_incident_rate` (per strike within `incident_range_km` of the rival camp's ground forces),",
        "  and ground clashes theirs, `incident_rate` (per close pair and day); the line's",
        "  `incident_factor_with_line` multiplies both. The calibration to the record fits",
        "  `air_incident_rate` and `incident_rate` to these two targets together with the record's",
        "  events (the calibrated point in scenarios/calibrated/params.yaml, shared by every scenario):",
        f"  {ground.mean():.2f} ground clashes a month remain. With the defaults, one hazard of 0.08 for",
        f"  both (the model before the split), the month has {one_air:.2f} air incidents and",
        f"  {one_total - one_air:.2f} ground clashes: mostly the wrong kind of incident (the article's",
        "  three were all in the air).", "",
    ]
    if GAPS:
        out += ["## Targets the model does not reproduce, and why", ""]
        for gap in dict.fromkeys(t.gap for t in GAPS):
            keys = " and ".join(f"`{t.key}` (article {t.figure:g})" for t in GAPS if t.gap == gap)
            out.append(f"- {keys}: {gap}")
        out.append("")
    base = measured("pockets_2018")
    syria, total = base["iraqi_strikes_syria_week"].sum(), base["iraqi_strikes_week"].sum()
    no_syria = no_share["iraqi_strikes_syria_week"].sum()
    no_total = no_share["iraqi_strikes_week"].sum()
    out += ["## The Iraqi Air Force in Syria (not tested)", "",
            "000 says Dashisha was only \"the third such airstrike\" by the Iraqi Air Force in Syria. With",
            f"sorties by strength alone, {no_syria / no_total:.0%} of the Iraqi wing's strikes in the first",
            f"week of pockets_2018 hit Syria ({no_syria / len(SEEDS):.1f} a week), because the two Iraqi",
            "channels open its strike zone to the larger Syrian cells: the third strike in Syria would come",
            "in the first week. pockets_2018 therefore gives the Iraqi wing `iraq_share` = 0.9, an",
            "assumption (no article says over how long the three strikes were spread): now",
            f"{syria / total:.0%} of its strikes in the first week hit Syria",
            f"({syria / len(SEEDS):.2f} a week), about one every "
            f"{7 * len(SEEDS) / max(syria, 1):.0f} days.",
            "The first two of them come later and find smaller cells."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    text = markdown()
    if "--write" in sys.argv[1:]:
        BLOCK.parent.mkdir(parents=True, exist_ok=True)
        BLOCK.write_text(text, encoding="utf-8")
        print(f"wrote {BLOCK}")
        sys.path.insert(0, str(ROOT))
        from tools.calibration_doc import refresh

        refresh()
    else:
        sys.stdout.write(text)
