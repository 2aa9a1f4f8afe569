"""Labelled comparison strips: sizes, labels, the zoom row, and where the zoom looks."""

import cv2
import numpy as np
import pytest

from srzoo.evaluation.strips import BAND, labelled_strip, textured_window


def test_textured_window_finds_the_detail():
    img = np.full((64, 96, 3), 128, np.uint8)
    rng = np.random.default_rng(0)
    img[40:56, 60:76] = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert textured_window(img, 16) == (40, 60)


def test_strip_layout_labels_and_zoom():
    rng = np.random.default_rng(1)
    panels = [(name, rng.integers(0, 256, (40, 32, 3), dtype=np.uint8)) for name in "ABC"]
    strip = labelled_strip(panels, zoom_window=(8, 4, 16), gap=4)
    assert strip.shape == (BAND + 40 + BAND + 32, 3 * 32 + 2 * 4, 3)
    for band in (strip[:BAND, :32], strip[BAND + 40 : 2 * BAND + 40, :32]):
        assert (band < 128).any() and (band == 255).mean() > 0.5  # dark text on white
    zoom = strip[2 * BAND + 40 :, 36:68]  # the second panel's zoom row
    expected = cv2.resize(panels[1][1][8:24, 4:20], (32, 32), interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(zoom, expected)
    assert (strip[BAND + 8, 36 + 4] == (0, 0, 255)).all()  # the window outlined in red
    np.testing.assert_array_equal(strip[BAND + 20, 68:72], 255)  # gap stays white


def test_panels_of_different_sizes_are_refused():
    with pytest.raises(ValueError, match="one size"):
        labelled_strip([("a", np.zeros((4, 4, 3), np.uint8)), ("b", np.zeros((4, 5, 3), np.uint8))])
