"""`bordersim discover SWEEP_DIR --where "OUTCOME OP NUMBER"`: which assumptions decide the answer?

Scenario discovery on a finished sweep with the EMA Workbench's own algorithms (none is written
again here):

- **PRIM** (``ema_workbench.analysis.prim``) peels the space of the sweep's factors down to the box
  in which the condition holds most often: its peeling trajectory (coverage against density), the
  chosen box with each restricted factor's range and quasi-p value (Bryant and Lempert's one-sided
  binomial test: how likely the restriction is to be chance);
- **feature scoring** (extra trees) ranks the factors for every recorded outcome, and for the
  condition itself;
- **dimensional stacking** shows the share of runs meeting the condition over the two or three
  factors that matter most for it.

Every run (design point x replication) is one case, so a box's density is the chance that a run
in it meets the condition, seeds included. Failed runs are left out. The results go to
SWEEP_DIR/report/ as discover_*.csv and discover_*.png, and into report.html as a section; the
condition is kept in report/discover.json, so `bordersim report` rebuilds the section.
"""

from __future__ import annotations

import json
import operator
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError, did_you_mean
from sim.report import html
from sim.report.plots import png
from sim.sweep import outcomes as oc

SAVED = "discover.json"  # in SWEEP_DIR/report/: the last condition asked, for `bordersim report`
SCORE_SEED = 20180401  # extra trees are randomised: a fixed seed keeps the tables byte-identical
MIN_COVERAGE = 0.5  # the chosen box: the densest on the trajectory that still covers half the cases
OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq,
       "!=": operator.ne}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CONDITION = re.compile(rf"^\s*([A-Za-z_]\w*)\s*(<=|>=|==|!=|<|>)\s*({_NUMBER})\s*$")
EXAMPLE = '"euphrates_days_to_50pct <= 30"'


@dataclass(frozen=True)
class Condition:
    outcome: str
    op: str
    threshold: float

    @property
    def text(self) -> str:
        return f"{self.outcome} {self.op} {self.threshold:g}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        return OPS[self.op](values, self.threshold)


def parse_condition(text: str, recorded: list[str], pockets) -> Condition:
    """``OUTCOME OP NUMBER`` with an outcome the sweep recorded; one ScenarioError otherwise."""
    match = _CONDITION.match(text or "")
    if not match:
        raise ScenarioError(f"expected OUTCOME OP NUMBER with OP one of {' '.join(OPS)}, e.g. {EXAMPLE}, "
                            f"got {text!r}", path="--where")
    name, op, number = match.groups()
    if name not in recorded:
        known = oc.available(pockets)
        why = "is an outcome this sweep did not record" if name in known else "is not an outcome"
        hint = did_you_mean(name, recorded)
        listed = "" if hint else f"; this sweep recorded {', '.join(recorded)}"
        raise ScenarioError(f"{name!r} {why}{listed}", path="--where", hint=hint)
    return Condition(name, op, float(number))


@dataclass
class Discovery:
    condition: Condition
    cases: int
    hits: int
    peeling: pd.DataFrame  # PRIM's trajectory: coverage, density, mass, res_dim per box
    chosen: int
    box: pd.DataFrame  # restricted factors of the chosen box, with ranges and quasi-p values
    scores: pd.DataFrame  # feature scores: factor x outcome (and the condition)
    stacked: list[str]
    stacking: pd.DataFrame  # share of runs meeting the condition per cell of the stacked factors
    figures: list[tuple[str, str, bytes]] = field(default_factory=list)  # (file stem, title, PNG)


def _workbench():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from ema_workbench.analysis import dimensional_stacking, feature_scoring, prim
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    return prim, feature_scoring, dimensional_stacking, RuleInductionType


def _factors(exp: dict, results: pd.DataFrame) -> pd.DataFrame:
    """The varied factors, one column each: coefficients as floats, channels as off/on categories."""
    x = {}
    for f in exp["factors"]:
        name = f.get("channel") or f["param"]
        column = results[name]
        if "channel" in f:
            x[name] = pd.Categorical(np.where(column.astype(bool), "on", "off"), categories=["off", "on"])
        else:
            x[name] = column.astype(float).to_numpy()
    x = pd.DataFrame(x)
    varied = [c for c in x.columns if x[c].nunique() > 1]
    if not varied:
        raise ScenarioError("this sweep varies no factor: there is nothing to discover", path="SWEEP_DIR")
    return x[varied]


