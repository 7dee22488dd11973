"""Scores and files of a finished inpainting batch: per-image errors, PNGs, grids, JSON.

Jobs compute results in memory (inpaint.run, inpaint.photos); this module is the
separate step that scores them and writes them to disk.
"""

import json
import math
import os
from typing import List, Optional

import numpy as np

from inpaint import data
from inpaint import images as imgs
from metrics import errors


def _json_safe(v):
  if isinstance(v, float) and not math.isfinite(v):
    return None if math.isnan(v) else ('inf' if v > 0 else '-inf')
  return v


def preview(path: str, y, m, composite) -> None:
  """The grid of the current best results (masked | current | original), written while
  the optimization runs so that a first picture exists within a minute."""
  masked = m[..., None] * y + (1 - m[..., None]) * 1.0
  imgs.save_rows(path, [masked, composite, y], headers=('masked', 'current', 'original'))


# The spread (restarts' standard deviation, images in [-1, 1]) drawn white in a spread map.
SPREAD_WHITE = 0.5


def spread_image(spread: np.ndarray) -> np.ndarray:
  """Spread maps [..., H, W] (engine.combine) -> grey images [..., H, W, 3] in [-1, 1]:
  black = the restarts agree (and every known pixel), white = a spread of SPREAD_WHITE.
  Read-only: the three channels are one array (a full-size photo's map is large)."""
  grey = np.clip(np.asarray(spread, np.float32) / SPREAD_WHITE, 0, 1) * 2 - 1
  return np.broadcast_to(grey[..., None], grey.shape + (3,))


def score(result: np.ndarray, y: np.ndarray, m: np.ndarray) -> List[dict]:
  """Per-image errors (metrics.errors) of results [N, S, S, 3] in [-1, 1] against y,
  on the 8-bit images that are written to disk."""
  return [errors.image_errors(data.to_uint8(r), data.to_uint8(o), mi)
          for r, o, mi in zip(result, y, m)]


def write_outputs(out_dir: str, tag: str, y, m, g, result, originals_known: bool,
                  extra: dict, loss_terms: dict, losses, start_index: int = 0,
                  spread: Optional[np.ndarray] = None) -> dict:
  """PNGs per image, a grid (masked | result | [spread |] original) and a JSON of losses
  and metrics.

  y, g, result: [N, S, S, 3] in [-1, 1]; m: [N, S, S], 1 = known; spread: optional
  [N, S, S] (engine.combine), written as *_spread.png (spread_image).
  """
  os.makedirs(out_dir, exist_ok=True)
  masked = m[..., None] * y + (1 - m[..., None]) * 1.0  # Holes shown white.
  per_image = []
  for i in range(len(y)):
    name = f'{tag}_img{start_index + i:04d}'
    imgs.save_png(os.path.join(out_dir, f'{name}_masked.png'), masked[i])
    imgs.save_png(os.path.join(out_dir, f'{name}_gz.png'), g[i])
    imgs.save_png(os.path.join(out_dir, f'{name}_result.png'), result[i])
    if spread is not None:
      imgs.save_png(os.path.join(out_dir, f'{name}_spread.png'), spread_image(spread[i]))
    row = {'name': name, 'loss': _json_safe(float(losses[i])),
           **{k: _json_safe(float(v[i])) for k, v in loss_terms.items()}}
    if originals_known:
      imgs.save_png(os.path.join(out_dir, f'{name}_original.png'), y[i])
      row.update({k: _json_safe(v) for k, v in
                  errors.image_errors(data.to_uint8(result[i]), data.to_uint8(y[i]),
                                      m[i]).items()})
    per_image.append(row)
  cols = [masked, result] + ([spread_image(spread)] if spread is not None else [])
  heads = ['masked', 'result'] + (['spread'] if spread is not None else [])
  if originals_known:
    cols, heads = cols + [y], heads + ['original']
  grid_path = imgs.save_rows(os.path.join(out_dir, f'{tag}_grid.png'), cols, headers=heads)
  summary = {**extra, 'images': per_image, 'grid': os.path.basename(grid_path)}
  if originals_known:
    for k in errors.NAMES:
      vals = [r[k] for r in per_image if isinstance(r.get(k), float)]
      summary[f'mean_{k}'] = float(np.mean(vals)) if vals else None
  with open(os.path.join(out_dir, f'{tag}.json'), 'w') as f:
    json.dump(summary, f, indent=2)
  return summary
