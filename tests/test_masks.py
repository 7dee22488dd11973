"""Masks: shape, hole fraction, determinism, PNG round trip."""

import numpy as np
import pytest
from PIL import Image

from masks import generate as mg

EXPECTED_HOLE = {'center': 0.25, 'left': 0.5, 'random': 0.7, 'half': 0.5, 'pattern': 0.25}


@pytest.mark.parametrize('mask_type', mg.MASK_TYPES)
def test_shape_fraction_determinism(mask_type):
  m = mg.make_mask(mask_type, 64, seed=5)
  assert m.shape == (64, 64) and m.dtype == np.float32
  assert set(np.unique(m)) <= {0.0, 1.0}
  if mask_type == 'strokes':  # A few brush strokes: their cover varies with the seed.
    assert 0.03 < 1 - m.mean() < 0.7
  else:
    assert abs((1 - m.mean()) - EXPECTED_HOLE[mask_type]) < 0.03
  assert np.array_equal(m, mg.make_mask(mask_type, 64, seed=5))


def test_random_mask_ratio_is_a_setting():
  yeh = mg.make_mask('random', 64, seed=5, missing=0.8)
  assert abs((1 - yeh.mean()) - 0.8) < 0.03
  with pytest.raises(ValueError, match='random_missing'):
    mg.make_mask('random', 64, missing=1.0)


def test_fixed_geometry():
  c = mg.make_mask('center', 64)
  assert c[16:48, 16:48].max() == 0 and c.sum() == 64 * 64 - 32 * 32
  left = mg.make_mask('left', 64)
  assert left[:, :32].max() == 0 and left[:, 32:].min() == 1
  assert mg.make_mask('half', 64, side='top')[:32].max() == 0


def test_seeded_masks_differ_by_seed():
  for t in ('random', 'pattern'):
    assert not np.array_equal(mg.make_mask(t, 64, 0), mg.make_mask(t, 64, 1))


def test_bad_type():
  with pytest.raises(ValueError, match='center, left'):
    mg.make_mask('square', 64)


def test_png_round_trip_and_alpha(tmp_path):
  m = mg.make_mask('pattern', 32, seed=2)
  path = mg.mask_to_png(m, str(tmp_path / 'm.png'))
  arr = np.asarray(Image.open(path))
  assert arr[m == 0].min() == 255 and arr[m == 1].max() == 0  # White = fill.
  assert np.array_equal(mg.mask_from_png(path), m)
  # RGBA: opaque white = fill, transparent = keep.
  rgba = np.zeros((8, 8, 4), np.uint8)
  rgba[:4, :, :] = 255
  Image.fromarray(rgba, 'RGBA').save(tmp_path / 'a.png')
  got = mg.mask_from_png(str(tmp_path / 'a.png'))
  assert got[:4].max() == 0 and got[4:].min() == 1
  assert mg.mask_from_png(path, (64, 64)).shape == (64, 64)
