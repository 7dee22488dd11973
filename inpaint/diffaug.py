"""Differentiable augmentation for GAN training (DiffAugment, Zhao et al., arXiv 2006.10738).

The same random transformations are applied to real and to generated images
before the discriminator sees them, in both the D and the G step; because every
operation is differentiable, G's gradient passes through them. With few
training images (6,431 here) this keeps D from memorising the training set.
Written from the paper's description: colour (brightness, saturation,
contrast), translation by up to 1/8 of the side with zero fill, and cutout of
a square half the side.
"""

from typing import Sequence

import tensorflow as tf

POLICIES = ('color', 'translation', 'cutout')


def parse_policy(policy: str) -> Sequence[str]:
  """'color,translation,cutout' -> ('color', 'translation', 'cutout'); '' -> ().

  Raises:
    ValueError: naming an unknown operation and the valid ones.
  """
  ops = tuple(p.strip() for p in policy.split(',') if p.strip())
  for op in ops:
    if op not in POLICIES:
      raise ValueError(f'unknown DiffAugment operation {op!r}; choose from {", ".join(POLICIES)}')
  return ops


def _color(x, rng):
  b = tf.shape(x)[0]
  # Brightness: add U(-0.5, 0.5); saturation: scale around the pixel's grey by U(0, 2);
  # contrast: scale around the image mean by U(0.5, 1.5). On [-1, 1] images, as the paper's code.
  x = x + (rng.uniform([b, 1, 1, 1]) - 0.5)
  grey = tf.reduce_mean(x, axis=3, keepdims=True)
  x = (x - grey) * (rng.uniform([b, 1, 1, 1]) * 2.0) + grey
  mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
  return (x - mean) * (rng.uniform([b, 1, 1, 1]) + 0.5) + mean


def _translation(x, rng, ratio=0.125):
  """Shifts each image by whole pixels in [-ratio * S, ratio * S], zero fill."""
  b, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
  sh = tf.cast(tf.cast(h, tf.float32) * ratio + 0.5, tf.int32)
  sw = tf.cast(tf.cast(w, tf.float32) * ratio + 0.5, tf.int32)
  dy = rng.uniform([b, 1, 1], -sh, sh + 1, dtype=tf.int32)
  dx = rng.uniform([b, 1, 1], -sw, sw + 1, dtype=tf.int32)
  # Source coordinates of every output pixel; out-of-range ones read the zero padding.
  gy = tf.clip_by_value(tf.range(h)[None, :, None] - dy + 1, 0, h + 1)
  gx = tf.clip_by_value(tf.range(w)[None, None, :] - dx + 1, 0, w + 1)
  gy = tf.broadcast_to(gy, [b, h, w])
  gx = tf.broadcast_to(gx, [b, h, w])
  padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
  return tf.gather_nd(padded, tf.stack([gy, gx], axis=-1), batch_dims=1)


def _cutout(x, rng, ratio=0.5):
  """Zeroes one square of side ratio * S per image (its centre anywhere; clipped at the edges)."""
  b, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
  ch = tf.cast(tf.cast(h, tf.float32) * ratio + 0.5, tf.int32)
  cw = tf.cast(tf.cast(w, tf.float32) * ratio + 0.5, tf.int32)
  cy = rng.uniform([b, 1, 1], 0, h + (1 - ch % 2), dtype=tf.int32)
  cx = rng.uniform([b, 1, 1], 0, w + (1 - cw % 2), dtype=tf.int32)
  ys = tf.range(h)[None, :, None]
  xs = tf.range(w)[None, None, :]
  inside = ((ys >= cy - ch // 2) & (ys < cy - ch // 2 + ch) &
            (xs >= cx - cw // 2) & (xs < cx - cw // 2 + cw))
  return x * tf.cast(~inside, x.dtype)[..., None]


_OPS = {'color': _color, 'translation': _translation, 'cutout': _cutout}


def diff_augment(x: tf.Tensor, policy: Sequence[str], rng: tf.random.Generator) -> tf.Tensor:
  """Applies the policy's operations in order.

  Args:
    x: float [B, S, S, C] in [-1, 1] (the output may leave that range, as in the paper).
    policy: operation names from POLICIES (empty: x unchanged).
    rng: the random generator (seeded, checkpointed with the run).

  Returns:
    float [B, S, S, C], differentiable with respect to x.
  """
  for op in policy:
    x = _OPS[op](x, rng)
  return x
