"""Poisson blending: known pixels untouched, analytic cases solved."""

import numpy as np

from inpaint import blend
from masks import generate as mg


def test_known_pixels_unchanged_and_constant_offset_removed():
  rng = np.random.default_rng(0)
  y = rng.uniform(-1, 1, (64, 64, 3))
  m = mg.make_mask('pattern', 64, seed=1)
  out = blend.poisson_blend(y, y + 0.3, m)  # Same gradients, offset by a constant.
  assert np.array_equal(out[m == 1], y[m == 1])
  np.testing.assert_allclose(out, y, atol=1e-9)


def test_harmonic_fill_of_linear_ramp():
  ii, jj = np.mgrid[0:32, 0:32]
  y = np.stack([0.02 * ii - 0.01 * jj, 0.03 * jj, np.full_like(ii, 0.5, dtype=float)], -1)
  m = mg.make_mask('center', 32)
  out = blend.poisson_blend(y, np.zeros_like(y), m)  # Laplace: the ramp continues.
  np.testing.assert_allclose(out, y, atol=1e-9)


def test_edge_cases():
  y = np.ones((8, 8, 3))
  s = np.zeros((8, 8, 3))
  assert np.array_equal(blend.poisson_blend(y, s, np.ones((8, 8))), y)
  assert np.array_equal(blend.poisson_blend(y, s, np.zeros((8, 8))), s)
  left = mg.make_mask('left', 8)  # Hole touching the image border.
  np.testing.assert_allclose(blend.poisson_blend(y, s, left), y, atol=1e-9)


def test_large_hole_blend_matches_exact_solve():
  rng = np.random.default_rng(3)
  yy, xx = np.mgrid[0:120, 0:160] / 40.0
  target = np.stack([np.sin(yy + xx), np.cos(yy), xx * 0.3], -1) + rng.normal(0, 0.05, (120, 160, 3))
  source = np.stack([np.cos(xx), np.sin(yy * 2), yy * 0.2], -1)
  mask = np.ones((120, 160))
  mask[20:100, 30:140] = 0  # 8,800 hole pixels.
  exact = blend.poisson_blend(target, source, mask)
  approx = blend.poisson_blend_large(target, source, mask, max_unknowns=1000, band=6)
  assert np.array_equal(approx[mask > 0.5], target[mask > 0.5])  # Outside: bit-identical.
  hole = mask < 0.5
  err = np.abs(approx[hole] - exact[hole])
  assert err.mean() < 0.01 * np.ptp(exact[hole]) and err.max() < 0.05 * np.ptp(exact[hole])
  # Small holes take the exact path.
  np.testing.assert_allclose(blend.poisson_blend_large(target, source, mask), exact, atol=1e-9)
