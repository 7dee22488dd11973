"""TensorBoard scalars without the tensorboard package.

`tf.summary.scalar` lives in the tensorboard package, which TF 2.21 does not
install; `tf.summary.write` with the scalars plugin's metadata is in TF itself
and gives event files that TensorBoard reads the same way.
"""

import tensorflow as tf

_METADATA = tf.compat.v1.SummaryMetadata()
_METADATA.plugin_data.plugin_name = 'scalars'
_METADATA = _METADATA.SerializeToString()


def scalar(name: str, value, step) -> None:
  """Writes one scalar to the default summary writer."""
  tf.summary.write(name, tf.cast(value, tf.float32), step=step, metadata=_METADATA)


def scalars(writer, step, values: dict) -> None:
  with writer.as_default(step=step):
    for k, v in values.items():
      scalar(k, v, step)
  writer.flush()
