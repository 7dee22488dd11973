"""The loss terms' formulas, per image (Yeh et al., arXiv 1607.07539, plus the 2018
project's GoogLeNet terms). For images y [N, S, S, 3] in [-1, 1] and masks M [N, S, S, 1]
(1 = known), with the composite x = M y + (1 - M) G(z):

  W           = M * conv2d(1 - M, ones(n x n) / n^2, same, symmetric boundary),
                n = nsize; W = M when use_weighted_mask is off
  context     = sum |W * (G(z) - y)|
  prior       = lamb * BCE(D(G(z)), real)
  inpainting  = lambda_inp * BCE(D(x), real)
  semantic    = lambda_sem * sum_{l in (layer, layer_2)} ||P_l (F_l(a) - F_l(b))||^2 / ||P_l F_l(b)||^2
                the 2018 project: a = G(z), b = x, P_l = 1 (semantic_input='composite');
                'masked': a = M G(z), b = M y (the hole grey in both), so only the
                known pixels are compared, through the features of the whole image;
                P_l keeps the feature positions whose share of known pixels (the mask
                average-pooled to layer l's grid) is at least sem_known_frac (0 = all)
  categorical = lambda_cat * sum_k p_k log(p_k / q_k) + q_k log(q_k / p_k),
                p = softmax(GoogLeNet(G(z))), q = softmax(GoogLeNet(x))

Layer: the engine's pure functions (TensorFlow only).
"""

import tensorflow as tf

_EPS = 1e-8


def weighted_mask(mask: tf.Tensor, nsize: int = 7, weighted: bool = True) -> tf.Tensor:
  """Yeh's context weights.

  Args:
    mask: [N, S, S, 1] float, 1 = known.
    nsize: window side.
    weighted: False gives the plain mask (every known pixel weighs 1).

  Returns:
    [N, S, S, 1]: each known pixel weighted by the share of missing pixels in
    its nsize x nsize window (symmetric boundary); 0 in the hole.
  """
  if not weighted:
    return mask
  pad = nsize // 2
  padded = tf.pad(1.0 - mask, [[0, 0], [pad, nsize - 1 - pad], [pad, nsize - 1 - pad], [0, 0]],
                  mode='SYMMETRIC')
  kernel = tf.ones([nsize, nsize, 1, 1], mask.dtype) / float(nsize * nsize)
  return mask * tf.nn.conv2d(padded, kernel, 1, 'VALID')


def symmetric_kl(logits_p: tf.Tensor, logits_q: tf.Tensor) -> tf.Tensor:
  """sum_k p log(p/q) + q log(q/p) = sum_k (p - q)(log p - log q), from logits. [N, K] -> [N]."""
  lp = tf.nn.log_softmax(logits_p)
  lq = tf.nn.log_softmax(logits_q)
  return tf.reduce_sum((tf.exp(lp) - tf.exp(lq)) * (lp - lq), axis=-1)


def _sum_sq(t):
  return tf.reduce_sum(tf.reshape(tf.square(t), [tf.shape(t)[0], -1]), axis=1)


def context_loss(g: tf.Tensor, y: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
  """Yeh's context term, sum over pixels of |W (G(z) - y)|.

  g, y: [N, S, S, 3] in [-1, 1]; w: [N, S, S, 1] = weighted_mask(M). Returns [N].
  """
  return tf.reduce_sum(tf.abs(w * (g - y)), axis=[1, 2, 3])


def real_loss(logits: tf.Tensor) -> tf.Tensor:
  """BCE of D's logits against "real": -log sigmoid(l) = softplus(-l). [N] -> [N].

  On G(z) it is Yeh's prior term; on the composite x, the seed's inpainting term.
  """
  return tf.nn.softplus(-logits)


def feature_loss(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
  """The seed's semantic term for one layer: ||a - b||^2 / (||b||^2 + eps), per image.

  a, b: features [N, ...] (a of G(z), b of the composite or of the image). Returns [N].
  """
  return _sum_sq(a - b) / (_sum_sq(b) + _EPS)


def known_positions(mask: tf.Tensor, grid: int, min_frac: float) -> tf.Tensor:
  """1 where a feature cell of a grid x grid map covers >= min_frac known pixels.

  Args:
    mask: [N, S, S, 1], 1 = known; S a multiple of grid.
    grid: the feature map's side.

  Returns:
    [N, grid, grid, 1] float (all ones when min_frac is 0).
  """
  if min_frac <= 0:
    return tf.ones([tf.shape(mask)[0], grid, grid, 1], mask.dtype)
  k = mask.shape[1] // grid
  share = tf.nn.avg_pool2d(mask, k, k, 'VALID')
  return tf.cast(share >= min_frac - 1e-6, mask.dtype)
