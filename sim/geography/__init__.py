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
from sim.lazy import lazy_getattr

#: Imported on first use: the theater (scipy and matplotlib, ~0.3 s) and the Mesa seam (Mesa, ~0.6 s)
#: are needed to build a model, never to validate, list or report on scenarios.
_LAZY = {
    "STATIC_LAYERS": "theater",
    "Theater": "theater",
    "build_theater": "theater",
    "add_layer": "mesa_grid",
    "layer": "mesa_grid",
    "make_mesa_grid": "mesa_grid",
}


__getattr__ = lazy_getattr(__name__, _LAZY)

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
