"""Where the search starts and how its restarts end: random or learned initial codes,
the one-pass fill G(E(y, M)), and the fill that an image's restarts make together.

Rows of codes are ordered restart-major: restart r of image i is row r * N + i.

Layer: the engine, above engine.config (the encoder comes in as a built model).
"""

import keras
import numpy as np
import tensorflow as tf

from inpaint import dcgan
from inpaint import encoder as enc
from inpaint.engine import config

def random_codes(n: int, z_dim: int, seed: int, z_init: str = 'uniform') -> np.ndarray:
  """Seeded initial codes [n, z_dim]: U(-1, 1), or N(0, 1) clipped to [-1, 1] (the 2018
  project drew np.random.randn and clipped after each step)."""
  rng = np.random.default_rng(seed)
  if z_init == 'normal':
    return np.clip(rng.standard_normal((n, z_dim)), -1, 1).astype(np.float32)
  return dcgan.sample_z(rng, n, z_dim)

def learned_codes(encoder: keras.Model, y, m, restarts: int, noise: float,
                  seed: int) -> np.ndarray:
  """The learned start: E's code of every image, restart 0 exactly there and restarts
  1.. perturbed by seeded N(0, noise^2), clipped to [-1, 1]. Every image gets the same
  perturbations, so an image's codes do not depend on the rest of its batch.

  Args:
    encoder: E, [N, S, S, 4] -> [N, z_dim] (inpaint.encoder).
    y: [N, S, S, 3] in [-1, 1]; m: [N, S, S] or [N, S, S, 1], 1 = known.

  Returns:
    float32 [restarts * N, z_dim].
  """
  z = enc.encode(encoder, y, m)
  rng = np.random.default_rng(seed)
  eps = rng.standard_normal((restarts - 1, 1, z.shape[-1])).astype(np.float32) * noise
  out = np.concatenate([z[None], np.clip(z[None] + eps, -1.0, 1.0)], 0)
  return out.reshape(-1, z.shape[-1]).astype(np.float32)

def one_pass(encoder: keras.Model, generator: keras.Model, y, m) -> dict:
  """The one-pass fill G(E(y * M, M)): no search.

  Args:
    y: [N, S, S, 3] in [-1, 1] (hole pixels are ignored); m: [N, S, S] or [N, S, S, 1].

  Returns:
    {'z' [N, z_dim], 'g' [N, S, S, 3] in [-1, 1], 'composite' (M y + (1 - M) g)}.
  """
  y = np.asarray(y, np.float32)
  m4 = np.asarray(m, np.float32).reshape(y.shape[:3] + (1,))
  z = enc.encode(encoder, y, m4)
  g = tf.cast(generator(z, training=False), tf.float32).numpy()
  return {'z': z, 'g': g, 'composite': m4 * y + (1 - m4) * g}

def combine(g_restarts: np.ndarray, losses: np.ndarray, m: np.ndarray, fill: str = 'best',
            k: int = 0):
  """An image's fill from its restarts, and where they disagree.

  Args:
    g_restarts: [R, N, S, S, 3] in [-1, 1], G(z) of every restart of every image.
    losses: [R, N]; a non-finite loss ranks last.
    m: [N, S, S] or [N, S, S, 1], 1 = known.
    fill: 'best' (the lowest-loss restart) or 'mean' (per pixel, over the k lowest-loss
      restarts; k = 0 or k >= R: all).
    k: see fill.

  Returns:
    (fill [N, S, S, 3], spread [N, S, S]): spread is the standard deviation over all
    restarts, averaged over the colour channels, inside the hole (0 where known).
  """
  if fill not in config.FILLS:
    raise ValueError(f'fill={fill!r}; choose one of {", ".join(config.FILLS)}')
  r, n = losses.shape
  order = np.argsort(np.where(np.isfinite(losses), losses, np.inf), axis=0, kind='stable')
  ranked = np.take_along_axis(g_restarts, order[..., None, None, None], axis=0)
  if fill == 'best':
    out = ranked[0]
  else:
    out = ranked[:k if 0 < k < r else r].mean(0)
  hole = 1.0 - np.reshape(m, (n,) + g_restarts.shape[2:4])
  spread = g_restarts.std(axis=0).mean(axis=-1) * hole
  return out.astype(np.float32), spread.astype(np.float32)
