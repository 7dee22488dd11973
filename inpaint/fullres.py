"""Holes of photos filled at the photo's own resolution.

The networks work at 64x64, where one pixel of a 900x560 photo's fill covers 14x9 of
its pixels. Above that, the hole is completed coarse to fine from the photo's own
known pixels (Wexler et al., PAMI 2007, with PatchMatch: inpaint.patchmatch), the
network's fill being the coarse level, as in Yang et al. (CVPR 2017):

  1. at each pyramid level, from about half a generator pixel per pixel up to full
     size, every patch overlapping the hole finds its match among the photo's known
     patches (PatchMatch, started from the level below's matches at twice the scale);
     every hole pixel is copied from its patch's match (the coarsest level votes), and
     the hole's frequencies coarser than the guide's cut are set back to the guide's,
     so that the matches follow the generator's structure;
  2. the result is the guide (the 64x64 fill upsampled) plus the synthesis' fine
     detail (finer than a Gaussian of detail_sigma pixels), scaled so that it varies
     as much as the photo does around the hole, Poisson-blended into the photo like
     the paste-back. So the car's structure and colours are the generator's and the
     texture is the photo's; the settings were chosen on the tune half of the
     native-resolution photos (metrics.hires, docs/results.md).

Without a guide (the exemplar method) the coarsest level is inpaint.exemplar's exact
fill and the synthesis is the result. Only a box around the hole with a margin is
worked on, so time and memory grow with the hole, not with the photo; the finest
levels of a large hole only propagate matches (no random search) to keep that bound.
Pixels outside the hole are the photo's own.

Layer: a library under the photo job (numpy, scipy, PIL, Numba; no TensorFlow).
"""

import dataclasses
from typing import Callable, Optional, Tuple

import numpy as np
from PIL import Image
from scipy import ndimage

from inpaint import blend
from inpaint import exemplar
from inpaint import patchmatch as pm


@dataclasses.dataclass(frozen=True)
class Settings:
  """How the full-resolution completion runs (defaults: docs/results.md, chosen on the
  tune half of the native-resolution photos by metrics.hires).

  patch: patch side in pixels at every level.
  guide_scale: during the synthesis, the hole's frequencies coarser than about this
    many generator pixels are held to the guide's.
  em_iters: search-and-copy rounds per level; sweeps: PatchMatch passes per round.
  max_search: levels with more target patches than this only propagate matches.
  detail_sigma: what the synthesis adds to the guide: its detail finer than a Gaussian
    of this many pixels.
  match_detail: that detail scaled so that its Laplacian varies as much as the photo's
    in the known ring around the hole (else as synthesized).
  feather: the detail fades in over this many pixels from the hole's edge (0: none).
  """
  patch: int = 7
  guide_scale: float = 0.5
  em_iters: int = 3
  sweeps: int = 2
  max_search: int = 300_000
  detail_sigma: float = 1.0
  match_detail: bool = True
  feather: int = 4
  seed: int = 0


DEFAULT = Settings()
COARSE_SIDE = 64  # The unguided fill's coarsest level: exemplar's exact search fits there.


