"""A small line plot drawn with Pillow (the project has no plotting dependency)."""

from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

_COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14),
            (23, 190, 207), (140, 86, 75), (127, 127, 127), (188, 189, 34), (227, 119, 194),
            (0, 0, 0), (0, 90, 50))


def _ticks(lo: float, hi: float, n: int = 6) -> List[float]:
  step = (hi - lo) / n if hi > lo else 1.0
  mag = 10 ** np.floor(np.log10(step))
  step = min((m * mag for m in (1, 2, 5, 10) if m * mag >= step), default=step)
  start = np.ceil(lo / step) * step
  return [float(t) for t in np.arange(start, hi + step * 1e-6, step)]


def line_plot(series: Dict[str, Sequence[Tuple[float, float]]], path: str, x_label: str,
              y_label: str, title: str = '', size=(900, 540)) -> str:
  """Draws each series (label -> [(x, y)]) as a line with markers; writes a PNG.

  Returns:
    path.
  """
  w, h = size
  left, right, top, bottom = 80, 200, 40, 60
  img = Image.new('RGB', size, 'white')
  d = ImageDraw.Draw(img)
  pts = [p for s in series.values() for p in s]
  xs, ys = [p[0] for p in pts] or [0, 1], [p[1] for p in pts] or [0, 1]
  x0, x1 = min(0.0, min(xs)), max(xs) if max(xs) > min(0.0, min(xs)) else 1.0
  y0, y1 = min(0.0, min(ys)), max(ys) * 1.05 if max(ys) > 0 else 1.0

  def tx(x):
    return left + (x - x0) / (x1 - x0) * (w - left - right)

  def ty(y):
    return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom)

  d.rectangle([left, top, w - right, h - bottom], outline='black')
  for t in _ticks(x0, x1):
    d.line([tx(t), h - bottom, tx(t), h - bottom + 5], fill='black')
    d.text((tx(t) - 10, h - bottom + 8), f'{t:g}', fill='black')
  for t in _ticks(y0, y1):
    d.line([left - 5, ty(t), left, ty(t)], fill='black')
    d.line([left, ty(t), w - right, ty(t)], fill=(230, 230, 230))
    d.text((left - 45, ty(t) - 6), f'{t:g}', fill='black')
  d.text((left + (w - left - right) // 2 - 60, h - 25), x_label, fill='black')
  d.text((5, top - 25), y_label, fill='black')
  d.text((left, 8), title, fill='black')
  for i, (label, s) in enumerate(series.items()):
    c = _COLOURS[i % len(_COLOURS)]
    s = sorted(s)
    coords = [(tx(x), ty(y)) for x, y in s]
    if len(coords) > 1:
      d.line(coords, fill=c, width=2)
    for cx, cy in coords:
      d.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill=c)
    d.line([w - right + 15, top + 20 * i + 8, w - right + 35, top + 20 * i + 8], fill=c, width=3)
    d.text((w - right + 40, top + 20 * i + 2), label, fill='black')
  img.save(path)
  return path
