"""Image grids and PNG helpers."""

import math
import os
from typing import Optional, Sequence

import numpy as np
from PIL import Image

from inpaint import data


def grid(images: np.ndarray, ncols: Optional[int] = None, pad: int = 2) -> np.ndarray:
  """Tiles images [N, H, W, 3] (float in [-1, 1] or uint8) into one uint8 image."""
  images = np.asarray(images)
  if images.dtype != np.uint8:
    images = data.to_uint8(images)
  n, h, w, c = images.shape
  ncols = ncols or int(math.ceil(math.sqrt(n)))
  nrows = int(math.ceil(n / ncols))
  out = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), 255, np.uint8)
  for i in range(n):
    r, col = divmod(i, ncols)
    out[pad + r * (h + pad):pad + r * (h + pad) + h,
        pad + col * (w + pad):pad + col * (w + pad) + w] = images[i]
  return out


def save_png(path: str, image: np.ndarray) -> str:
  """Saves uint8 or [-1, 1] float [H, W, 3] (or [H, W]) as PNG, creating folders."""
  image = np.asarray(image)
  if image.dtype != np.uint8:
    image = data.to_uint8(image)
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  Image.fromarray(image).save(path)
  return path


def save_grid(path: str, images: np.ndarray, ncols: Optional[int] = None) -> str:
  return save_png(path, grid(images, ncols))


def save_rows(path: str, columns: Sequence[np.ndarray]) -> str:
  """One row per image, one column per array in `columns` (each [N, H, W, 3])."""
  stacked = np.stack([np.asarray(c if np.asarray(c).dtype == np.uint8 else data.to_uint8(c))
                      for c in columns], axis=1)
  n, k = stacked.shape[:2]
  return save_png(path, grid(stacked.reshape((n * k,) + stacked.shape[2:]), ncols=k))
