"""The only module that touches ``mesa.discrete_space``.

Mesa 4 is expected to change PropertyLayer; keeping every call here means a Mesa
upgrade is a one-file change. The rest of the code reads layers as plain numpy arrays.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import itertools
import random as _random
import weakref

import numpy as np
from mesa.discrete_space import Cell, OrthogonalMooreGrid, PropertyLayer
from mesa.discrete_space.discrete_space import DiscreteSpace
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


class _LazyCells(dict):
    """A grid's cells by coordinate, each built the first time it is asked for.

    A run touches a few hundred of the theater's 19,200 cells (where its agents stand and walk);
    building them all costs more than a tenth of a run and about 10 MB. Lookups by coordinate
    (``grid[x, y]``, what the model does) build one cell; anything that asks for all of them
    (iteration, ``values()``, ``len``: Mesa's ``all_cells``, ``select_random_empty_cell``) builds
    the rest first, in Mesa's order, so it sees the full grid as Mesa would.
    """

    __slots__ = ("_make", "_dimensions", "_complete")

    def __init__(self, dimensions: tuple[int, int], make) -> None:
        super().__init__()
        self._make, self._dimensions, self._complete = make, tuple(dimensions), False

    def __missing__(self, coordinate):
        width, height = self._dimensions
        x, y = coordinate  # a malformed key fails here, as a dict lookup of it would
        if not (0 <= x < width and 0 <= y < height):
            raise KeyError(coordinate)
        cell = self[coordinate] = self._make((x, y))
        return cell

    def complete(self) -> dict:
        """Build every cell not built yet, in Mesa's (x-major) order; returns self."""
        if not self._complete:
            width, height = self._dimensions
            built = dict(self)
            self.clear()
            with _gc_paused():
                for coordinate in itertools.product(range(width), range(height)):
                    self[coordinate] = built.get(coordinate) or self._make(coordinate)
            self._complete = True
        return self

    def __iter__(self):
        return dict.__iter__(self.complete())

    def __len__(self) -> int:
        return dict.__len__(self.complete())

    def keys(self):
        return dict.keys(self.complete())

    def values(self):
        return dict.values(self.complete())

    def items(self):
        return dict.items(self.complete())


class _LazyMooreGrid(OrthogonalMooreGrid):
    """Mesa's non-torus Moore grid, with cells built (``_LazyCells``) and connected (``_LazyCell``)
    on demand. ``__init__`` does what ``mesa.discrete_space.Grid.__init__`` does, except building
    every cell up front."""

    def __init__(self, dimensions, torus=False, capacity=None, random=None, cell_klass=Cell) -> None:
        DiscreteSpace.__init__(self, capacity=capacity, random=random, cell_klass=cell_klass)
        self.torus = torus
        self.dimensions = dimensions
        self._try_random = True
        self._ndims = len(dimensions)
        self._validate_parameters()
        self.cell_klass = type("GridCell", (self.cell_klass,), {"_mesa_properties": set(), "__slots__": ()})
        copyreg.pickle(self.cell_klass, pickle_gridcell)
        klass, rng = self.cell_klass, self.random
        self._cells = _LazyCells(dimensions, lambda xy: klass(xy, capacity=capacity, random=rng))
        self._connect_cells()
        self.create_property_layer("empty", default_value=True, dtype=bool)

    @property
    def _celllist(self) -> list:
        """Every cell, as Mesa's ``Grid`` keeps them for random choice (built on first use)."""
        return list(self._cells.values())

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

    Static layers are the theater's own read-only arrays, shared by every model on that theater
    (no copy), so an agent writing e.g. ``cell.country = 2`` fails loudly instead of silently
    redrawing the border for everyone.

    Mesa registers each grid's own cell class with ``copyreg`` (for pickling) and never
    unregisters it; the class carries the layers' accessors, so every model would leave its
    layers behind (1.5 MB a run at 0.05 deg, growing without bound in a sweep worker). The
    registration is dropped when the grid is garbage.
    """
    grid = _LazyMooreGrid(
        (theater.width, theater.height), torus=False, capacity=None, random=random, cell_klass=_LazyCell)
    weakref.finalize(grid, copyreg.dispatch_table.pop, grid.cell_klass, None)
    for name in STATIC_LAYERS:
        data = getattr(theater, name)
        if data.flags.writeable:
            raise ValueError(f"theater layer {name!r} must be read-only to be shared by every model")
        add_layer(grid, name, data)
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
