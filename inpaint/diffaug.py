"""Differentiable augmentation for GAN training (DiffAugment, Zhao et al., arXiv 2006.10738).

The same random transformations are applied to real and to generated images
before the discriminator sees them, in both the D and the G step; because every
operation is differentiable, G's gradient passes through them. With few
training images (6,431 here) this keeps D from memorising the training set.
Written from the paper's description: colour (brightness, saturation,
contrast), translation by up to 1/8 of the side with zero fill, and cutout of
a square half the side.
"""

from typing import Dict, Sequence

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


def _draw_color(rng, b, size):
  del size
  # Brightness: add U(-0.5, 0.5); saturation: scale around the pixel's grey by U(0, 2);
  # contrast: scale around the image mean by U(0.5, 1.5). On [-1, 1] images, as the paper's code.
  return {'brightness': rng.uniform([b, 1, 1, 1]) - 0.5,
          'saturation': rng.uniform([b, 1, 1, 1]) * 2.0,
          'contrast': rng.uniform([b, 1, 1, 1]) + 0.5}


def _color(x, p):
  x = x + p['brightness']
  grey = tf.reduce_mean(x, axis=3, keepdims=True)
  x = (x - grey) * p['saturation'] + grey
  mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
  return (x - mean) * p['contrast'] + mean


def _draw_translation(rng, b, size, ratio=0.125):
  s = int(size * ratio + 0.5)
  return {'dy': rng.uniform([b, 1, 1], -s, s + 1, dtype=tf.int32),
          'dx': rng.uniform([b, 1, 1], -s, s + 1, dtype=tf.int32)}


def _translation(x, p):
  """Shifts each image by whole pixels (p['dy'], p['dx']), zero fill."""
  b, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
  # Source coordinates of every output pixel; out-of-range ones read the zero padding.
  gy = tf.clip_by_value(tf.range(h)[None, :, None] - p['dy'] + 1, 0, h + 1)
  gx = tf.clip_by_value(tf.range(w)[None, None, :] - p['dx'] + 1, 0, w + 1)
  gy = tf.broadcast_to(gy, [b, h, w])
  gx = tf.broadcast_to(gx, [b, h, w])
  padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
  return tf.gather_nd(padded, tf.stack([gy, gx], axis=-1), batch_dims=1)


_CUT_RATIO = 0.5


def _draw_cutout(rng, b, size):
  c = int(size * _CUT_RATIO + 0.5)
  return {'cy': rng.uniform([b, 1, 1], 0, size + (1 - c % 2), dtype=tf.int32),
          'cx': rng.uniform([b, 1, 1], 0, size + (1 - c % 2), dtype=tf.int32)}


def _cutout(x, p):
  """Zeroes one square of side _CUT_RATIO * S per image, centred at (p['cy'], p['cx'])
  (anywhere; clipped at the edges)."""
  h, w = tf.shape(x)[1], tf.shape(x)[2]
  ch = tf.cast(tf.cast(h, tf.float32) * _CUT_RATIO + 0.5, tf.int32)
  cw = tf.cast(tf.cast(w, tf.float32) * _CUT_RATIO + 0.5, tf.int32)
  cy, cx = p['cy'], p['cx']
  ys = tf.range(h)[None, :, None]
  xs = tf.range(w)[None, None, :]
  inside = ((ys >= cy - ch // 2) & (ys < cy - ch // 2 + ch) &
            (xs >= cx - cw // 2) & (xs < cx - cw // 2 + cw))
  return x * tf.cast(~inside, x.dtype)[..., None]


_OPS = {'color': (_draw_color, _color), 'translation': (_draw_translation, _translation),
        'cutout': (_draw_cutout, _cutout)}


def draw(rng: tf.random.Generator, batch, size: int, policy: Sequence[str]) -> Dict:
  """The random parameters of the policy's operations for `batch` images of side `size`.

  Every value has the batch as its first axis, so a batch's parameters can be
  drawn once and sliced per replica (inpaint.distribute).
  """
  return {op: _OPS[op][0](rng, batch, size) for op in policy}


def apply(x: tf.Tensor, params: Dict, policy: Sequence[str]) -> tf.Tensor:
  """Applies the policy's operations in order with parameters from `draw`."""
  for op in policy:
    x = _OPS[op][1](x, params[op])
  return x


def diff_augment(x: tf.Tensor, policy: Sequence[str], rng: tf.random.Generator) -> tf.Tensor:
  """Applies the policy's operations in order.

  Args:
    x: float [B, S, S, C] in [-1, 1] (the output may leave that range, as in the paper).
    policy: operation names from POLICIES (empty: x unchanged).
    rng: the random generator (seeded, checkpointed with the run).

  Returns:
    float [B, S, S, C], differentiable with respect to x.
  """
  return apply(x, draw(rng, tf.shape(x)[0], int(x.shape[1]), policy), policy)
