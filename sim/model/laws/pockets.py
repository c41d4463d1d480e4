"""ISIS pockets: connected components of ISIS-held cells, matched to the scenario's named pockets.

A component (8-connected, ``scipy.ndimage.label``) belongs to the named pocket whose polygon it
overlaps most; components overlapping none are counted as ``other``. Areas are sums of the exact
spherical cell areas, in km2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def label_components(isis_held: np.ndarray, cells: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> tuple[np.ndarray, int]:
    """Label 8-connected components of the bool field; 0 is background.

    Only the box around the held cells is labelled (scipy numbers components in the order of their
    first cell in C order, which the box keeps), then placed in a zero field of the full shape.
    ``cells``, the held cells in C order (``np.nonzero(isis_held)``) if the caller has them, give
    the box without scanning the field.
    """
    labels = np.zeros(isis_held.shape, dtype=np.int32)
    if cells is None:
        rows = np.flatnonzero(isis_held.any(axis=1))
        if rows.size == 0:
            return labels, 0
        cols = np.flatnonzero(isis_held.any(axis=0))
        box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
    else:
        xs, ys = cells
        if xs.size == 0:
            return labels, 0
        box = slice(int(xs[0]), int(xs[-1]) + 1), slice(int(ys.min()), int(ys.max()) + 1)
    inner, count = ndimage.label(isis_held[box], structure=_EIGHT_CONNECTED)
    labels[box] = inner
    return labels, int(count)


def match_components(
    labels: np.ndarray, count: int, pocket_masks: Sequence[np.ndarray]
) -> np.ndarray:
    """For each label 0..count, the index of the named pocket it overlaps most, or -1."""
    owner = np.full(count + 1, -1, dtype=np.int64)
    if count == 0 or not pocket_masks:
        return owner
    overlap = np.stack([np.bincount(labels[mask], minlength=count + 1) for mask in pocket_masks])
    best = overlap.argmax(axis=0)
    has_overlap = overlap.max(axis=0) > 0
    owner[has_overlap] = best[has_overlap]
    owner[0] = -1
    return owner


def pocket_areas(
    labels: np.ndarray, owner: np.ndarray, cell_area_km2: np.ndarray, n_pockets: int
) -> np.ndarray:
    """Area in km2 of each named pocket (index 0..n-1) and of ``other`` (index n)."""
    per_label = np.bincount(labels.ravel(), weights=cell_area_km2.ravel(), minlength=owner.size)
    per_label[0] = 0.0
    slot = np.where(owner < 0, n_pockets, owner)
    return np.bincount(slot, weights=per_label, minlength=n_pockets + 1)
