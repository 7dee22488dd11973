"""The one-pass fill as a TensorFlow SavedModel: E, G and the composite in one graph, so
that TF Serving or any TensorFlow program can fill holes without this package.

Signature `serve` (also `serving_default`):
  image uint8 [N, S, S, 3] (RGB), mask uint8 [N, S, S, 1] (nonzero = known pixel, 0 = to
  fill) -> {'output_0': uint8 [N, S, S, 3]}, the known pixels as given and the hole
  G(E(y * M, M)) (no Poisson blend: that runs in scipy, outside the graph).

Layer: a job (it exports the shipped models).
"""

import keras
import tensorflow as tf

from inpaint import encoder as enc


def composite_uint8(encoder: keras.Model, generator: keras.Model, image, mask) -> tf.Tensor:
  """The one-pass composite in uint8, in TensorFlow ops only (what the SavedModel runs).

  Args:
    image: uint8 [N, S, S, 3]; mask: uint8 [N, S, S, 1], nonzero = known.

  Returns:
    uint8 [N, S, S, 3].
  """
  y = tf.cast(image, tf.float32) / 127.5 - 1.0
  m = tf.cast(mask > 0, tf.float32)
  g = tf.cast(generator(encoder(enc.encoder_input(y, m), training=False), training=False),
              tf.float32)
  x = m * y + (1.0 - m) * g
  return tf.cast(tf.clip_by_value(tf.round((x + 1.0) * 127.5), 0, 255), tf.uint8)


def export_one_pass(encoder: keras.Model, generator: keras.Model, folder: str) -> str:
  """Writes the SavedModel of the one-pass fill to `folder` and returns it."""
  s = int(generator.output_shape[1])
  archive = keras.export.ExportArchive()
  archive.track(encoder)
  archive.track(generator)
  archive.add_endpoint(
      name='serve', fn=lambda image, mask: composite_uint8(encoder, generator, image, mask),
      input_signature=[tf.TensorSpec([None, s, s, 3], tf.uint8, name='image'),
                       tf.TensorSpec([None, s, s, 1], tf.uint8, name='mask')])
  archive.write_out(folder, verbose=False)
  return folder
