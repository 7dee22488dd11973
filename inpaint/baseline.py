"""The non-learned baselines: biharmonic interpolation (skimage.restoration) and
exemplar-based completion (inpaint.exemplar)."""

import numpy as np
from skimage.restoration import inpaint_biharmonic

from inpaint import exemplar



def biharmonic(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
  """images [N, S, S, 3] in [-1, 1], masks [N, S, S] (1 = known) -> [N, S, S, 3] in [-1, 1]."""
  out = []
  for img, m in zip(np.asarray(images, np.float64), np.asarray(masks)):
    hole = m < 0.5
    if not hole.any():
      out.append(img)
    elif hole.all():  # Nothing to interpolate from: a flat grey fill.
      out.append(np.zeros_like(img))
    else:
      out.append(inpaint_biharmonic(img, hole, channel_axis=-1))
  return np.clip(np.stack(out), -1.0, 1.0).astype(np.float32)


def exemplar_fill(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
  """images [N, S, S, 3] in [-1, 1], masks [N, S, S] (1 = known) -> [N, S, S, 3] in [-1, 1]."""
  return np.clip(exemplar.complete_batch(images, masks), -1.0, 1.0)


# The methods that need no network (engine.methods kind 'classical'): name -> fill.
FILLS = {'biharmonic': biharmonic, 'exemplar': exemplar_fill}


def fill(method: str, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
  """The fill of a non-learned method, [N, S, S, 3] in [-1, 1] (known pixels as given)."""
  if method not in FILLS:
    raise ValueError(f'unknown non-learned method {method!r}; choose one of {", ".join(FILLS)}')
  return FILLS[method](images, masks)