def _check_split(cond: Condition, y: np.ndarray, values: np.ndarray) -> None:
    hits, n = int(y.sum()), y.size
    if 0 < hits < n:
        return
    which = "every one" if hits == n else "none"
    lo, hi = np.nanmin(values), np.nanmax(values)
    raise ScenarioError(f"{cond.text!r} is true for {which} of the {n} runs ({cond.outcome} ranges from "
                        f"{lo:g} to {hi:g}): there is nothing to tell apart", path="--where",
                        hint=f"a threshold between {lo:g} and {hi:g}")


def _choose(peeling: pd.DataFrame, minimum: float) -> int:
    """The densest box covering at least ``minimum`` of the cases (the first box if none does)."""
    ok = peeling[peeling["coverage"] >= minimum]
    if ok.empty:
        return 0
    return int(ok.sort_values(["density", "res_dim"], ascending=[False, True], kind="stable").index[0])


def _box_table(box, i: int, x: pd.DataFrame) -> pd.DataFrame:
    """One row per restricted factor of box ``i``: its range in the box and in the sweep, quasi-p.

    Read from the box's ``box_lims`` and ``p_values`` (the factors PRIM restricted, with the
    quasi-p of each restricted side; -1 where a side is not restricted), not ``inspect(style="data")``,
    which fails on a restricted categorical factor with pandas 3.
    """
    rows = []
    for name, qp in box.p_values[i].items():
        limits = box.box_lims[i][name]
        qp = [np.nan if q is None or q < 0 else float(q) for q in qp]
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            rows.append({"factor": name, "box": "/".join(sorted(limits.iloc[0])), "sweep": "off/on",
                         "qp_lower": qp[0]})
        else:
            lo, hi = float(limits.iloc[0]), float(limits.iloc[1])
            rows.append({"factor": name, "box": f"{lo:.4g} to {hi:.4g}",
                         "sweep": f"{x[name].min():.4g} to {x[name].max():.4g}", "lower": lo, "upper": hi,
                         "qp_lower": qp[0], "qp_upper": qp[1]})
    columns = ["factor", "box", "sweep", "lower", "upper", "qp_lower", "qp_upper"]
    return pd.DataFrame(rows, columns=columns)


def _scores(x: pd.DataFrame, outcomes: dict[str, np.ndarray], cond: Condition, y: np.ndarray,
            fs, kinds) -> pd.DataFrame:
    # a constant has no drivers, and extra trees take no NaN (an outcome undefined in some run)
    scored = {name: v for name, v in outcomes.items() if np.isfinite(v).all() and np.std(v) > 0}
    table = fs.get_feature_scores_all(x, scored, alg="extra trees", mode=kinds.REGRESSION,
                                      random_state=SCORE_SEED) if scored else pd.DataFrame(index=x.columns)
    which, _ = fs.get_ex_feature_scores(x, y.astype(int), mode=kinds.CLASSIFICATION, random_state=SCORE_SEED)
    table.insert(0, f"[{cond.text}]", which[1])
    table = table.reindex(columns=[table.columns[0], *outcomes.keys()])
    table.index.name = "factor"
    return table.sort_values(table.columns[0], ascending=False, kind="stable")


def _stacking(x: pd.DataFrame, y: np.ndarray, top: list[str], ds) -> pd.DataFrame:
    """The share of runs meeting the condition per cell: EMA's discretisation (3 bins) and layout."""
    cut = ds.discretize(x[top], nbins=3, with_labels=True)
    for name in top:  # discretize numbers the categories; put off/on back
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            cut[name] = cut[name].cat.rename_categories(list(x[name].cat.categories))
    frame = pd.concat([cut, pd.Series(y.astype(float), name="share")], axis=1)
    rows, cols = top[0::2], top[1::2]
    return pd.pivot_table(frame, values="share", index=rows, columns=cols, dropna=False, observed=False)


