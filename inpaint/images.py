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
  folder = os.path.dirname(os.path.abspath(path))
  os.makedirs(folder, exist_ok=True)
  # Written whole or not at all: an interrupted job leaves no half file behind.
  tmp = os.path.join(folder, f'.tmp_{os.getpid()}_{os.path.basename(path)}')
  Image.fromarray(image).save(tmp, format='PNG')
  os.replace(tmp, path)
  return path


def save_grid(path: str, images: np.ndarray, ncols: Optional[int] = None) -> str:
  return save_png(path, grid(images, ncols))


def rows_image(columns: Sequence[np.ndarray], headers: Optional[Sequence[str]] = None,
               max_rows: int = 8, gap: int = 12) -> np.ndarray:
  """One row per image, one column per array in `columns` (each [N, H, W, 3]).

  More than max_rows images are laid out as several blocks side by side (not one
  tall strip); `headers` names the columns above every block.

  Returns:
    uint8 [height, width, 3].
  """
  stacked = np.stack([np.asarray(c if np.asarray(c).dtype == np.uint8 else data.to_uint8(c))
                      for c in columns], axis=1)
  n, k = stacked.shape[:2]
  blocks = [grid(stacked[i:i + max_rows].reshape((-1,) + stacked.shape[2:]), ncols=k)
            for i in range(0, n, max_rows)]
  h = blocks[0].shape[0]
  blocks = [np.pad(b, ((0, h - b.shape[0]), (0, 0), (0, 0)), constant_values=255) for b in blocks]
  sep = np.full((h, gap, 3), 255, np.uint8)
  out = np.concatenate([x for b in blocks for x in (b, sep)][:-1], axis=1)
  if headers:
    from PIL import ImageDraw  # pylint: disable=import-outside-toplevel
    cell = stacked.shape[3] + 2  # The grid's pad is 2.
    lines = [header_lines(str(name), cell // 6) for name in headers]  # The font is 6 px wide.
    head_h = 4 + 11 * max(len(l) for l in lines)
    img = Image.fromarray(np.pad(out, ((head_h, 0), (0, 0), (0, 0)), constant_values=255))
    draw = ImageDraw.Draw(img)
    for b in range(len(blocks)):
      x0 = b * (blocks[0].shape[1] + gap)
      for j, text in enumerate(lines):
        for i, line in enumerate(text):
          draw.text((x0 + 2 + j * cell + 1, 2 + 11 * i), line, fill=(0, 0, 0))
    out = np.asarray(img)
  return out


def header_lines(name: str, width: int) -> list:
  """A column header broken into lines of at most `width` characters, at '_' where
  possible ('semantic_context_only' -> ['semantic_', 'context_', 'only'] for width 9)."""
  lines, cur = [], ''
  for word in (w + '_' for w in name.split('_')):
    if cur and len(cur) + len(word.rstrip('_')) > width:
      lines.append(cur if len(cur) <= width else cur.rstrip('_'))
      cur = ''
    cur += word
    while len(cur.rstrip('_')) > width:  # A word longer than a line: cut it.
      lines.append(cur[:width])
      cur = cur[width:]
  cur = cur.rstrip('_')
  return lines + [cur] if cur else lines


def save_rows(path: str, columns: Sequence[np.ndarray], headers: Optional[Sequence[str]] = None,
              max_rows: int = 8) -> str:
  """Writes rows_image(columns, headers, max_rows) as a PNG."""
  return save_png(path, rows_image(columns, headers, max_rows))
