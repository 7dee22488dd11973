"""Exemplar-based completion in the spirit of Image Melding (`--method=exemplar`).

A multi-scale patch-based completion (Wexler, Shechtman, Irani, "Space-Time
Completion of Video", PAMI 2007), with Image Melding's (Darabi et al., SIGGRAPH
2012) reflected source patches, which is what a car seen from the side or the
front needs: its other half, mirrored.

At each level of a coarse-to-fine pyramid, a few EM iterations of
  E: for every p x p patch overlapping the hole, its nearest source patch (SSD
     over the whole patch, current estimate included) among the patches of the
     known region and their horizontal reflections;
  M: every hole pixel = the average of the pixels the overlapping patches'
     matches put there, weighted by exp(-d^2 / (2 sigma^2)) (sigma: the 75th
     percentile of the match distances), as Wexler et al.
The nearest-neighbour search is exact, by matrix products (|a|^2 + |b|^2 - 2ab):
at 64x64 there are a few thousand patches on each side, so one product per
iteration is faster than a randomised PatchMatch and never misses. Known pixels
never change. Left out of Image Melding: rotated and rescaled source patches
(beyond the pyramid's levels), photometric gain/bias, and voting in the
gradient domain (the result is Poisson-blended like the other methods instead).
"""

from typing import Tuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MIN_SIDE = 16  # Coarsest pyramid level.
MIN_SOURCES = 32  # Below this many fully known source patches, partly known ones are used.


