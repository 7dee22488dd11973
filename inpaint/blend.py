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
