"""Global sensitivity indices for Sobol and Morris designs (SALib).

SALib's analysers need one value per row of the exact sample they generated, so each design point
contributes its mean over replications, and the raw sample is read back from design.parquet.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from sim.report.stats import SweepData, factor_name

SALIB_SEED = 20180401  # SALib's own bootstrap of the indices' confidence (its *_conf columns)


def _problem(data: SweepData) -> dict:
    bounds = [list(f["range"]) if "range" in f else [0.0, 1.0] for f in data.factors]
    return {"num_vars": len(bounds), "names": [factor_name(f) for f in data.factors], "bounds": bounds}


def sensitivity_table(data: SweepData, design: pd.DataFrame) -> pd.DataFrame | None:
    """Sobol S1/ST or Morris mu*/sigma per factor and outcome; None for other designs."""
    spec = data.exp["design"]
    if spec["type"] not in ("sobol", "morris"):
        return None
    from SALib.analyze import morris, sobol

    prob = _problem(data)
    raw = design.sort_values("point")[[f"raw_{n}" for n in prob["names"]]].to_numpy(dtype=float)
    rows = []
    for outcome in data.outcomes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y = np.nanmean(data.y[outcome], axis=1)
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue  # a point without a finished run, or an outcome the factors never move
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if spec["type"] == "sobol":
                second = bool(spec.get("second_order"))
                res = sobol.analyze(prob, y, calc_second_order=second, seed=SALIB_SEED)
                cols = {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                res = morris.analyze(prob, raw, y, num_levels=int(spec.get("levels", 4)), seed=SALIB_SEED)
                cols = {"mu": res["mu"], "mu_star": res["mu_star"], "sigma": res["sigma"],
                        "mu_star_conf": res["mu_star_conf"]}
        for j, name in enumerate(prob["names"]):
            rows.append({"outcome": outcome, "factor": name, **{k: float(v[j]) for k, v in cols.items()}})
    return pd.DataFrame(rows)
