"""Poisson blending (Perez et al. 2003) of a generated fill into the hole of an image."""

import numpy as np
from scipy import sparse
from scipy.sparse import linalg as splinalg


def poisson_blend(target: np.ndarray, source: np.ndarray, mask: np.ndarray) -> np.ndarray:
  """Pastes `source`'s gradients into the hole of `target`.

  Solves, for every hole pixel p and each channel, the discrete Poisson equation
  |N_p| f_p - sum_{q in N_p, q in hole} f_q
      = sum_{q in N_p, q known} target_q + sum_{q in N_p} (source_p - source_q),
  where N_p are p's 4-neighbours inside the image. Known pixels are not touched.

  Args:
    target: [H, W, C] float image (the known pixels).
    source: [H, W, C] float image (the fill, e.g. G(z)), same value range.
    mask: [H, W], 1 = known, 0 = hole.

  Returns:
    [H, W, C] float64: target outside the hole, the blended fill inside it.
  """
  target = np.asarray(target, np.float64)
  source = np.asarray(source, np.float64)
  hole = np.asarray(mask) < 0.5
  out = target.copy()
  n = int(hole.sum())
  if n == 0:
    return out
  if n == hole.size:  # No boundary to anchor the solution: keep the fill as is.
    return source.copy()
  h, w = hole.shape
  index = -np.ones((h, w), np.int64)
  index[hole] = np.arange(n)
  ys, xs = np.nonzero(hole)
  rows, cols, vals = [np.arange(n)], [np.arange(n)], [np.zeros(n)]
  rhs = np.zeros((n, target.shape[2]))
  diag = np.zeros(n)
  for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
    ny, nx = ys + dy, xs + dx
    inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
    p = np.flatnonzero(inside)
    qy, qx = ny[inside], nx[inside]
    diag[p] += 1
    rhs[p] += source[ys[p], xs[p]] - source[qy, qx]
    q_hole = hole[qy, qx]
    rows.append(p[q_hole])
    cols.append(index[qy[q_hole], qx[q_hole]])
    vals.append(-np.ones(int(q_hole.sum())))
    rhs[p[~q_hole]] += target[qy[~q_hole], qx[~q_hole]]
  vals[0] = diag
  a = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(n, n))
  solve = splinalg.factorized(a)  # One LU factorization for every channel.
  for c in range(target.shape[2]):
    out[ys, xs, c] = solve(rhs[:, c])
  return out


def _box_down(a: np.ndarray, f: int) -> np.ndarray:
  """Mean over f x f blocks ([H, W, ...] -> [H // f, W // f, ...]; the ragged edge dropped)."""
  h, w = a.shape[0] // f * f, a.shape[1] // f * f
  return a[:h, :w].reshape(h // f, f, w // f, f, *a.shape[2:]).mean(axis=(1, 3))


def resize(a: np.ndarray, size, resample=None) -> np.ndarray:
  """float [h, w] or [h, w, C] -> float32 at size = (height, width), per channel (PIL 'F'
  images; resample: a PIL filter, default bilinear)."""
  from PIL import Image  # pylint: disable=import-outside-toplevel
  if a.ndim == 3:
    return np.stack([resize(a[..., c], size, resample) for c in range(a.shape[2])], -1)
  return np.asarray(Image.fromarray(np.asarray(a, np.float32), 'F').resize(
      (size[1], size[0]), Image.BILINEAR if resample is None else resample))


def coarse_factor(n_hole: int, max_unknowns: int = 250_000) -> int:
  """The downscaling factor that leaves at most max_unknowns hole pixels to solve."""
  return max(1, int(np.ceil(np.sqrt(n_hole / max_unknowns))))


def hole_box(mask: np.ndarray, max_unknowns: int = 250_000):
  """(y0, y1, x0, x1): the hole's bounding box plus a margin of known pixels at least
  two coarse cells wide (clipped to the image), or None when there is no hole."""
  hole = np.asarray(mask) < 0.5
  if not hole.any():
    return None
  ys, xs = np.nonzero(hole)
  pad = 2 * coarse_factor(int(hole.sum()), max_unknowns) + 1
  return (max(0, ys.min() - pad), min(hole.shape[0], ys.max() + 1 + pad),
          max(0, xs.min() - pad), min(hole.shape[1], xs.max() + 1 + pad))


def blend_crop(target: np.ndarray, source: np.ndarray, hole: np.ndarray,
               max_unknowns: int = 250_000, band: int = 12) -> np.ndarray:
  """Poisson blending inside a box around the hole (see poisson_blend_large).

  Args:
    target, source: [h, w, C] float (the box of the photo and of the fill).
    hole: [h, w] bool, True = fill.

  Returns:
    [h, w, C] float64.
  """
  from scipy import ndimage  # pylint: disable=import-outside-toplevel
  t = np.asarray(target, np.float64)
  s = np.asarray(source, np.float64)
  f = coarse_factor(int(hole.sum()), max_unknowns)
  if f == 1 or hole.all():
    return poisson_blend(t, s, ~hole)
  # Coarse: harmonic interpolation of d = target - source from the fully known cells,
  # on the box padded (edge values) to a multiple of f so that cells align exactly.
  hp, wp = -(-hole.shape[0] // f) * f, -(-hole.shape[1] // f) * f
  grow = ((0, hp - hole.shape[0]), (0, wp - hole.shape[1]))
  d = np.pad(np.where(hole[..., None], 0.0, t - s), grow + ((0, 0),), mode='edge')
  known_small = _box_down(np.pad(~hole, grow, mode='edge').astype(np.float32), f) > 1 - 1e-6
  d_small = _box_down(d, f)
  del d
  h_small = poisson_blend(d_small, np.zeros_like(d_small), known_small)
  # Fine: the exact equation in a band along the edge, the rest held at source + h.
  dist = ndimage.distance_transform_cdt(hole, metric='chessboard')
  in_band = hole & (dist <= band + 2 * f)
  anchor = t.copy()
  inner = hole & ~in_band
  anchor[inner] = (s + resize(h_small, (hp, wp))[:hole.shape[0], :hole.shape[1]])[inner]
  return poisson_blend(anchor, s, ~in_band)


def poisson_blend_large(target: np.ndarray, source: np.ndarray, mask: np.ndarray,
                        max_unknowns: int = 250_000, band: int = 12) -> np.ndarray:
  """poisson_blend for holes of any size, in bounded time and memory.

  The blended fill is source + h, with h harmonic in the hole and equal to
  target - source on its boundary. Far from the boundary h is smooth, so it is
  solved on a grid downscaled until it has at most max_unknowns hole pixels and
  upsampled; then the exact Poisson equation is solved at full resolution in a
  band along the hole's edge (its inner side held at the upsampled solution),
  where h carries the photo's fine detail. Small holes get the exact solve.
  Only the hole's bounding box (hole_box) is touched.

  Args:
    target, source: [H, W, C] float images (same range); mask: [H, W], 1 = known.
    max_unknowns: the largest system solved directly.
    band: width in pixels of the full-resolution band (plus twice the coarse factor).

  Returns:
    [H, W, C] float64: target outside the hole (unchanged), the blended fill inside.
  """
  hole = np.asarray(mask) < 0.5
  if not hole.any() or hole.all():
    return poisson_blend(target, source, mask)
  y0, y1, x0, x1 = hole_box(mask, max_unknowns)
  out = np.array(target, np.float64)
  out[y0:y1, x0:x1] = blend_crop(out[y0:y1, x0:x1], source[y0:y1, x0:x1], hole[y0:y1, x0:x1],
                                 max_unknowns, band)
  return out