def _figures(box, chosen: int, scores: pd.DataFrame, stacking: pd.DataFrame, ds, cond: Condition):
    import matplotlib.pyplot as plt  # EMA draws with pyplot; every figure is closed once saved
    from matplotlib.figure import Figure

    figs = []
    trade = box.show_tradeoff(annotated=True)
    ax = trade.axes[0]
    row = box.peeling_trajectory.iloc[chosen]
    ax.scatter([row["coverage"]], [row["density"]], s=160, facecolors="none", edgecolors="#d62728")
    ax.set_title(f"PRIM peeling trajectory for {cond.text}\n(circled: the box chosen, {chosen})", fontsize=9)
    figs.append(("discover_peeling", "PRIM peeling trajectory: coverage against density", trade))
    if box.box_lims[chosen].ne(box.box_lims[0]).any().any():
        box.select(chosen)
        limits = box.inspect(chosen, style="graph")[0]
        limits = limits[0] if isinstance(limits, tuple) else limits
        figs.append(("discover_box", f"the chosen box ({chosen}): ranges and quasi-p values", limits))
    heat = Figure(figsize=(1.2 + 0.9 * scores.shape[1], 1.0 + 0.35 * scores.shape[0]), layout="constrained")
    _heatmap(heat.add_subplot(), scores)
    figs.append(("discover_scores", "feature scores (extra trees) for the condition and each outcome", heat))
    if stacking.size:
        stacked = ds.plot_pivot_table(stacking, plot_labels=True, plot_cats=True, figsize=(8, 6))
        stacked.suptitle(f"share of runs with {cond.text} (dimensional stacking)", fontsize=10)
        figs.append(("discover_stacking", "dimensional stacking of the most important factors", stacked))
    out = []
    for stem, title, fig in figs:
        out.append((stem, title, png(fig)))
        plt.close(fig)
    return out


def _heatmap(ax, scores: pd.DataFrame) -> None:
    import seaborn as sns

    sns.heatmap(scores.fillna(0.0), ax=ax, cmap="viridis", annot=True, fmt=".2f", annot_kws={"fontsize": 7},
                cbar=False)
    ax.set_xticklabels([str(c) for c in scores.columns], rotation=45, ha="right", fontsize=7)
    ax.set_yticklabels(list(scores.index), rotation=0, fontsize=7)
    ax.set_ylabel("")


def discover(exp: dict, results: pd.DataFrame, where: str, *, box: int | None = None) -> Discovery:
    """PRIM, feature scoring and dimensional stacking of ``where`` over the sweep's runs."""
    cond = parse_condition(where, list(exp["outcomes"]), exp["pockets"])
    ok = results[results["status"] == "ok"].reset_index(drop=True)
    values = ok[cond.outcome].to_numpy(float)
    ok = ok[~np.isnan(values)].reset_index(drop=True)
    values = values[~np.isnan(values)]
    x = _factors(exp, ok)
    y = cond.holds(values)
    _check_split(cond, y, values)
    prim, fs, ds, kinds = _workbench()
    with warnings.catch_warnings():  # pandas deprecations inside the Workbench are not the user's to fix
        warnings.filterwarnings("ignore", module="ema_workbench")
        primbox = prim.Prim(x, y).find_box()
    peeling = primbox.peeling_trajectory.copy()
    if box is not None and not 0 <= box < len(peeling):
        raise ScenarioError(f"box {box} is not on the peeling trajectory (0 to {len(peeling) - 1})",
                            path="--box")
    chosen = _choose(peeling, MIN_COVERAGE) if box is None else box
    outcomes = {o: ok[o].to_numpy(float) for o in exp["outcomes"]}
    scores = _scores(x, outcomes, cond, y, fs, kinds)
    top = list(scores.index[: 3 if len(scores) >= 3 else 2]) if len(scores) >= 2 else []
    stacking = _stacking(x, y, top, ds) if top else pd.DataFrame()
    table = _box_table(primbox, chosen, x)
    found = Discovery(cond, len(y), int(y.sum()), peeling, chosen, table, scores, top, stacking)
    found.figures = _figures(primbox, chosen, scores, stacking, ds, cond)
    return found


