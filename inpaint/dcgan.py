"""DCGAN generator and discriminator (Radford et al., arXiv 1511.06434).

Layer names and widths follow ChengBinJin/semantic-image-inpainting `dcgan.py`,
which the seed project used: generator channels [1024, 512, 256, 128] at
4, 8, 16, 32 pixels; discriminator channels [64, 128, 256, 512].
"""

from typing import Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import layers

GEN_CHANNELS = (1024, 512, 256, 128)
DIS_CHANNELS = (64, 128, 256, 512)
# Batch norm decay 0.9 as the original tf_utils.batch_norm.
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def sample_z(rng, n: int, z_dim: int):
  """The generator's prior, z ~ U(-1, 1): float32 [n, z_dim].

  rng: a numpy Generator or an int seed (returns a numpy array), or a
  tf.random.Generator (returns a tensor; used inside training steps).
  """
  if isinstance(rng, tf.random.Generator):
    return rng.uniform([n, z_dim], -1.0, 1.0)
  return np.random.default_rng(rng).uniform(-1.0, 1.0, (n, z_dim)).astype(np.float32)


def _widths(channels, width):
  return [max(1, int(round(c * width))) for c in channels]


def build_generator(z_dim: int = 100, img_size: int = 64, width: float = 1.0,
                    channels: int = 3) -> keras.Model:
  """z [B, z_dim] in [-1, 1] -> image [B, img_size, img_size, channels] in [-1, 1].

  Args:
    z_dim: latent size.
    img_size: output side; must be a multiple of 16 (four stride-2 upsamplings).
    width: multiplier on the original channel counts (1.0 = original).
    channels: image channels.
  """
  if img_size % 16:
    raise ValueError(f'img_size must be a multiple of 16, got {img_size}')
  c = _widths(GEN_CHANNELS, width)
  s = img_size // 16
  z = keras.Input((z_dim,), name='latent_vector')
  h = layers.Dense(s * s * c[0], name='h0_linear')(z)
  h = layers.Reshape((s, s, c[0]), name='h0_reshape')(h)
  h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name='h0_batchnorm')(h)
  h = layers.ReLU(name='h0_relu')(h)
  for i in (1, 2, 3):
    h = layers.Conv2DTranspose(c[i], 3, strides=2, padding='same', name=f'h{i}_deconv2d')(h)
    h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON,
                                  name=f'h{i}_batchnorm')(h)
    h = layers.ReLU(name=f'h{i}_relu')(h)
  h = layers.Conv2DTranspose(channels, 3, strides=2, padding='same', name='h4_deconv2d')(h)
  out = layers.Activation('tanh', name='output')(h)
  return keras.Model(z, out, name='generator')


D_NORMS = ('batch', 'spectral')


def build_discriminator(img_size: int = 64, width: float = 1.0,
                        channels: int = 3, norm: str = 'batch',
                        features: str = '', features_width: float = 1.0) -> keras.Model:
  """image [B, img_size, img_size, channels] in [-1, 1] -> logit [B, 1].

  features: '' (the seed's pixel D) or comma-separated GoogLeNet layers: then the
  projected D of build_projected_discriminator, its GoogLeNet at features_width (norm
  does not apply).

  norm: 'batch', the seed's D (batch norm after h1-h3); or 'spectral', SN-DCGAN's D
  (Miyato et al., arXiv 1802.05957): every conv and the linear layer divided by its
  largest singular value (keras.layers.SpectralNormalization, one power iteration per
  training call) and no batch norm, so D is 1-Lipschitz per layer and its logit of an
  image does not depend on the rest of the batch.
  """
  if features:
    return build_projected_discriminator(img_size, width, feature_layers(features),
                                         features_width)
  if norm not in D_NORMS:
    raise ValueError(f'norm must be one of {", ".join(D_NORMS)}, got {norm!r}')
  spectral = norm == 'spectral'

  def weighted(layer):
    # The wrapper takes the layer's name, so get_layer('h1_conv2d') finds it either way.
    if not spectral:
      return layer
    name = layer.name
    layer.name = f'{name}_inner'
    return layers.SpectralNormalization(layer, name=name)

  c = _widths(DIS_CHANNELS, width)
  x = keras.Input((img_size, img_size, channels), name='image')
  h = weighted(layers.Conv2D(c[0], 5, strides=2, padding='same', name='h0_conv2d'))(x)
  h = layers.LeakyReLU(0.2, name='h0_lrelu')(h)
  for i in (1, 2, 3):
    h = weighted(layers.Conv2D(c[i], 5, strides=2, padding='same', name=f'h{i}_conv2d'))(h)
    if not spectral:
      h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON,
                                    name=f'h{i}_batchnorm')(h)
    h = layers.LeakyReLU(0.2, name=f'h{i}_lrelu')(h)
  h = layers.Flatten(name='h3_flatten')(h)
  logit = weighted(layers.Dense(1, name='h4_linear'))(h)
  return keras.Model(x, logit, name='discriminator')


