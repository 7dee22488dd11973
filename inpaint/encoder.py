"""The encoder E: a masked image -> the generator's latent code, a learned start.

E(y * M, M) -> z in [-1, 1]^z_dim is trained against a frozen generator G so that
G(E(y * M, M)) agrees with the complete image y (inpaint.encoder_train). It gives the
one-pass fill G(E(.)) and the codes the latent search starts from (Lahiri et al.,
arXiv 1908.04968; Zhu et al., In-Domain GAN Inversion, arXiv 2004.00049).

Layer: a model, beside dcgan (it needs the generator only to fingerprint it).
"""

import hashlib

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# The DCGAN discriminator's widths (dcgan.DIS_CHANNELS), four stride-2 convolutions.
ENC_CHANNELS = (64, 128, 256, 512)
ARCH = 'encoder'


def build_encoder(img_size: int = 64, z_dim: int = 100, width: float = 0.5) -> keras.Model:
  """[B, img_size, img_size, 4] (y * M in [-1, 1], then M in {0, 1}) -> z [B, z_dim] in [-1, 1].

  LayerNorm instead of the discriminator's batch norm: an image's code must not depend
  on the other images of its batch.
  """
  if img_size % 16:
    raise ValueError(f'img_size must be a multiple of 16, got {img_size}')
  x = keras.Input((img_size, img_size, 4), name='masked_image')
  h = x
  for i, c in enumerate(ENC_CHANNELS):
    h = layers.Conv2D(max(1, int(round(c * width))), 5, strides=2, padding='same',
                      name=f'h{i}_conv2d')(h)
    h = layers.LayerNormalization(name=f'h{i}_layernorm')(h)
    h = layers.LeakyReLU(0.2, name=f'h{i}_lrelu')(h)
  h = layers.Flatten(name='flatten')(h)
  h = layers.Dense(z_dim, name='z_linear')(h)
  z = layers.Activation('tanh', name='z')(h)
  return keras.Model(x, z, name='encoder')


def encoder_input(y, m) -> tf.Tensor:
  """y [N, S, S, 3] in [-1, 1] and m [N, S, S] or [N, S, S, 1] (1 = known) -> E's input
  [N, S, S, 4]: the known pixels (hole at 0) and the mask."""
  y = tf.convert_to_tensor(y, tf.float32)
  m = tf.convert_to_tensor(m, tf.float32)
  if m.shape.rank == 3:
    m = m[..., None]
  return tf.concat([y * m, m], axis=-1)


def encode(encoder: keras.Model, y, m, batch_size: int = 256) -> np.ndarray:
  """E's codes of a batch: float32 [N, z_dim] in [-1, 1] (inference mode)."""
  x = encoder_input(y, m)
  return np.concatenate([encoder(x[i:i + batch_size], training=False).numpy()
                         for i in range(0, int(x.shape[0]), batch_size)])


def generator_hash(generator: keras.Model) -> str:
  """A short hash of a generator's weights (as float32, in layer order): what an encoder
  export records, so that it is never used with a generator it was not trained for."""
  digest = hashlib.sha256()
  for v in generator.weights:
    digest.update(np.ascontiguousarray(np.asarray(v.numpy(), np.float32)).tobytes())
  return digest.hexdigest()[:16]
