"""The only module that touches ``mesa.discrete_space``.

Mesa 4 is expected to change PropertyLayer; keeping every call here means a Mesa
upgrade is a one-file change. The rest of the code reads layers as plain numpy arrays.
"""

from __future__ import annotations

import random as _random

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer

from sim.geography.theater import STATIC_LAYERS, Theater


def make_mesa_grid(theater: Theater, random: _random.Random) -> OrthogonalMooreGrid:
    """A non-torus Moore grid of the theater's shape carrying every static layer.

    Static layers are copied into Mesa (``PropertyLayer.from_data``) and then made
    read-only, so an agent writing e.g. ``cell.country = 2`` fails loudly instead of
    silently redrawing the border for everyone.
    """
    grid = OrthogonalMooreGrid(
        (theater.width, theater.height), torus=False, capacity=None, random=random)
    for name in STATIC_LAYERS:
        prop = PropertyLayer.from_data(name, getattr(theater, name))
        prop.data.flags.writeable = False
        grid.add_property_layer(prop)
    return grid


def add_layer(grid: OrthogonalMooreGrid, name: str, array: np.ndarray) -> None:
    """Attach a dynamic layer that shares ``array`` (no copy): numpy writes to the array
    show through ``cell.<name>`` and vice versa."""
    if tuple(array.shape) != tuple(grid.dimensions):
        raise ValueError(f"layer {name!r} shape {array.shape} != grid {grid.dimensions}")
    prop = PropertyLayer(name, tuple(grid.dimensions), default_value=array.dtype.type(0),
                         dtype=array.dtype.type)
    prop._data = array  # Mesa 3.5 has no public no-copy constructor; accessors bind _data
    grid.add_property_layer(prop)


def layer(grid: OrthogonalMooreGrid, name: str) -> np.ndarray:
    """The numpy array behind property layer ``name`` (KeyError if there is none)."""
    try:
        prop = getattr(grid, name)
    except AttributeError as e:
        raise KeyError(f"grid has no property layer {name!r}") from e
    if not isinstance(prop, PropertyLayer):
        raise KeyError(f"{name!r} is a grid attribute, not a property layer")
    return prop.data
