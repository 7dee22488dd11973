"""PatchMatch (Barnes et al., SIGGRAPH 2009) and patch voting, compiled with Numba.

A nearest-neighbour field (NNF) maps every target patch (a patch that overlaps the
hole) to a source patch (one whose pixels are all known), both named by their
centre pixel. It is improved by propagation (a neighbour's match, shifted by one)
and random search (candidates around the current match at halving radii), which
finds good matches in a few sweeps instead of comparing every pair. Voting then
sets every hole pixel to the weighted mean of what the overlapping patches'
matches put there (Wexler et al., PAMI 2007).

Everything here is plain loops over arrays: Numba compiles them to machine code
(cached on disk after the first call), where numpy would need a temporary per
candidate. Runs are deterministic for a given seed.

Coordinates are centres in [r, h - r) x [r, w - r), r = patch // 2, so every patch
lies inside the image.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _dist(img, ty, tx, sy, sx, r, cutoff):
  """Sum of squared differences of two patches; stops early once over cutoff."""
  d = 0.0
  for dy in range(-r, r + 1):
    for dx in range(-r, r + 1):
      for c in range(img.shape[2]):
        e = img[ty + dy, tx + dx, c] - img[sy + dy, sx + dx, c]
        d += e * e
    if d > cutoff:
      return d
  return d


@njit(cache=True, nogil=True)
def _try(img, y, x, cy, cx, r, src_ok, best):
  """Distance of candidate (cy, cx) for target (y, x), or inf if it is no source."""
  if cy < 0 or cx < 0 or cy >= src_ok.shape[0] or cx >= src_ok.shape[1]:
    return np.inf
  if not src_ok[cy, cx]:
    return np.inf
  return _dist(img, y, x, cy, cx, r, best)


@njit(cache=True, nogil=True)
def improve(img, ty, tx, tindex, src_ok, nny, nnx, nnd, r, sweeps, radius, seed):
  """PatchMatch sweeps over the targets, in place.

  Args:
    img: float32 [h, w, C], the current estimate (hole pixels included).
    ty, tx: int32 [T], target centres in raster order; tindex: int32 [h, w], the
      target number of each pixel or -1.
    src_ok: bool [h, w], True where a patch centred there is a source.
    nny, nnx: int32 [T], the matches' centres; nnd: float32 [T], their distances
      (all updated in place; nnd must be the distances under img).
    r: patch radius; sweeps: number of passes (alternating scan order);
    radius: the random search's first radius (0: propagation only).
  """
  np.random.seed(seed)
  n = ty.shape[0]
  for it in range(sweeps):
    s = 1 if it % 2 == 0 else -1
    for i in range(n):
      k = i if s == 1 else n - 1 - i
      y, x = ty[k], tx[k]
      by, bx, bd = nny[k], nnx[k], nnd[k]
      # Propagation: the previous neighbours' matches, shifted by one.
      for j in (tindex[y, x - s] if 0 <= x - s < tindex.shape[1] else -1,
                tindex[y - s, x] if 0 <= y - s < tindex.shape[0] else -1):
        if j >= 0:
          cy, cx = nny[j] + (y - ty[j]), nnx[j] + (x - tx[j])
          d = _try(img, y, x, cy, cx, r, src_ok, bd)
          if d < bd:
            by, bx, bd = cy, cx, d
      rad = radius
      while rad >= 1:
        cy = by + np.random.randint(-rad, rad + 1)
        cx = bx + np.random.randint(-rad, rad + 1)
        d = _try(img, y, x, cy, cx, r, src_ok, bd)
        if d < bd:
          by, bx, bd = cy, cx, d
        rad //= 2
      nny[k], nnx[k], nnd[k] = by, bx, bd


@njit(cache=True, nogil=True)
def distances(img, ty, tx, nny, nnx, r):
  """float32 [T]: the distance of every target to its match under img."""
  out = np.empty(ty.shape[0], np.float32)
  for k in range(ty.shape[0]):
    out[k] = _dist(img, ty[k], tx[k], nny[k], nnx[k], r, np.inf)
  return out


@njit(cache=True, nogil=True)
def upsample_field(ty, tx, cindex, cny, cnx, src_ok, sy, sx, seed):
  """The NNF of a level from the one of the level below (half the size).

  A target's parent is the coarse pixel it lies in; its match is the parent's
  match at twice the scale, with the same sub-pixel phase. Where there is no
  parent target or the result is no source, a random source is taken.

  Args:
    ty, tx: the fine targets; cindex: int32 [h/2, w/2] coarse target numbers;
    cny, cnx: the coarse matches; src_ok: fine sources; sy, sx: int32 [S], every
    fine source (for the random fallback).
  Returns:
    (nny, nnx) int32 [T].
  """
  np.random.seed(seed)
  n = ty.shape[0]
  nny = np.empty(n, np.int32)
  nnx = np.empty(n, np.int32)
  ch, cw = cindex.shape
  for k in range(n):
    y, x = ty[k], tx[k]
    py, px = min(y // 2, ch - 1), min(x // 2, cw - 1)
    j = cindex[py, px]
    ok = False
    if j >= 0:
      cy = 2 * cny[j] + (y - 2 * py)
      cx = 2 * cnx[j] + (x - 2 * px)
      if 0 <= cy < src_ok.shape[0] and 0 <= cx < src_ok.shape[1] and src_ok[cy, cx]:
        nny[k], nnx[k] = cy, cx
        ok = True
    if not ok:
      q = np.random.randint(0, sy.shape[0])
      nny[k], nnx[k] = sy[q], sx[q]
  return nny, nnx


@njit(cache=True, nogil=True)
def vote(img, ty, tx, nny, nnx, wt, r, acc, wsum):
  """Adds every target's match, weighted, to acc [h, w, C] and its weight to wsum [h, w]."""
  for k in range(ty.shape[0]):
    w = wt[k]
    for dy in range(-r, r + 1):
      for dx in range(-r, r + 1):
        y, x = ty[k] + dy, tx[k] + dx
        sy, sx = nny[k] + dy, nnx[k] + dx
        wsum[y, x] += w
        for c in range(img.shape[2]):
          acc[y, x, c] += w * img[sy, sx, c]