# Projected discriminator (Sauer et al., "Projected GANs Converge Faster", arXiv 2111.01007):
# D reads a frozen classifier's features instead of pixels.
PROJ_CHANNELS = (64, 128, 256, 512)  # Random channel mixing of the k-th feature map.
PROJ_HEAD_CHANNELS = (128, 256, 512)  # Each head's down blocks, shallowest first.


def feature_layers(features: str) -> tuple:
  """'conv2_3x3,inception_3b' -> ('conv2_3x3', 'inception_3b'); ValueError if unknown."""
  from googlenet import model as gmodel  # pylint: disable=g-import-not-at-top
  names = tuple(n.strip() for n in features.split(',') if n.strip())
  for n in names:
    if n not in gmodel.ENDPOINTS:
      raise ValueError(f'unknown GoogLeNet layer {n!r}; choose from {", ".join(gmodel.ENDPOINTS)}')
  return names


def build_projected_discriminator(img_size: int = 64, width: float = 1.0,
                                  features: Sequence[str] = ('conv2_3x3', 'inception_3b'),
                                  features_width: float = 1.0) -> keras.Model:
  """image [B, img_size, img_size, 3] in [-1, 1] -> logit [B, 1], through frozen features.

  The GoogLeNet layers `features` (googlenet.model.ENDPOINTS, at width `features_width`)
  run frozen in inference mode (a nested model 'features'; copy_features fills it from a
  trained classifier). Each feature map goes through a fixed random 1x1 conv (the paper's
  cross-channel mixing, '<layer>_ccm'), then a trained head of stride-2 conv4x4 - batch
  norm - LeakyReLU blocks down to 4x4 and a 4x4 conv to one logit ('<layer>_logit'). The
  logit is the heads' mean. Only the heads train, so D cannot forget what a car looks
  like, which is what makes it fast to train on few images.

  Raises:
    ValueError: an unknown layer, or one smaller than 4x4 at this img_size.
  """
  from googlenet import model as gmodel  # pylint: disable=g-import-not-at-top
  if not features:
    raise ValueError('a projected D needs at least one feature layer')
  net = gmodel.build_googlenet(img_size=img_size, width=features_width, aux=False)
  feat = gmodel.feature_model(net, features)
  feat = keras.Model(feat.input, [feat.output[n] for n in features], name='features')
  feat.trainable = False
  x = keras.Input((img_size, img_size, 3), name='image')
  maps = feat(x, training=False)
  maps = maps if isinstance(maps, (list, tuple)) else [maps]
  logits = []
  for k, (name, h) in enumerate(zip(features, maps)):
    side = h.shape[1]
    if side < 4:
      raise ValueError(f'GoogLeNet layer {name!r} is {side}x{side} at img_size {img_size}; '
                       'a projected D head needs at least 4x4')
    c_mix = _widths(PROJ_CHANNELS, width)[min(k, len(PROJ_CHANNELS) - 1)]
    # Fixed (not trained), seeded so that every build mixes alike before weights load.
    h = layers.Conv2D(c_mix, 1, use_bias=False, trainable=False, name=f'{name}_ccm',
                      kernel_initializer=keras.initializers.GlorotUniform(seed=k))(h)
    n_down = int(np.log2(side // 4))
    for j, c in enumerate(_widths(PROJ_HEAD_CHANNELS, width)[-n_down:] if n_down else []):
      h = layers.Conv2D(c, 4, strides=2, padding='same', name=f'{name}_down{j}')(h)
      h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON,
                                    name=f'{name}_down{j}_batchnorm')(h)
      h = layers.LeakyReLU(0.2, name=f'{name}_down{j}_lrelu')(h)
    h = layers.Conv2D(1, h.shape[1], padding='valid', name=f'{name}_logit')(h)
    logits.append(layers.Flatten(name=f'{name}_flatten')(h))
  logit = logits[0] if len(logits) == 1 else layers.Average(name='logit')(logits)
  return keras.Model(x, logit, name='discriminator')


def copy_features(classifier: keras.Model, d: keras.Model) -> int:
  """Copies a trained GoogLeNet's weights into a projected D's frozen features.

  Returns:
    The number of layers copied.

  Raises:
    ValueError: the classifier lacks a layer or has another shape (e.g. another width).
  """
  feat = d.get_layer('features')
  n = 0
  for lay in feat.layers:
    if not lay.weights:
      continue
    try:
      src = classifier.get_layer(lay.name)
    except ValueError:
      raise ValueError(f'the classifier has no layer {lay.name!r}') from None
    for v, w in zip(lay.weights, src.weights):
      if tuple(v.shape) != tuple(w.shape):
        raise ValueError(f'layer {lay.name!r}: classifier shape {tuple(w.shape)} is not the '
                         f"projected D's {tuple(v.shape)} (another width?)")
      v.assign(w)
    n += 1
  return n


def _channel_view(model: keras.Model, layer: str, index: int):
  """Weight `index` of a DCGAN layer, reshaped so that its channel axes are explicit.

  Returns:
    (array, axis of the hidden channels it reads or None, axis of those it writes or None).
    None where the channels are the image's or the logit, which widening keeps.
  """
  lay = model.get_layer(layer)
  w = np.asarray(lay.weights[index].numpy(), np.float64)
  if isinstance(lay, layers.BatchNormalization):  # gamma, beta, mean, variance: per channel.
    return w, None, 0
  if layer == 'h0_linear':  # Writes (s, s, c) flattened: kernel [z, s*s*c], bias [s*s*c].
    c = model.get_layer('h0_reshape').output.shape[-1]
    return w.reshape(w.shape[:-1] + (-1, c)), None, w.ndim
  if layer == 'h4_linear':  # Reads (s, s, c) flattened: kernel [s*s*c, 1].
    c = model.get_layer('h3_flatten').input.shape[-1]
    return (w.reshape(-1, c, w.shape[-1]), 1, None) if index == 0 else (w, None, None)
  reads, writes = layer != 'h0_conv2d', layer != 'h4_deconv2d'
  if index == 1:  # Bias: one per channel written.
    return w, None, 0 if writes else None
  # Conv2DTranspose kernels are (kh, kw, out, in); Conv2D kernels (kh, kw, in, out).
  read_axis, write_axis = (3, 2) if isinstance(lay, layers.Conv2DTranspose) else (2, 3)
  return w, read_axis if reads else None, write_axis if writes else None


def widen(narrow: keras.Model, wide: keras.Model, rng, noise: float = 0.05) -> int:
  """Copies a DCGAN G or D into a k times wider one that computes the same function.

  Net2WiderNet (Chen et al., arXiv 1511.05641): every hidden channel is repeated k
  times, and a layer reading the repeated channels gets each copy's incoming weights
  divided by k plus noise that sums to zero over the k copies. The copies' sum, so
  every output, is unchanged, while the copies get different gradients and can grow
  apart. Batch-norm parameters and statistics are repeated, so both training-mode
  and inference-mode outputs stay the same (to rounding).

  Args:
    narrow: a generator or discriminator (build_generator / build_discriminator).
    wide: the same network built with k times every hidden width; overwritten.
    rng: numpy Generator for the symmetry-breaking noise.
    noise: the noise's scale relative to each kernel's standard deviation.

  Returns:
    k.

  Raises:
    ValueError: when the hidden widths of `wide` are not one integer multiple of `narrow`'s.
  """
  if any(isinstance(lay, layers.SpectralNormalization) for lay in narrow.layers + wide.layers):
    # Repeating channels changes a kernel's largest singular value, so no copy computes
    # the same function once re-normalized.
    raise ValueError('a spectrally normalized D cannot be widened')
  factors = set()
  for lay in narrow.layers:
    for i, target in enumerate(wide.get_layer(lay.name).weights):
      x, reads, writes = _channel_view(narrow, lay.name, i)
      y, _, _ = _channel_view(wide, lay.name, i)
      for axis in (writes, reads):
        if axis is None:
          continue
        k, rest = divmod(y.shape[axis], x.shape[axis])
        factors.add(k if not rest else 0)
        if len(factors) > 1 or 0 in factors:
          raise ValueError(f'cannot widen {narrow.name} layer {lay.name}: {x.shape[axis]} '
                           f'channels to {y.shape[axis]} (one integer multiple is needed)')
        if axis == writes:
          x = np.concatenate([x] * k, axis=axis)
        else:
          eps = rng.normal(0.0, noise * x.std() / k, (k,) + x.shape)
          eps -= eps.mean(axis=0)  # Zero sum over the copies.
          x = np.concatenate([x / k + e for e in eps], axis=axis)
      target.assign(x.reshape(target.shape).astype(target.dtype))
  return factors.pop() if factors else 1
