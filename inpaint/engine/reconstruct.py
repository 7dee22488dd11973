"""The 2018 project's layer-reconstruction experiment: z optimized so that a GoogLeNet
layer of G(z) matches the image's, with the search's loop and optimizer.

Layer: the engine, above engine.loop.
"""

import dataclasses
import functools

import keras
import numpy as np

from inpaint.engine import config
from inpaint.engine import loop
from inpaint.engine import methods
from inpaint.engine import objective


def reconstruct(generator: keras.Model, classifier: keras.Model, layer: str,
                images: np.ndarray, cfg: config.Config, log=print) -> dict:
  """The seed's layer-reconstruction experiment.

  Optimizes z so that GoogLeNet endpoint `layer` of G(z) matches that of each
  image (FeatureMatchLoss), with the same compiled loop and optimizer.

  Returns:
    dict as Inpainter.inpaint ('g' = the reconstructions).
  """
  if layer not in config.RECONSTRUCT_LAYERS:
    raise ValueError(f'unknown GoogLeNet layer --reconstruct={layer!r}; choose from '
                     f'{", ".join(config.RECONSTRUCT_LAYERS)}')
  # One code per image, kept as it is: a reconstruction, not an ensemble fill.
  patience = 100 if cfg.early_stop_patience is None else cfg.early_stop_patience
  rec_cfg = dataclasses.replace(cfg, method='search', restarts=1, fill='best', start='random',
                                iters=cfg.iters or methods.ITER_BUDGET,
                                early_stop_patience=patience)
  inp = loop.Inpainter(generator, None, classifier, rec_cfg,
                  loss=functools.partial(objective.FeatureMatchLoss, endpoint=layer))
  # An all-missing mask: no pixel of the image is compared, only its features.
  masks = np.zeros(images.shape[:3], np.float32)
  return inp.inpaint(images, masks, log=log)