def work_box(hole: np.ndarray, patch: int) -> Optional[Tuple[int, int, int, int]]:
  """(y0, y1, x0, x1): the hole's bounding box with a margin of known pixels to copy from
  (half the box's larger side, at least 4 patches), clipped to the image; None: no hole."""
  ys, xs = np.nonzero(hole)
  if not len(ys):
    return None
  margin = max(4 * patch, (max(ys.max() - ys.min(), xs.max() - xs.min()) + 1) // 2)
  h, w = hole.shape
  return (max(0, ys.min() - margin), min(h, ys.max() + 1 + margin),
          max(0, xs.min() - margin), min(w, xs.max() + 1 + margin))


def _down(img: np.ndarray, known: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """Half size: 2x2 means (the ragged edge dropped); a pixel is known if all four are."""
  h, w = known.shape[0] // 2 * 2, known.shape[1] // 2 * 2
  x = img[:h, :w].reshape(h // 2, 2, w // 2, 2, -1).mean(axis=(1, 3), dtype=np.float32)
  k = known[:h, :w].reshape(h // 2, 2, w // 2, 2).all(axis=(1, 3))
  return x, k


@dataclasses.dataclass
class _Level:
  """One pyramid level's patch geometry (radius r)."""
  img: np.ndarray  # float32 [h, w, 3]: known pixels true, hole pixels the estimate.
  known: np.ndarray  # bool [h, w]
  r: int

  def __post_init__(self):
    h, w = self.known.shape
    p, r = 2 * self.r + 1, self.r
    inside = np.zeros((h, w), bool)
    inside[r:h - r, r:w - r] = True
    self.src_ok = inside & ndimage.minimum_filter(self.known, p, mode='constant', cval=False)
    touch = inside & ndimage.maximum_filter(~self.known, p, mode='constant', cval=False)
    ty, tx = np.nonzero(touch)
    self.ty, self.tx = ty.astype(np.int32), tx.astype(np.int32)
    self.tindex = -np.ones((h, w), np.int32)
    self.tindex[ty, tx] = np.arange(len(ty), dtype=np.int32)
    sy, sx = np.nonzero(self.src_ok)
    self.sy, self.sx = sy.astype(np.int32), sx.astype(np.int32)
    # The hole pixels that are target centres, and their target numbers.
    self.hy, self.hx = np.nonzero(~self.known & (self.tindex >= 0))
    self.hk = self.tindex[self.hy, self.hx]

  @property
  def usable(self) -> bool:
    return len(self.sy) > 0 and len(self.ty) > 0


def _vote(lv: _Level, nny, nnx, dist: np.ndarray) -> np.ndarray:
  """The hole as the matches' vote, weighted by exp(-d / 2 sigma^2) (sigma^2: the 75th
  percentile of the distances), as Wexler et al."""
  wt = np.exp(-dist / (2.0 * max(float(np.percentile(dist, 75)), 1e-6))).astype(np.float32)
  acc = np.zeros(lv.img.shape, np.float32)
  wsum = np.zeros(lv.known.shape, np.float32)
  pm.vote(lv.img, lv.ty, lv.tx, nny, nnx, wt, lv.r, acc, wsum)
  hole = ~lv.known & (wsum > 0)
  out = lv.img.copy()
  out[hole] = acc[hole] / wsum[hole][:, None]
  return out


def _copy_centres(lv: _Level, nny, nnx) -> np.ndarray:
  """Every hole pixel that is a target's centre takes its match's centre pixel (no
  averaging: the photo's own detail, as sharp as it is there)."""
  out = lv.img.copy()
  out[lv.hy, lv.hx] = lv.img[nny[lv.hk], nnx[lv.hk]]
  return out


def _keep_low(est: np.ndarray, known: np.ndarray, guide_low: Optional[np.ndarray],
              ) -> np.ndarray:
  """The hole's frequencies below the guide's cut set to the guide's (guide_low: the
  guide box-averaged to its cut's grid), the rest left as synthesized."""
  if guide_low is None:
    return est
  out = est.copy()
  hole = ~known
  out[hole] += _smooth_up(guide_low - blend.resize(est, guide_low.shape[:2], Image.BOX),
                          known.shape)[hole]
  return out


def _smooth_up(low: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
  """A field on the cut's grid, smoothed (Gaussian, one cell) and upsampled to shape."""
  return blend.resize(ndimage.gaussian_filter(low, (1.0, 1.0, 0.0), mode='nearest'), shape)


def _low_grid(shape: Tuple[int, int], settings: Settings, gen_pixel: float) -> Tuple[int, int]:
  """The grid of the guide's cut: one cell per guide_scale generator pixels."""
  cut = max(1.0, settings.guide_scale * gen_pixel)
  return max(1, int(round(shape[0] / cut))), max(1, int(round(shape[1] / cut)))


def _detail_gain(image: np.ndarray, est: np.ndarray, hole: np.ndarray, patch: int) -> float:
  """How much to scale the fill's detail so that its Laplacian varies as much as the
  photo's in the known ring around the hole (3 patches wide), within [0.5, 2]."""
  ring = ndimage.binary_dilation(hole, iterations=3 * patch) & ~hole
  lap_k = ndimage.laplace(image.mean(-1))[ring]
  lap_h = ndimage.laplace(est.mean(-1))[hole]
  if not len(lap_k) or not len(lap_h):
    return 1.0
  return float(np.clip(np.std(lap_k) / max(np.std(lap_h), 1e-6), 0.5, 2.0))


def _feather(hole: np.ndarray, width: int) -> np.ndarray:
  """float32 [h, w]: 0 outside the hole, rising by 1 / width per pixel into it (city-block
  steps), 1 from `width` pixels in."""
  out = np.zeros(hole.shape, np.float32)
  inner = hole
  for _ in range(width):
    out += inner
    inner = ndimage.binary_erosion(inner, border_value=1)
  return out / width


def detail_of(est: np.ndarray, sigma: float) -> np.ndarray:
  """est's fine detail: est minus est blurred by a Gaussian of sigma pixels."""
  return est - ndimage.gaussian_filter(est, (sigma, sigma, 0.0), mode='nearest')


def _depth(shape: Tuple[int, int], patch: int, gen_pixel: Optional[float]) -> int:
  """Pyramid levels below full size: the coarsest is about half a generator pixel (a
  quarter-size region for the unguided fill), and never smaller than a few patches."""
  if gen_pixel is None:
    depth = max(0, int(np.ceil(np.log2(max(shape) / COARSE_SIDE))))
  else:
    depth = max(0, int(round(np.log2(max(gen_pixel, 1.0) / 2.0))))
  while depth > 0 and min(shape) / 2 ** depth < 3 * patch:
    depth -= 1
  return depth


def _first_matches(lv: _Level, prev, rng, seed: int, guide_low) -> Tuple[np.ndarray, np.ndarray]:
  """A level's first matches: the level below's at twice the scale, its hole copied from
  them; or random sources at the coarsest level (and above a level too small for a
  patch, whose estimate is upsampled instead). Returns (nny, nnx) int32 [T]."""
  if prev is None or prev[1] is None:
    pick = rng.integers(0, len(lv.sy), len(lv.ty))
    if prev is not None:
      lv.img = np.where(lv.known[..., None], lv.img,
                        blend.resize(prev[0].img, lv.known.shape)).astype(np.float32)
    return lv.sy[pick].copy(), lv.sx[pick].copy()
  nny, nnx = pm.upsample_field(lv.ty, lv.tx, prev[0].tindex, prev[1][0], prev[1][1],
                               lv.src_ok, lv.sy, lv.sx, seed)
  lv.img = _keep_low(_copy_centres(lv, nny, nnx), lv.known, guide_low)
  return nny, nnx


def _search_and_copy(lv: _Level, nny, nnx, coarsest: bool, settings: Settings, guide_low,
                     seed: int) -> None:
  """settings.em_iters rounds of PatchMatch, then the hole from the matches, in place (a
  level with more than max_search targets: one round of propagation alone)."""
  search = len(lv.ty) <= settings.max_search
  radius = max(lv.known.shape) if search else 0
  for it in range(settings.em_iters if search else 1):
    dist = pm.distances(lv.img, lv.ty, lv.tx, nny, nnx, lv.r)
    pm.improve(lv.img, lv.ty, lv.tx, lv.tindex, lv.src_ok, nny, nnx, dist, lv.r,
               settings.sweeps if search else 1, radius, seed + it)
    # The coarsest level votes (a smooth start); above it every hole pixel is copied from
    # its patch's match, so the next search compares against sharp detail, not an
    # average that would favour smooth sources.
    lv.img = _keep_low(_vote(lv, nny, nnx, dist) if coarsest else _copy_centres(lv, nny, nnx),
                       lv.known, guide_low)


def complete(image: np.ndarray, known: np.ndarray, guide: Optional[np.ndarray] = None,
             gen_pixel: Optional[float] = None, settings: Settings = DEFAULT,
             progress: Optional[Callable[[float], None]] = None) -> np.ndarray:
  """Fills a hole from the image's own patches, coarse to fine.

  Args:
    image: float [h, w, 3] (any range; 0..255 for photos); hole pixels are ignored.
    known: bool [h, w], True = known.
    guide: float [h, w, 3], the coarse fill at full size (known pixels ignored), or
      None (the coarsest level is inpaint.exemplar's fill).
    gen_pixel: how many pixels of `image` one pixel of the guide's own resolution
      covers (with a guide).
    progress: optional fn(fraction done), after each level.

  Returns:
    float32 [h, w, 3]: known pixels exactly as given, the hole filled.
  """
  if progress is not None:
    progress(0.0)
  known = np.asarray(known, bool)
  img = np.where(known[..., None], np.asarray(image, np.float32), 0.0).astype(np.float32)
  if known.all() or not known.any():
    return img if guide is None else np.where(known[..., None], img, guide).astype(np.float32)
  r = settings.patch // 2
  depth = _depth(known.shape, settings.patch, None if guide is None else gen_pixel)
  pyramid = [(img, known)]
  for _ in range(depth):
    pyramid.append(_down(*pyramid[-1]))
  guide_low = None
  if guide is not None:
    guide_c = np.where(known[..., None], img, np.asarray(guide, np.float32))
    guide_low = blend.resize(guide_c, _low_grid(known.shape, settings, gen_pixel), Image.BOX)
  rng = np.random.default_rng(settings.seed)
  prev = None  # The level below: (its _Level, its matches).
  for depth_i in range(depth, -1, -1):
    lv_img, lv_known = pyramid[depth_i]
    if prev is None:  # The coarsest level's start.
      if guide is None:
        start = exemplar.complete(lv_img, lv_known.astype(np.float32))
      else:
        start = blend.resize(guide_c, lv_known.shape, Image.BOX)
      lv_img = np.where(lv_known[..., None], lv_img, start).astype(np.float32)
    lv = _Level(lv_img, lv_known, r)
    if not lv.usable:  # Too small a region for a patch: keep the start (or upsampled fill).
      est = lv_img if prev is None else np.where(
          lv_known[..., None], lv_img, blend.resize(prev[0].img, lv_known.shape))
      prev = (_Level(est.astype(np.float32), lv_known, r), None)
      continue
    seed = int(rng.integers(2 ** 31))
    nny, nnx = _first_matches(lv, prev, rng, seed, guide_low)
    _search_and_copy(lv, nny, nnx, prev is None, settings, guide_low, seed)
    prev = (lv, (nny, nnx))
    if progress is not None:
      progress(1.0 - depth_i / (depth + 1))
  out = prev[0].img
  return np.where(known[..., None], img, out).astype(np.float32)


def fill_photo(photo: np.ndarray, mask: np.ndarray, small: Optional[np.ndarray] = None,
               settings: Settings = DEFAULT, progress=None) -> np.ndarray:
  """A photo's hole completed at full resolution and Poisson-blended in.

  Args:
    photo: uint8 [H, W, 3]; mask: [H, W], 1 = known, 0 = fill.
    small: the network's fill of the whole photo, [s, s, 3] in [-1, 1] (the guide), or
      None (unguided: the exemplar method at full resolution).
    progress: optional fn(fraction done).

  Returns:
    uint8 [H, W, 3]: the photo's own pixels outside the hole, bit for bit. A photo less
    than twice the fill's size gets the fill pasted back (paste_back).
  """
  hole_full = np.asarray(mask) < 0.5
  if small is not None and max(hole_full.shape) < 2 * small.shape[0]:
    return paste_back(photo, small, mask)  # No finer detail than the fill's own to add.
  box = work_box(hole_full, settings.patch)
  if box is None:
    return photo
  y0, y1, x0, x1 = box
  h, w = hole_full.shape
  crop = photo[y0:y1, x0:x1].astype(np.float32)
  hole = hole_full[y0:y1, x0:x1]
  guide, gen_pixel = None, None
  if small is not None:
    guide = upsample_crop(small, box, (h, w))
    gen_pixel = max(h, w) / small.shape[0]
  filled = complete(crop, ~hole, guide, gen_pixel, settings, progress)
  if guide is not None:
    # Blended as the paste-back is: the guide's low frequencies everywhere (so that its
    # mismatch with the photo at the hole's edge is spread smoothly over the hole), the
    # patches' detail on top.
    detail = detail_of(filled, settings.detail_sigma)
    if settings.match_detail:
      detail *= _detail_gain(crop, filled, hole, settings.patch)
    if settings.feather:
      detail *= _feather(hole, settings.feather)[..., None]
    filled = guide + detail
  return _paste(photo, box, hole, blend.blend_crop(crop, filled, hole))


def upsample_crop(small: np.ndarray, box: Tuple[int, int, int, int],
                  shape: Tuple[int, int]) -> np.ndarray:
  """The part of a small fill of a whole photo that covers box, at full size.

  Args: small [s, s, 3] in [-1, 1]; box (y0, y1, x0, x1) in a photo of shape (H, W).
  Returns: float32 [y1 - y0, x1 - x0, 3] in about 0..255 (bicubic).
  """
  y0, y1, x0, x1 = box
  h, w = shape
  s = small.shape[0]
  src = (np.asarray(small, np.float32) + 1.0) * 127.5
  return np.stack([np.asarray(Image.fromarray(src[..., c], 'F').resize(
      (x1 - x0, y1 - y0), Image.BICUBIC, box=(x0 * s / w, y0 * s / h, x1 * s / w, y1 * s / h)))
      for c in range(3)], -1)


def paste_back(photo: np.ndarray, small: np.ndarray, mask: np.ndarray) -> np.ndarray:
  """The small fill upsampled (bicubic) for the hole's box alone and Poisson-blended there
  (blend.blend_crop: bounded time and memory): `--nodetail`.

  Args: photo uint8 [H, W, 3]; small [s, s, 3] in [-1, 1] (the whole photo, small);
    mask [H, W], 1 = known.
  Returns: uint8 [H, W, 3], the photo's own pixels outside the hole, bit for bit.
  """
  box = blend.hole_box(mask)
  if box is None:
    return photo
  y0, y1, x0, x1 = box
  hole = np.asarray(mask)[y0:y1, x0:x1] < 0.5
  crop = blend.blend_crop(photo[y0:y1, x0:x1], upsample_crop(small, box, mask.shape), hole)
  return _paste(photo, box, hole, crop)


def _paste(photo, box, hole, crop) -> np.ndarray:
  """A copy of photo with crop's hole pixels (rounded, clipped) written in box."""
  y0, y1, x0, x1 = box
  out = photo.copy()
  out[y0:y1, x0:x1][hole] = np.clip(np.round(crop[hole]), 0, 255).astype(np.uint8)
  return out


def thumbnail(photo: np.ndarray, mask: np.ndarray, max_side: int):
  """The photo and its mask shrunk to at most max_side pixels on the long side (as they
  are when already that small): (uint8 [h, w, 3], float32 [h, w] with 1 = known; a pixel
  is a hole if any of it was)."""
  h, w = mask.shape
  f = max(h, w) / max_side
  if f <= 1:
    return photo, np.asarray(mask, np.float32)
  size = (max(1, int(round(h / f))), max(1, int(round(w / f))))
  small = np.asarray(Image.fromarray(photo).resize(size[::-1], Image.BOX))
  hole = blend.resize(1.0 - np.asarray(mask, np.float32), size, Image.BOX) > 1e-6
  return small, (~hole).astype(np.float32)


def biharmonic_photo(photo: np.ndarray, mask: np.ndarray, max_unknowns: int = 40_000,
                     ) -> np.ndarray:
  """Biharmonic interpolation at the photo's resolution, on the hole's box: large holes
  are solved downscaled (at most max_unknowns hole pixels; the fill is smooth there) and
  Poisson-blended at full size, so time is bounded.

  Args: photo uint8 [H, W, 3]; mask [H, W], 1 = known. Returns uint8 [H, W, 3].
  """
  from skimage.restoration import inpaint_biharmonic  # pylint: disable=import-outside-toplevel
  hole_full = np.asarray(mask) < 0.5
  box = blend.hole_box(mask, max_unknowns)
  if box is None:
    return photo
  y0, y1, x0, x1 = box
  crop = photo[y0:y1, x0:x1].astype(np.float32) / 255.0
  hole = hole_full[y0:y1, x0:x1]
  f = blend.coarse_factor(int(hole.sum()), max_unknowns)
  if f == 1:
    smooth = inpaint_biharmonic(crop, hole, channel_axis=-1)
  else:
    size = (max(2, hole.shape[0] // f), max(2, hole.shape[1] // f))
    small_hole = blend.resize(hole.astype(np.float32), size, Image.BOX) > 1e-6
    small = inpaint_biharmonic(blend.resize(crop, size, Image.BOX), small_hole, channel_axis=-1)
    smooth = blend.resize(small, hole.shape)
  return _paste(photo, box, hole, blend.blend_crop(crop, smooth, hole) * 255.0)
