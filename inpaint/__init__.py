"""Semantic image inpainting for cars (DCGAN + GoogLeNet losses)."""

import os

# Set before TensorFlow is first imported: keeps its C++ logging quiet.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


def _import_tensorflow_quietly():
  """Imports TensorFlow with stderr closed at the file-descriptor level.

  TF 2.21 prints CUDA-probing and oneDNN notices from C++ before its log level
  applies, which would bury the one-line messages our commands print. Errors
  still surface: the Python exception is raised after stderr is restored.
  INPAINT_DEBUG=1 keeps everything.
  """
  if os.environ.get('INPAINT_DEBUG'):
    return
  saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
  os.dup2(devnull, 2)
  try:
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    tf.config.list_physical_devices('GPU')  # The CUDA probe logs here, once.
  finally:
    os.dup2(saved, 2)
    os.close(saved)
    os.close(devnull)


_import_tensorflow_quietly()
