"""DCGAN generator and discriminator (Radford et al., arXiv 1511.06434).

Layer names and widths follow ChengBinJin/semantic-image-inpainting `dcgan.py`,
which the seed project used: generator channels [1024, 512, 256, 128] at
4, 8, 16, 32 pixels; discriminator channels [64, 128, 256, 512].
"""

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


def build_discriminator(img_size: int = 64, width: float = 1.0,
                        channels: int = 3) -> keras.Model:
  """image [B, img_size, img_size, channels] in [-1, 1] -> logit [B, 1]."""
  c = _widths(DIS_CHANNELS, width)
  x = keras.Input((img_size, img_size, channels), name='image')
  h = layers.Conv2D(c[0], 5, strides=2, padding='same', name='h0_conv2d')(x)
  h = layers.LeakyReLU(0.2, name='h0_lrelu')(h)
  for i in (1, 2, 3):
    h = layers.Conv2D(c[i], 5, strides=2, padding='same', name=f'h{i}_conv2d')(h)
    h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON,
                                  name=f'h{i}_batchnorm')(h)
    h = layers.LeakyReLU(0.2, name=f'h{i}_lrelu')(h)
  h = layers.Flatten(name='h3_flatten')(h)
  logit = layers.Dense(1, name='h4_linear')(h)
  return keras.Model(x, logit, name='discriminator')
