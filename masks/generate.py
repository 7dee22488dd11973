"""Mask generators (center, left, random, half, pattern, brush strokes) and PNG I/O."""

import os
from typing import Optional

import numpy as np
from PIL import Image
from PIL import ImageDraw
from PIL import ImageOps
from scipy import ndimage

MASK_TYPES = ('center', 'left', 'random', 'half', 'pattern', 'strokes')
HALF_SIDES = ('top', 'bottom', 'left', 'right')
# Share of pixels the random mask drops: the seed's 70% (Yeh et al. used 80%: --random_missing=0.8).
RANDOM_MISSING = 0.7
PATTERN_COVER = 0.25
# Brush strokes as the page's editor paints them: a few polylines, each about a tenth of
# the image thick.
STROKES = (1, 4)  # How many strokes (at least, at most).
STROKE_WIDTH = (0.06, 0.14)  # Thickness as a share of the side.
# What the encoder is trained on: every kind of hole the project and the page make, with
# the random mask's missing share drawn from this range.
TRAINING_KINDS = ('center', 'half', 'random', 'pattern', 'strokes')
TRAINING_MISSING = (0.5, 0.9)


def _pattern(size: int, rng: np.random.Generator) -> np.ndarray:
  """Random blobs covering about PATTERN_COVER of the image (1 = hole).

  Smoothed noise thresholded at the quantile that leaves that share missing,
  so blobs are connected regions of varied shape, not scattered pixels.
  """
  noise = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma=size / 12,
                                  mode='wrap')
  return noise > np.quantile(noise, 1.0 - PATTERN_COVER)


def _strokes(size: int, rng: np.random.Generator) -> np.ndarray:
  """A few brush strokes (1 = hole): polylines of 2-5 points with round joints."""
  im = Image.new('L', (size, size), 0)
  draw = ImageDraw.Draw(im)
  for _ in range(rng.integers(STROKES[0], STROKES[1] + 1)):
    pts = [tuple(p) for p in rng.uniform(0, size, (rng.integers(2, 6), 2))]
    _brush(draw, pts, max(1, int(round(rng.uniform(*STROKE_WIDTH) * size))))
  return np.asarray(im) > 0


