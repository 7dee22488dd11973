"""The dominant colour of a car's body, for telling a red/blue-swapped copy of the data.

Used by `python -m metrics.channel_check`.
"""

import collections
from typing import List, Optional, Sequence

import numpy as np
import skimage.color

# Hue bands (HSV hue in [0, 1)) of the names; red wraps around 0.
NAMES = ('red', 'orange/yellow', 'green', 'cyan/azure', 'violet-blue', 'purple/magenta', 'grey')
_UPPER = ((0.04, 'red'), (0.18, 'orange/yellow'), (0.45, 'green'), (0.62, 'cyan/azure'),
          (0.75, 'violet-blue'), (0.93, 'purple/magenta'), (1.01, 'red'))


def body_colours(images: np.ndarray, min_share: float = 0.25) -> List[str]:
  """The dominant colour of the car in each crop.

  Args:
    images: uint8 [N, S, S, 3], read as RGB, cropped to the car's box (the car fills
      the middle).
    min_share: below this share of saturated pixels in the middle, the car is 'grey'
      (white, black, silver and grey cars carry no hue).

  Returns:
    One of NAMES per image: the band of the median hue of the saturated middle pixels.
  """
  s = images.shape[1]
  out = []
  for img in images:
    h = skimage.color.rgb2hsv(img[s // 4:3 * s // 4, s // 8:7 * s // 8])
    sat = (h[..., 1] > 0.45) & (h[..., 2] > 0.2)
    if sat.mean() < min_share:
      out.append('grey')
      continue
    hue = float(np.median(h[..., 0][sat]))
    out.append(next(name for upper, name in _UPPER if hue < upper))
  return out


def report(images: np.ndarray, labels: np.ndarray, names: Optional[Sequence[str]] = None,
           makes: Sequence[str] = ()) -> List[str]:
  """Lines: the body colours of all images, the verdict, then the colours of each make
  (images whose class name contains it; needs `names`, the class names by label)."""
  found = body_colours(images)
  counts = collections.Counter(found)
  lines = [f'dominant body colour of {len(images)} images: ' +
           ', '.join(f'{c} {counts[c]}' for c in NAMES), verdict(counts)]
  if names is not None and len(labels) and (labels >= 0).all():
    for make in makes:
      sel = collections.Counter(c for c, l in zip(found, labels) if make.lower() in names[l].lower())
      found_here = ', '.join(f'{c} {sel[c]}' for c in NAMES if sel[c])
      lines.append(f'{make}: {sum(sel.values())} images' + (f': {found_here}' if found_here else ''))
  return lines


def verdict(counts: collections.Counter, ratio: float = 3.0, least: int = 20) -> str:
  """One line: swapped when violet-blue bodies outnumber red ones `ratio` times (and there
  are at least `least` of the two), as stored when red outnumbers violet-blue as much."""
  red, violet = counts['red'], counts['violet-blue']
  if red + violet < least:
    return f'undecided: only {red + violet} red or violet-blue cars'
  if violet >= ratio * max(red, 1):
    return (f'looks SWAPPED (bgr): {violet} violet-blue cars against {red} red ones; '
            'train with --channel_order=bgr')
  if red >= ratio * max(violet, 1):
    return f'looks as it should (rgb): {red} red cars against {violet} violet-blue ones'
  return f'undecided: {red} red against {violet} violet-blue cars'
