"""The only module that touches ``mesa.discrete_space``.

Mesa 4 is expected to change PropertyLayer; keeping every call here means a Mesa
upgrade is a one-file change. The rest of the code reads layers as plain numpy arrays.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import random as _random
import weakref

import numpy as np
from mesa.discrete_space import Cell, OrthogonalMooreGrid, PropertyLayer

from sim.geography.theater import STATIC_LAYERS, Theater

#: Cell's own storage for ``connections`` (a __slots__ member), wrapped by _LazyCell's property.
_CONNECTIONS = Cell.__dict__["connections"]
#: Mesa's order of the eight Moore neighbours (OrthogonalMooreGrid._connect_cells_2d).
_MOORE_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


class _LazyCell(Cell):
    """A Mesa cell whose ``connections`` are built the first time they are read.

    The model moves agents by coordinate and never asks a cell for its neighbours, yet Mesa's grid
    connects all 8 x width x height of them up front (0.1 s at 0.05 deg, 0.4 s at 0.025 deg, most
    of a run's set-up). Built on demand they are the same dict, in the same order, as Mesa's.
    """

    __slots__ = ()
    _grid: weakref.ref | None = None  # set on each grid's own GridCell class; weak, see make_mesa_grid

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _CONNECTIONS.__delete__(self)  # unset: the next read builds them

    @property
    def connections(self) -> dict:
        try:
            return _CONNECTIONS.__get__(self)
        except AttributeError:
            connections = self._grid().moore_neighbours(self)
            _CONNECTIONS.__set__(self, connections)
            return connections

    @connections.setter
    def connections(self, value: dict) -> None:
        _CONNECTIONS.__set__(self, value)


class _LazyMooreGrid(OrthogonalMooreGrid):
    """Mesa's non-torus Moore grid, with cells connected on demand (see _LazyCell)."""

    def _connect_cells_2d(self) -> None:
        self.cell_klass._grid = weakref.ref(self)

    def moore_neighbours(self, cell: Cell) -> dict:
        """What OrthogonalMooreGrid._connect_single_cell_2d connects ``cell`` to."""
        i, j = cell.coordinate
        width, height = self.dimensions
        cells, neighbours = self._cells, {}
        for di, dj in _MOORE_OFFSETS:
            ni, nj = i + di, j + dj
            if self.torus:
                ni, nj = ni % width, nj % height
            if 0 <= ni < width and 0 <= nj < height:
                neighbours[(di, dj)] = cells[ni, nj]
        return neighbours


@contextlib.contextmanager
def _gc_paused():
    """No garbage collection while tens of thousands of cells are allocated: every collection
    would walk the whole heap (numpy, pandas, Mesa...) and find nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def make_mesa_grid(theater: Theater, random: _random.Random) -> OrthogonalMooreGrid:
    """A non-torus Moore grid of the theater's shape carrying every static layer.

    Static layers are copied into Mesa (``PropertyLayer.from_data``) and then made
    read-only, so an agent writing e.g. ``cell.country = 2`` fails loudly instead of
    silently redrawing the border for everyone.

    Mesa registers each grid's own cell class with ``copyreg`` (for pickling) and never
    unregisters it; the class carries the layers' accessors, so every model would leave its
    layers behind (1.5 MB a run at 0.05 deg, growing without bound in a sweep worker). The
    registration is dropped when the grid is garbage.
    """
    with _gc_paused():
        grid = _LazyMooreGrid(
            (theater.width, theater.height), torus=False, capacity=None, random=random,
            cell_klass=_LazyCell)
    weakref.finalize(grid, copyreg.dispatch_table.pop, grid.cell_klass, None)
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
