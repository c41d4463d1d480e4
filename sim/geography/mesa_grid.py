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
from mesa.discrete_space import Cell, DiscreteSpace, OrthogonalMooreGrid, PropertyLayer
from mesa.discrete_space.grid import pickle_gridcell

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


class _Cells(dict):
    """A grid's cells by coordinate, each made the first time it is asked for.

    Agents stand on a few dozen of the theater's 19,200 cells; Mesa makes every cell up front, an object
    with its coordinate, an agent list and a properties dict: 5.5 MB a model, most of a classroom
    session's memory (docs/performance.md). Made on demand they are the same cells (the property
    layers are on the cell class, read at the coordinate), so the model's results do not change.
    ``all_cells`` and ``agents`` see the cells made so far, which hold every agent.
    """

    __slots__ = ("_grid",)

    def __init__(self, grid: _LazyMooreGrid):
        super().__init__()
        self._grid = weakref.ref(grid)

    def __missing__(self, key) -> Cell:
        grid = self._grid()
        try:
            i, j = (int(k) for k in key)
        except (TypeError, ValueError):
            raise KeyError(key) from None
        width, height = grid.dimensions
        if not (0 <= i < width and 0 <= j < height):
            raise KeyError(key)
        cell = grid.cell_klass((i, j), capacity=grid.capacity, random=grid.random)
        self[i, j] = cell
        return cell

    def __reduce__(self):  # a pickled grid keeps the cells made so far, as Mesa's plain dict
        return dict, (dict(self),)


class _LazyMooreGrid(OrthogonalMooreGrid):
    """Mesa's non-torus Moore grid, with cells made (see _Cells) and connected (see _LazyCell) on demand."""

    def __init__(self, dimensions, torus: bool = False, capacity=None, random=None, cell_klass=Cell) -> None:
        # Mesa 3.5's Grid.__init__, but the cells are made on demand instead of all at once
        DiscreteSpace.__init__(self, capacity=capacity, random=random, cell_klass=cell_klass)
        self.torus = torus
        self.dimensions = dimensions
        self._try_random = True
        self._ndims = len(dimensions)
        self._validate_parameters()
        self.cell_klass = type("GridCell", (self.cell_klass,), {"_mesa_properties": set(), "__slots__": ()})
        copyreg.pickle(self.cell_klass, pickle_gridcell)
        self._cells = _Cells(self)
        self._connect_cells()
        self.create_property_layer("empty", default_value=True, dtype=bool)

    @property
    def _celllist(self) -> list:
        """Every cell (Mesa's random cell choice wants them all; the model never asks)."""
        width, height = self.dimensions
        return [self._cells[i, j] for i in range(width) for j in range(height)]

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
    """A non-torus Moore grid of the theater's shape carrying every static layer (its cells made and
    connected when first used, see _Cells and _LazyCell).

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
