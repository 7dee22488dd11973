"""Exemplar-based completion: structure is copied, known pixels are kept."""

import numpy as np
import pytest

from inpaint import exemplar
from masks import generate as mg


def _hole_psnr(a, b, m):
  h = m < 0.5
  mse = np.mean(((a[h] - b[h]) / 2.0) ** 2)  # [-1, 1] -> [0, 1] units.
  return 10 * np.log10(1.0 / mse) if mse > 0 else np.inf


def _smooth_random(seed, size=64):
  from scipy import ndimage
  rng = np.random.default_rng(seed)
  img = ndimage.gaussian_filter(rng.standard_normal((size, size, 3)), (3, 3, 0))
  return (img / np.abs(img).max()).astype(np.float32)


def test_periodic_texture_is_completed():
  yy, xx = np.mgrid[0:64, 0:64]
  tex = np.stack([np.sin(2 * np.pi * xx / 8), np.cos(2 * np.pi * yy / 8),
                  np.sin(2 * np.pi * (xx + yy) / 16)], -1).astype(np.float32) * 0.8
  m = mg.make_mask('center', 64)
  out = exemplar.complete(tex, m)
  assert _hole_psnr(out, tex, m) > 30


def test_symmetric_image_recovered_from_its_reflection():
  half = _smooth_random(1)[:, 32:]
  img = np.concatenate([half[:, ::-1], half], axis=1)  # Left half = mirrored right half.
  m = mg.make_mask('left', 64)
  out = exemplar.complete(img, m)
  assert _hole_psnr(out, img, m) > 30


@pytest.mark.parametrize('mask_type', ['center', 'left', 'random', 'pattern'])
def test_known_pixels_never_change_and_fill_is_finite(mask_type):
  img = _smooth_random(2)
  m = mg.make_mask(mask_type, 64, seed=3)
  out = exemplar.complete(img, m)  # Its speed is measured by metrics.benchmark, not here.
  assert np.array_equal(out[m > 0.5], img[m > 0.5]) and np.isfinite(out).all()
  assert out.dtype == np.float32 and out.shape == img.shape


def test_hole_on_the_border_and_degenerate_masks():
  img = _smooth_random(4)
  m = np.ones((64, 64), np.float32)
  m[:10, :20] = 0  # Touches the top and left borders.
  out = exemplar.complete(img, m)
  assert np.isfinite(out).all() and np.array_equal(out[m > 0.5], img[m > 0.5])
  assert np.array_equal(exemplar.complete(img, np.ones((64, 64))), img)
  assert np.array_equal(exemplar.complete(img, np.zeros((64, 64))), np.zeros_like(img))
  batch = exemplar.complete_batch(np.stack([img, img]), np.stack([m, m]))
  assert batch.shape == (2, 64, 64, 3)