def _downsample(img: np.ndarray, known: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """2x2 blocks -> one pixel: the mean of the block's known pixels; known if any is."""
  h, w = known.shape
  k = known[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2)
  x = img[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2, -1)
  cnt = k.sum(axis=(1, 3))
  mean = (x * k[..., None]).sum(axis=(1, 3)) / np.maximum(cnt, 1)[..., None]
  return mean, cnt > 0


def _patches(img: np.ndarray, p: int) -> np.ndarray:
  """[H, W, C] -> [H - p + 1, W - p + 1, p, p, C] (views)."""
  return np.moveaxis(sliding_window_view(img, (p, p), axis=(0, 1)), 2, -1)


def _sources(est: np.ndarray, known: np.ndarray, p: int) -> np.ndarray:
  """Source patches [K, p*p*C]: fully known ones and their mirror images.

  With too few (random masks), patches whose known share is highest are taken,
  read from the current estimate.
  """
  share = _patches(known[..., None].astype(np.float32), p).mean(axis=(2, 3, 4))
  ok = share >= 1.0
  if ok.sum() < MIN_SOURCES:
    ok = share >= np.sort(share.ravel())[-min(share.size, 4 * MIN_SOURCES)]
  pat = _patches(est, p)[ok]  # [K, p, p, C]
  both = np.concatenate([pat, pat[:, :, ::-1]], axis=0)  # + horizontal reflections.
  return both.reshape(len(both), -1)


def _nearest(tgt: np.ndarray, wts: np.ndarray, src: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """Exact nearest source per target under a per-target pixel weighting.

  d(t, s) = sum_k w_k (t_k - s_k)^2 = sum w t^2 + w . s^2 - 2 (w t) . s, all as matrix
  products. Args: tgt, wts [T, D]; src [K, D]. Returns (index [T], distance [T]).
  """
  d = (np.sum(wts * tgt ** 2, 1)[:, None] + wts @ (src ** 2).T - 2.0 * (wts * tgt) @ src.T)
  nn = np.argmin(d, axis=1)
  return nn, np.maximum(d[np.arange(len(tgt)), nn], 0.0)


def _onion_peel(est: np.ndarray, known: np.ndarray, p: int) -> np.ndarray:
  """First fill of the coarsest level, ring by ring from the hole's edge inwards.

  Each ring's pixels are copied from the source patch that best matches the
  already-filled pixels around them (the unfilled ones do not count), so the
  starting point is a coherent copy rather than a flat colour.
  """
  from scipy import ndimage  # pylint: disable=import-outside-toplevel
  h, w, c = est.shape
  filled = known.copy()
  src = _sources(est, known, p)
  r = p // 2
  while not filled.all():
    front = ~filled & ndimage.binary_dilation(filled, np.ones((3, 3), bool))
    if not front.any():  # Nothing filled touches the rest: fill it flat.
      est[~filled] = est[filled].mean(axis=0)
      break
    fy, fx = np.nonzero(front)
    ty, tx = np.clip(fy - r, 0, h - p), np.clip(fx - r, 0, w - p)
    tgt = _patches(est, p)[ty, tx].reshape(len(fy), -1)
    wts = np.repeat(_patches(filled[..., None].astype(np.float64), p)[ty, tx], c, axis=-1)
    nn, _ = _nearest(tgt, wts.reshape(len(fy), -1), src)
    vals = src[nn].reshape(len(fy), p, p, c)
    est[fy, fx] = vals[np.arange(len(fy)), fy - ty, fx - tx]
    filled = filled | front
  return est


def _em_level(est: np.ndarray, known: np.ndarray, p: int, iters: int) -> np.ndarray:
  h, w, c = est.shape
  hole = ~known
  # Patches (by top-left corner) that contain at least one hole pixel.
  touch = _patches(hole[..., None].astype(np.float32), p).max(axis=(2, 3, 4)) > 0
  ti, tj = np.nonzero(touch)
  if len(ti) == 0:
    return est, 0.0
  dy, dx = np.meshgrid(np.arange(p), np.arange(p), indexing='ij')
  flat = ((ti[:, None, None] + dy) * w + (tj[:, None, None] + dx)).ravel()  # [T*p*p]
  for _ in range(iters):
    src = _sources(est, known, p)
    tgt = _patches(est, p)[ti, tj].reshape(len(ti), -1)
    nn, dist = _nearest(tgt, np.ones_like(tgt), src)
    sigma2 = max(float(np.percentile(dist, 75)), 1e-6)
    wt = np.exp(-dist / (2.0 * sigma2))  # [T]
    vals = src[nn].reshape(len(ti), p, p, c)
    wsum = np.bincount(flat, weights=np.repeat(wt, p * p), minlength=h * w)
    new = est.copy()
    for ch in range(c):
      acc = np.bincount(flat, weights=(vals[..., ch] * wt[:, None, None]).ravel(),
                        minlength=h * w)
      vote = (acc / np.maximum(wsum, 1e-12)).reshape(h, w)
      new[..., ch] = np.where(hole & (wsum.reshape(h, w) > 0), vote, est[..., ch])
    est = new
  # Wexler's energy: how far the hole's patches are from their nearest sources.
  src = _sources(est, known, p)
  _, dist = _nearest(_patches(est, p)[ti, tj].reshape(len(ti), -1), np.ones((1, src.shape[1])),
                     src)
  return est, float(np.mean(dist))


def _mirror_start(est: np.ndarray, known: np.ndarray) -> np.ndarray:
  """The hole filled with the image mirrored about its vertical centre line, where the
  mirrored pixel is known (a car seen from the front or back is its own reflection)."""
  mirror, mk = est[:, ::-1], known[:, ::-1]
  return np.where((~known & mk)[..., None], mirror, est)


def complete(image: np.ndarray, mask: np.ndarray, patch: int = 7, iters: int = 5,
             coarse_iters: int = 10) -> np.ndarray:
  """Fills the hole of one image from its own patches.

  Args:
    image: float [S, S, C] (any range; [-1, 1] here). Hole pixels are ignored.
    mask: [S, S], 1 = known, 0 = fill.
    patch: patch side at the finest level (5 below it).
    iters, coarse_iters: EM iterations per level, and at the coarsest level.

  Returns:
    float32 [S, S, C]: known pixels exactly as given, the hole filled. With no
    known pixel at all, the image is returned grey (0) in the hole.
  """
  image = np.asarray(image, np.float64)
  known = np.asarray(mask) > 0.5
  if known.all():
    return image.astype(np.float32)
  if not known.any():
    return np.zeros_like(image, np.float32)
  levels = [(image, known)]
  while min(levels[-1][1].shape) // 2 >= MIN_SIDE:
    levels.append(_downsample(*levels[-1]))
  est = None
  for depth in range(len(levels) - 1, -1, -1):
    img, kn = levels[depth]
    p = patch if depth == 0 else min(patch, 5)
    if est is None:
      # Coarsest: two starts, a fill ring by ring from the hole's edge and the image's
      # mirror image (where it is known); EM from each, the lower energy is kept.
      base = np.where(kn[..., None], img, 0.0)
      starts = [_onion_peel(base.copy(), kn, p)]
      mk = kn[:, ::-1] & ~kn
      if mk.sum() >= 0.5 * (~kn).sum():
        filled = kn | mk
        starts.append(_onion_peel(_mirror_start(base, kn), filled, p))
      runs = [_em_level(s0, kn, p, coarse_iters) for s0 in starts]
      est = min(runs, key=lambda r: r[1])[0]
      continue
    else:  # Finer: the coarser result, upsampled, fills the hole.
      up = np.repeat(np.repeat(est, 2, axis=0), 2, axis=1)
      up = np.pad(up, ((0, img.shape[0] - up.shape[0]), (0, img.shape[1] - up.shape[1]),
                       (0, 0)), mode='edge')
      est = np.where(kn[..., None], img, up)
    est = _em_level(est, kn, p, iters)[0]
  return np.where(known[..., None], image, est).astype(np.float32)


def complete_batch(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
  """complete() per image: [N, S, S, 3] in [-1, 1], masks [N, S, S] -> [N, S, S, 3]."""
  return np.stack([complete(y, m) for y, m in zip(images, masks)])
