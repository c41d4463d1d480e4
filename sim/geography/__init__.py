"""The world grid: place names, vector geometry and the rasterised theater.

Everything geographic the model needs comes through this package, so the rest of the
code never parses coordinates or touches Mesa's property-layer API directly.
"""

from sim.geography.gazetteer import Gazetteer, Place, load_gazetteer
from sim.geography.geodata import GeoData, Region, load_geodata
from sim.geography.spec import (
    COUNTRY_IRAQ,
    COUNTRY_OTHER,
    COUNTRY_SYRIA,
    RIVER_EUPHRATES,
    RIVER_KHABUR,
    RIVER_NONE,
    RIVER_TIGRIS,
    TERRAIN_DESERT,
    TERRAIN_URBAN,
    TERRAIN_VALLEY,
    GridSpec,
)
from sim.geography.theater import STATIC_LAYERS, Theater, build_theater

_MESA_SEAM = ("add_layer", "layer", "make_mesa_grid")


def __getattr__(name: str):
    """Import the Mesa seam only when used: Mesa costs ~0.6 s at start-up, and validating or
    listing scenarios never needs it."""
    if name in _MESA_SEAM:
        from sim.geography import mesa_grid

        return getattr(mesa_grid, name)
    raise AttributeError(f"module 'sim.geography' has no attribute {name!r}")

__all__ = [
    "COUNTRY_IRAQ",
    "COUNTRY_OTHER",
    "COUNTRY_SYRIA",
    "RIVER_EUPHRATES",
    "RIVER_KHABUR",
    "RIVER_NONE",
    "RIVER_TIGRIS",
    "STATIC_LAYERS",
    "TERRAIN_DESERT",
    "TERRAIN_URBAN",
    "TERRAIN_VALLEY",
    "Gazetteer",
    "GeoData",
    "GridSpec",
    "Place",
    "Region",
    "Theater",
    "add_layer",
    "build_theater",
    "layer",
    "load_gazetteer",
    "load_geodata",
    "make_mesa_grid",
]
