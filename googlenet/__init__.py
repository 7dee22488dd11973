"""GoogLeNet (Inception v1 with batch norm) for Stanford Cars."""

import inpaint  # noqa: F401  (sets TF's log level before TensorFlow loads)
