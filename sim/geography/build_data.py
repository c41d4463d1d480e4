"""Regenerate ``sim/data/geography.yaml`` from the shared reference geography.

Why a script: the reference file is large (provinces, every border, long source notes);
the simulation needs a small, stable subset. Keeping the reduction in code makes the
committed YAML reproducible and reviewable. Usage::

    python -m sim.geography.build_data /path/to/reference/geography.yaml [out.yaml]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import yaml

from sim.geography.spec import DATA_EXTENT

OUT_DEFAULT = Path(__file__).resolve().parents[1] / "data" / "geography.yaml"
RIVER_TOLERANCE_DEG = 0.01
RIVERS = ("euphrates", "tigris", "khabur")
COUNTRIES = ("Iraq", "Syria")

# Placeholder population (thousands) by kind, for places without a figure we trust.
POP_BY_KIND = {"city": 100.0, "town": 10.0, "airbase": 1.0, "facility": 0.2,
               "border_crossing": 0.5}

# Thousands of inhabitants, rounded. "census_2004": Syrian 2004 census. "estimate":
# rounded public estimates of varying years (pre-2014 where possible) - order of magnitude
# only; wartime displacement changed all of these.
POPULATION = {
    "Deir ez-Zor": (212, "census_2004"), "Albu Kamal": (43, "census_2004"),
    "Hasakah": (188, "census_2004"), "Mayadin": (44, "census_2004"),
    "Raqqa": (220, "census_2004"), "Qamishli": (184, "census_2004"),
    "Palmyra": (51, "census_2004"), "Tabqa (al-Thawrah)": (69, "census_2004"),
    "Ra's al-'Ayn": (29, "census_2004"), "Damascus": (1552, "census_2004"),
    "Hajin": (38, "estimate"), "Shaddadi": (16, "estimate"), "al-Sukhnah": (15, "estimate"),
    "Baghdad": (7000, "estimate"), "Mosul": (1500, "estimate"), "Erbil": (1000, "estimate"),
    "Kirkuk": (850, "estimate"), "Baqubah": (470, "estimate"), "Ramadi": (450, "estimate"),
    "Samarra": (350, "estimate"), "Dohuk": (350, "estimate"), "Fallujah": (300, "estimate"),
    "Tal Afar": (200, "estimate"), "Tikrit": (160, "estimate"), "Bayji": (150, "estimate"),
    "Hit": (100, "estimate"), "Hawija": (100, "estimate"), "Haditha": (90, "estimate"),
    "Sinjar": (90, "estimate"), "Al-Qaim": (75, "estimate"), "Rutbah": (25, "estimate"),
}


# Places the project adds to the reference's, each with a public source for its position.
PROJECT_PLACES = (
    {"name": "al-Omar oil field", "alt_names": ["al-Omar", "Al Omar oilfield", "حقل العمر"],
     "country": "Syria", "lon": 40.56, "lat": 35.04, "kind": "facility",
     "source": "ESTIMATE - 'Al Omar lies on the eastern bank of the Euphrates River, around 10 "
               "kilometres east of the town of Mayadeen' (https://www.thenationalnews.com/world/mena/"
               "us-backed-forces-seize-major-syria-oilfield-1.669314): 10 km east of Mayadin, "
               "east of the river; a field of several km, so about 5 km uncertain",
     "approx": True},
)


class _Flow(list):
    """A list dumped in YAML flow style, so coordinate lists stay compact."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def simplify(coords: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker in degrees; keeps the first and last vertex and the vertex order."""
    pts = np.asarray(coords, dtype=float)
    keep = np.zeros(len(pts), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b, mid = pts[i], pts[j], pts[i + 1:j]
        ab = b - a
        norm = np.hypot(*ab)
        if norm == 0:
            d = np.hypot(*(mid - a).T)
        else:
            d = np.abs(ab[0] * (mid[:, 1] - a[1]) - ab[1] * (mid[:, 0] - a[0])) / norm
        k = int(np.argmax(d))
        if d[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return pts[keep]


def _coords(arr) -> _Flow:
    return _Flow(_Flow([round(float(x), 3), round(float(y), 3)]) for x, y in arr)


def _source_tag(text: str) -> str:
    m = re.match(r"'?\s*([A-Z][A-Z0-9_]+)", str(text))
    return m.group(1) if m else "UNKNOWN"


def _place(p: dict) -> dict:
    pop, basis = POPULATION.get(p["name"], (POP_BY_KIND[p["kind"]], "by_kind"))
    out = {
        "name": p["name"], "alt_names": _Flow(p.get("alt_names") or []),
        "country": p["country"], "lon": p["lon"], "lat": p["lat"], "kind": p["kind"],
        "population": float(pop), "population_basis": basis, "source": _source_tag(p["source"]),
    }
    if p.get("approx"):
        out["approx"] = True
    return out


def build(ref: dict) -> dict:
    """Reduce the reference mapping to the subset the simulation reads."""
    meta = ref["meta"]
    bb = ref["bbox"]["recommended"]
    extent = (bb["lon_min"], bb["lon_max"], bb["lat_min"], bb["lat_max"])
    assert extent == DATA_EXTENT, f"reference bbox {extent} != DATA_EXTENT {DATA_EXTENT}"
    countries = {}
    for name in COUNTRIES:
        polys = ref["borders"]["country_outlines_clipped_to_bbox"]["countries"][name]["polygons"]
        assert all(len(rings) == 1 for rings in polys), f"{name}: holes are not supported"
        countries[name] = [_coords(rings[0]) for rings in polys]
    rivers = {}
    for name in RIVERS:
        simple = simplify(np.array(ref["rivers"][name]["coords"]), RIVER_TOLERANCE_DEG)
        rivers[name] = {"source": _source_tag(ref["rivers"][name]["source"]),
                        "coords": _coords(simple)}
    roads = {
        key: {"names": _Flow(r.get("names") or [" - ".join(r["waypoints"])]),
              "waypoints": _Flow(r["waypoints"]), "coords": _coords(r["coords"])}
        for key, r in ref["roads"].items() if not key.startswith("_")
    }
    regions = {}
    for key, r in ref["regions"].items():
        names = r.get("names") or [key.replace("_", " ").replace("al ", "al-", 1)]
        regions[key] = {"names": _Flow(names), "description": r.get("description", ""),
                        "polygon": _coords(r["polygon"])}
    return {
        "meta": {
            "title": "bordersim geography (reduced from the project reference geography)",
            "crs": meta["crs"],
            "coordinate_order": meta["coordinate_order"],
            "extent": dict(zip(("lon_min", "lon_max", "lat_min", "lat_max"), extent, strict=True)),
            "derivation": (
                "Generated by sim/geography/build_data.py. Rivers re-simplified with "
                f"Douglas-Peucker {RIVER_TOLERANCE_DEG} deg (order upstream -> downstream); "
                "country outlines as in the reference (already coverage-simplified 0.005 deg, "
                "clipped to the extent); roads are straight waypoint polylines; regions are "
                "hand-closed envelopes, not dated control maps."),
            "population": (
                "Thousands of inhabitants. population_basis: census_2004 = Syrian 2004 census, "
                "rounded; estimate = rounded public estimate of varying year, order of "
                "magnitude only; by_kind = placeholder by kind "
                + ", ".join(f"{k} {v:g}" for k, v in POP_BY_KIND.items()) + "."),
            "approximate_items": meta["approximate_items"],
            "sources": meta["sources"],
            "licences": meta["licences"],
        },
        "places": [_place(p) for p in ref["places"]],
        "extra_places": [_place(p) for p in (*ref["extra_places"], *PROJECT_PLACES)],
        "countries": countries,
        "rivers": rivers,
        "roads": roads,
        "regions": regions,
    }


def main(argv: list[str] | None = None) -> int:
    """Read the reference path (argv[0]) and write the reduced YAML (argv[1] or default)."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    ref = yaml.safe_load(Path(args[0]).read_text(encoding="utf-8"))
    out = Path(args[1]) if len(args) > 1 else OUT_DEFAULT
    text = yaml.dump(build(ref), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    header = ("# Generated by `python -m sim.geography.build_data <reference geography.yaml>`;"
              " do not edit by hand.\n")
    out.write_text(header + text, encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1024:.1f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