def _brush(draw: ImageDraw.ImageDraw, pts, width: int) -> None:
  """A polyline of `width` pixels with round joints and round caps, as a brush leaves."""
  draw.line(pts, fill=255, width=width, joint='curve')
  r = width / 2
  for x, y in (pts[0], pts[-1]):
    draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def make_mask(mask_type: str, img_size: int = 64, seed: int = 0,
              side: Optional[str] = None, missing: float = RANDOM_MISSING) -> np.ndarray:
  """One mask.

  Args:
    mask_type: one of MASK_TYPES.
    img_size: side in pixels.
    seed: seeds random, half (which side) and pattern masks.
    side: for 'half', force one of HALF_SIDES instead of a seeded choice.
    missing: for 'random', the share of pixels to fill, in (0, 1).

  Returns:
    float32 [img_size, img_size], 1 = known, 0 = to fill.
  """
  if mask_type not in MASK_TYPES:
    raise ValueError(f'unknown mask type {mask_type!r}; choose one of {", ".join(MASK_TYPES)}')
  if img_size <= 0:
    raise ValueError(f'img_size must be positive, got {img_size}')
  if not 0 < missing < 1:
    raise ValueError(f'random_missing must be in (0, 1), got {missing}')
  s = img_size
  mask = np.ones((s, s), np.float32)
  rng = np.random.default_rng(seed)
  if mask_type == 'center':
    mask[s // 4:3 * s // 4, s // 4:3 * s // 4] = 0
  elif mask_type == 'left':
    mask[:, :s // 2] = 0
  elif mask_type == 'random':
    mask[rng.random((s, s)) < missing] = 0
  elif mask_type == 'half':
    side = side or HALF_SIDES[rng.integers(len(HALF_SIDES))]
    if side not in HALF_SIDES:
      raise ValueError(f'unknown side {side!r}; choose one of {", ".join(HALF_SIDES)}')
    sl = {'top': np.s_[:s // 2, :], 'bottom': np.s_[s // 2:, :],
          'left': np.s_[:, :s // 2], 'right': np.s_[:, s // 2:]}[side]
    mask[sl] = 0
  elif mask_type == 'pattern':
    mask[_pattern(s, rng)] = 0
  else:
    mask[_strokes(s, rng)] = 0
  return mask


def make_masks(mask_type: str, num: int, img_size: int = 64, seed: int = 0,
               missing: float = RANDOM_MISSING) -> np.ndarray:
  """num masks [num, img_size, img_size]; mask i uses seed + i."""
  return np.stack([make_mask(mask_type, img_size, seed + i, missing=missing)
                   for i in range(num)])


def training_masks(rng: np.random.Generator, num: int, img_size: int = 64) -> np.ndarray:
  """num masks of kinds drawn uniformly from TRAINING_KINDS (half: any side; random: a
  missing share drawn from TRAINING_MISSING), float32 [num, img_size, img_size], 1 = known."""
  kinds = rng.integers(len(TRAINING_KINDS), size=num)
  seeds = rng.integers(2**31, size=num)
  missing = rng.uniform(*TRAINING_MISSING, size=num)
  return np.stack([make_mask(TRAINING_KINDS[k], img_size, int(s), missing=float(p))
                   for k, s, p in zip(kinds, seeds, missing)])


# Holes in photos at their own size (the full-resolution benchmark): a box over a car
# part, 30% of the height by 35% of the width, and a brush stroke 7% of the height thick
# across the car.
PHOTO_MASKS = ('box', 'stroke')
PHOTO_BOX = (0.30, 0.35)
PHOTO_STROKE = 0.07


def photo_mask(kind: str, height: int, width: int, seed: int = 0) -> np.ndarray:
  """A hole in a height x width photo, float32 [height, width], 1 = known.

  'box': placed at a seeded position inside the photo's central 80%; 'stroke': one
  polyline of 3-4 points from the left quarter to the right quarter, round ends.
  """
  if kind not in PHOTO_MASKS:
    raise ValueError(f'photo mask {kind!r}: choose one of {", ".join(PHOTO_MASKS)}')
  rng = np.random.default_rng(seed)
  mask = np.ones((height, width), np.float32)
  if kind == 'box':
    bh, bw = int(round(PHOTO_BOX[0] * height)), int(round(PHOTO_BOX[1] * width))
    y0 = int(rng.integers(int(0.1 * height), max(int(0.1 * height) + 1, int(0.9 * height) - bh)))
    x0 = int(rng.integers(int(0.1 * width), max(int(0.1 * width) + 1, int(0.9 * width) - bw)))
    mask[y0:y0 + bh, x0:x0 + bw] = 0
    return mask
  im = Image.new('L', (width, height), 0)
  draw = ImageDraw.Draw(im)
  n = int(rng.integers(3, 5))
  xs = np.linspace(rng.uniform(0.05, 0.25), rng.uniform(0.75, 0.95), n) * width
  ys = rng.uniform(0.25, 0.75, n) * height
  pts = [(float(x), float(y)) for x, y in zip(xs, ys)]
  _brush(draw, pts, max(1, int(round(PHOTO_STROKE * height))))
  mask[np.asarray(im) > 0] = 0
  return mask


def mask_to_png(mask: np.ndarray, path: str) -> str:
  """Writes a mask as PNG: white = fill, black = keep."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  Image.fromarray(np.where(np.asarray(mask) > 0.5, 0, 255).astype(np.uint8)).save(path)
  return path


def to_8bit(im: Image.Image) -> Image.Image:
  """16-bit and float greyscale images scaled to 8 bits (PIL's convert would clip)."""
  if im.mode in ('I;16', 'I;16B', 'I;16L', 'I', 'F'):
    a = np.asarray(im, np.float64)
    top = 65535.0 if im.mode.startswith('I;16') or a.max() > 255 else 255.0
    return Image.fromarray(np.clip(np.round(a * 255.0 / top), 0, 255).astype(np.uint8), 'L')
  return im


def mask_from_png(path: str, size: Optional[tuple] = None) -> np.ndarray:
  """Reads a mask PNG (white = fill) into float32 [H, W], 1 = known.

  Colour or alpha channels are reduced to luminance (a transparent pixel counts
  as keep). With `size` = (width, height), a mask of another size is resized
  with nearest neighbour.

  Raises:
    OSError: unreadable file.
  """
  with Image.open(path) as raw:
    raw.load()
    im = ImageOps.exif_transpose(raw)  # Drawn on the displayed picture.
    if im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info):
      rgba = im.convert('RGBA')
      black = Image.new('RGBA', rgba.size, (0, 0, 0, 255))
      im = Image.alpha_composite(black, rgba)
    gray = to_8bit(im).convert('L')
    if size is not None and gray.size != tuple(size):
      gray = gray.resize(tuple(size), Image.NEAREST)
    return (np.asarray(gray) < 128).astype(np.float32)
