"""Connected pieces and the extent of the ink (backend/components.py) against SciPy's, the reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from backend import components


@settings(max_examples=150, deadline=None)
@given(binary=arrays(np.bool_, st.tuples(st.integers(1, 30), st.integers(1, 30))))
def test_labels_are_scipys_8_connected_components(binary):
    ours, count = components.label(binary)
    theirs, expected = ndimage.label(binary, structure=np.ones((3, 3)))
    assert count == expected and ours.dtype == np.int32
    assert np.array_equal(ours, theirs)  # the same pieces, numbered as SciPy does: in raster order


def test_a_long_winding_stroke_is_one_piece():
    """A serpentine: every other row a full run, joined to the next at alternate ends, so the least run
    index must travel the whole chain (the case that took one round a row before)."""
    size = 61
    serpentine = np.zeros((size, size), bool)
    serpentine[::2] = True
    for row in range(1, size, 2):
        serpentine[row, -1 if row % 4 == 1 else 0] = True
    ours, count = components.label(serpentine)
    theirs, _ = ndimage.label(serpentine, structure=np.ones((3, 3)))
    assert count == 1 and np.array_equal(ours, theirs)


@settings(max_examples=100, deadline=None)
@given(image=arrays(np.uint8, st.tuples(st.integers(1, 30), st.integers(1, 30))).filter(lambda a: a.any()))
def test_the_extent_is_scipys_bounding_box_of_everything_inked(image):
    [(rows, cols)] = ndimage.find_objects((image > 0).astype(np.int32))
    assert components.extent(image) == (rows.start, rows.stop, cols.start, cols.stop)