def saved(out: Path) -> dict | None:
    """The condition (and box) last given to `bordersim discover` for this sweep, if any."""
    path = out / SAVED
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {"where": str(data["where"]), "box": data.get("box")}
    except (OSError, ValueError, KeyError, TypeError):
        raise ScenarioError(f"{path} is damaged", path="SWEEP_DIR",
                            hint=f"`bordersim discover` again with --where, e.g. --where {EXAMPLE}") from None


def write(out: Path, d: Discovery, box: int | None) -> list[Path]:
    """discover_*.csv, discover_*.png and discover.json in the report folder."""
    from sim.outputs import atomic_write, write_json

    def csv(name: str, frame: pd.DataFrame, index: bool = False) -> Path:
        frame = frame.round(6)
        atomic_write(out / name, lambda tmp: frame.to_csv(tmp, index=index, lineterminator="\n"))
        return out / name

    peeling = d.peeling.assign(chosen=d.peeling.index == d.chosen)
    files = [csv("discover_peeling.csv", peeling), csv("discover_box.csv", d.box),
             csv("discover_scores.csv", d.scores, index=True)]
    if d.stacking.size:
        files.append(csv("discover_stacking.csv", d.stacking.stack(list(range(d.stacking.columns.nlevels)),
                                                                   future_stack=True)
                         .rename("share").reset_index()))
    for stem, _, data in d.figures:
        atomic_write(out / f"{stem}.png", lambda tmp, data=data: tmp.write_bytes(data))
        files.append(out / f"{stem}.png")
    write_json(out / SAVED, {"where": d.condition.text, "box": box})
    files.append(out / SAVED)
    return files


def summary(d: Discovery) -> str:
    """What PRIM found, in a few lines for the terminal."""
    row = d.peeling.iloc[d.chosen]
    lines = [f"{d.condition.text}: true in {d.hits} of {d.cases} runs ({100 * d.hits / d.cases:.0f}%)",
             f"PRIM box {d.chosen} of {len(d.peeling) - 1}: coverage {row['coverage']:.2f}, density "
             f"{row['density']:.2f}, {int(row['res_dim'])} restricted factors"]
    for _, r in d.box.iterrows():
        qp = np.nanmin([r["qp_lower"], r["qp_upper"]])
        lines.append(f"  {r['factor']}: {r['box']} (sweep {r['sweep']}), quasi-p {qp:.2g}")
    lines.append("most important factors for it: " + ", ".join(d.scores.index[:3]))
    return "\n".join(lines)


def section(d: Discovery) -> str:
    """The report.html section."""
    row = d.peeling.iloc[d.chosen]
    cond = html.esc(d.condition.text)
    parts = [f"<h2>Which assumptions matter: <code>{cond}</code></h2>",
             f"<p>The condition holds in <b>{d.hits}</b> of {d.cases} runs ({100 * d.hits / d.cases:.0f}%). "
             "PRIM (EMA Workbench) peels the factors' ranges down to boxes where it holds more often: "
             "<i>coverage</i> is the share of all runs meeting the condition that fall in the box, "
             "<i>density</i> the share of the box's runs that meet it. The chosen box is the densest "
             f"that still covers {MIN_COVERAGE:.0%} of them (<code>--box N</code> picks another): box "
             f"{d.chosen}, coverage {row['coverage']:.2f}, density {row['density']:.2f}.</p>"]
    if d.box.empty:
        parts.append("<p class='note'>No box restricts any factor: no setting of the factors makes the "
                     "condition clearly more likely.</p>")
    else:
        parts.append("<p class='note'>Quasi-p: the chance that dropping the restriction on that side would "
                     "keep the density (one-sided binomial test); above 0.05 the restriction may be "
                     "chance.</p>")
        parts.append(html.table(d.box.drop(columns=["lower", "upper"])))
    parts.append("<h3>Feature scores (extra trees)</h3><p class='note'>How much each factor explains of "
                 "the condition (first column) and of each outcome; each column sums to 1.</p>")
    parts.append(html.table(d.scores.reset_index()))
    parts.extend(html.image(data, title) for _, title, data in d.figures)
    parts.append("<p class='note'>Tables: discover_peeling.csv, discover_box.csv, discover_scores.csv, "
                 "discover_stacking.csv.</p>")
    return "".join(parts)
