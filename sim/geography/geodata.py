"""Vector geometry (rivers, roads, country outlines, regions) read from the packaged YAML.

Loaded once per process and returned as read-only numpy arrays, because every theater
and every scenario reads the same geometry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import yaml

DATA_PACKAGE = "sim"
DATA_FILE = "data/geography.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


@functools.cache
def load_raw() -> dict[str, Any]:
    """The parsed ``sim/data/geography.yaml`` (shared by gazetteer and geodata; don't mutate)."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_Loader)  # a safe loader (C or pure Python)


def _frozen(coords: Any) -> np.ndarray:
    arr = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Region:
    """A named area of operations; ``polygon`` is a closed ring of [lon, lat]."""

    name: str
    names: tuple[str, ...]
    polygon: np.ndarray = field(repr=False)
    description: str = ""


@dataclass(frozen=True)
class GeoData:
    """All vector geometry; every array is (n, 2) [lon, lat], read-only.

    ``rivers`` run upstream -> downstream; ``countries`` maps "Iraq"/"Syria" to their
    outer rings (clipped to the data extent, no holes).
    """

    rivers: dict[str, np.ndarray]
    roads: dict[str, np.ndarray]
    road_names: dict[str, tuple[str, ...]]
    countries: dict[str, list[np.ndarray]]
    regions: dict[str, Region]
    extent: tuple[float, float, float, float]


@functools.cache
def load_geodata() -> GeoData:
    """Parse the geometry once; callers share the same read-only arrays."""
    raw = load_raw()
    ext = raw["meta"]["extent"]
    return GeoData(
        rivers={k: _frozen(v["coords"]) for k, v in raw["rivers"].items()},
        roads={k: _frozen(v["coords"]) for k, v in raw["roads"].items()},
        road_names={k: tuple(v["names"]) for k, v in raw["roads"].items()},
        countries={k: [_frozen(ring) for ring in v] for k, v in raw["countries"].items()},
        regions={
            k: Region(k, tuple(v["names"]), _frozen(v["polygon"]), v.get("description", ""))
            for k, v in raw["regions"].items()
        },
        extent=(ext["lon_min"], ext["lon_max"], ext["lat_min"], ext["lat_max"]),
    )
