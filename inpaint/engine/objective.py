"""The objective the search minimizes: the loss terms of a batch as one callable, and
the networks it runs in the compute dtype.

Layer: the engine, above engine.terms and engine.config.
"""

import contextlib
from typing import Optional

import keras
import tensorflow as tf

from googlenet import model as gmodel
from inpaint import distribute
from inpaint.engine import config
from inpaint.engine import terms


def _f32(t):
  return tf.cast(t, tf.float32)


def with_compute_dtype(model: Optional[keras.Model], dtype: str,
                       strategy: Optional[tf.distribute.Strategy] = None
                       ) -> Optional[keras.Model]:
  """A copy of `model` computing in `dtype` (weights kept in float32) and, under a
  strategy with several replicas, with its weights mirrored on every replica's
  device; or model itself when neither applies."""
  spread = distribute.replicas(strategy) > 1
  if model is None or (dtype == 'float32' and not spread):
    return model
  policy = 'mixed_bfloat16' if dtype == 'bfloat16' else dtype

  def clone(layer):
    return layer.__class__.from_config({**layer.get_config(), 'dtype': policy})

  with (strategy.scope() if spread else contextlib.nullcontext()):
    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
  return copy


class InpaintingLoss:
  """The loss terms (engine.terms) of a batch, as one callable.

  keys: the terms with a positive weight, in TERMS order (context always); every
  term is returned with its weight applied. A loss for Inpainter is any object with
  `keys`, `uses_context` and this __call__.
  """

  uses_context = True  # An image without known pixels runs on the other terms only.

  def __init__(self, generator: keras.Model, discriminator: Optional[keras.Model],
               classifier: Optional[keras.Model], cfg: config.Config):
    self.cfg = cfg
    self.generator = generator
    self.weights = {k: v for k, v in cfg.weights().items() if v > 0}
    self.keys = [k for k in config.TERM_NAMES if k in self.weights]
    gan_terms = 'prior' in self.weights or 'inpainting' in self.weights
    if gan_terms and discriminator is None:
      raise ValueError('the prior and inpainting terms need a discriminator')
    self.discriminator = discriminator if gan_terms else None
    self.features = None
    if 'semantic' in self.weights or 'categorical' in self.weights:
      if classifier is None:
        raise ValueError('the semantic and categorical terms need a GoogLeNet')
      layers = [cfg.layer, cfg.layer_2] if 'semantic' in self.weights else []
      self.layers = list(dict.fromkeys(layers))
      self.features = gmodel.feature_model(classifier, self.layers)

  def __call__(self, z, y, m, w):
    """Per-image loss terms.

    Args:
      z: [N, z_dim]; y: [N, S, S, 3] in [-1, 1]; m: [N, S, S, 1] (1 = known);
      w: weighted_mask(m).

    Returns:
      (total [N], {term: [N]} with the weights applied, G(z) [N, S, S, 3]).
    """
    g = _f32(self.generator(z, training=False))
    x = m * y + (1.0 - m) * g
    out = {'context': terms.context_loss(g, y, w)}
    n = tf.shape(g)[0]
    if self.discriminator is not None:
      # G(z) and x in one batch: one pass instead of two.
      logits = _f32(self.discriminator(tf.concat([g, x], 0), training=False)[:, 0])
      if 'prior' in self.weights:
        out['prior'] = self.weights['prior'] * terms.real_loss(logits[:n])
      if 'inpainting' in self.weights:
        out['inpainting'] = self.weights['inpainting'] * terms.real_loss(logits[n:])
    if self.features is not None:
      out.update(self._classifier_terms(g, x, y, m))
    total = tf.add_n(list(out.values()))
    return total, out, g

  def _classifier_terms(self, g, x, y, m):
    """The semantic and categorical terms; every GoogLeNet input in one batch."""
    masked = 'semantic' in self.weights and self.cfg.semantic_input == 'masked'
    composite = 'categorical' in self.weights or ('semantic' in self.weights and not masked)
    inputs = ([g, x] if composite else []) + ([m * g, m * y] if masked else [])
    f = {k: _f32(v) for k, v in self.features(tf.concat(inputs, 0), training=False).items()}
    n = tf.shape(g)[0]
    # Row blocks of f: [G(z), x] first when composite, then [M G(z), M y] when masked.
    comp = (0, n) if composite else None
    pair = (2 * n, 3 * n) if (masked and composite) else (0, n)
    out = {}
    if 'semantic' in self.weights:
      sem = []
      for l in self.layers:
        a, b = f[l][pair[0]:pair[0] + n], f[l][pair[1]:pair[1] + n]
        if a.shape.rank == 4 and self.cfg.sem_known_frac > 0:
          keep = terms.known_positions(m, a.shape[1], self.cfg.sem_known_frac)
          a, b = a * keep, b * keep
        sem.append(terms.feature_loss(a, b))
      out['semantic'] = self.weights['semantic'] * tf.add_n(sem)
    if 'categorical' in self.weights:
      lg = f['logits']
      out['categorical'] = self.weights['categorical'] * terms.symmetric_kl(lg[comp[0]:comp[0] + n],
                                                                  lg[comp[1]:comp[1] + n])
    return out


class FeatureMatchLoss:
  """The seed's layer-reconstruction loss: feature_loss between GoogLeNet endpoint
  `endpoint` (default cfg.layer; 'softmax': the class probabilities) of G(z) and of the
  target y; no pixel is compared (m and w are unused)."""

  keys = ['semantic']
  uses_context = False

  def __init__(self, generator: keras.Model, discriminator, classifier: keras.Model,
               cfg: config.Config, endpoint: Optional[str] = None):
    del discriminator
    self.generator = generator
    self.layer = endpoint or cfg.layer
    self.features = gmodel.feature_model(
        classifier, [] if self.layer == config.SOFTMAX else [self.layer])

  def __call__(self, z, y, m, w):
    del m, w
    g = _f32(self.generator(z, training=False))
    n = tf.shape(g)[0]
    out = self.features(tf.concat([g, y], 0), training=False)
    f = tf.nn.softmax(_f32(out['logits'])) if self.layer == config.SOFTMAX else _f32(out[self.layer])
    sem = terms.feature_loss(f[:n], f[n:])
    return sem, {'semantic': sem}, g
