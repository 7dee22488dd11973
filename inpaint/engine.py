"""The inpainting engine: the seed's losses, optimized over z in one compiled loop.

For images y [N, S, S, 3] in [-1, 1] and masks M [N, S, S, 1] (1 = known),
per image (Yeh et al., arXiv 1607.07539, plus the seed's terms):

  W           = M * conv2d(1 - M, ones(n x n) / n^2, same, symmetric boundary),
                n = nsize (7); W = M when use_weighted_mask is off
  context     = sum |W * (G(z) - y)|
  prior       = lamb * BCE(D(G(z)), real)
  inpainting  = lambda_inp * BCE(D(x), real),   x = M * y + (1 - M) * G(z)
  semantic    = lambda_sem * sum_{l in (layer, layer_2)} ||P_l (F_l(a) - F_l(b))||^2 / ||P_l F_l(b)||^2
                the seed: a = G(z), b = x, P_l = 1 (semantic_input='composite');
                'masked': a = M G(z), b = M y (the hole grey in both), so only the
                known pixels are compared, through the features of the whole image;
                P_l keeps the feature positions whose share of known pixels (the mask
                average-pooled to layer l's grid) is at least sem_known_frac (0 = all)
  categorical = lambda_cat * sum_k p_k log(p_k / q_k) + q_k log(q_k / p_k),
                p = softmax(GoogLeNet(G(z))), q = softmax(GoogLeNet(x))

Every network runs in inference mode, so an image's result does not depend on
the other images of its batch. With early stopping, an image whose best loss has
not improved by a relative early_stop_tol within early_stop_patience iterations
stops moving; the batch ends when all have stopped.
"""

import contextlib
import dataclasses
import functools
import time
from typing import Callable, Dict, NamedTuple, Optional

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from googlenet import model as gmodel
from inpaint import checks
from inpaint import dcgan
from inpaint import distribute
from inpaint import tb

METHODS = ('semantic', 'yeh', 'biharmonic', 'exemplar')
COMPUTE_DTYPES = ('float32', 'bfloat16')
OPTIMIZERS = ('nesterov', 'adam')
TERMS = ('context', 'prior', 'inpainting', 'semantic', 'categorical')
Z_INITS = ('uniform', 'normal')
SEMANTIC_INPUTS = ('composite', 'masked')
# How the restarts of an image make its fill: the lowest-loss one, or the per-pixel mean of
# the fill_k lowest-loss ones' G(z) (an ensemble: combine()). A median was measured below
# the mean everywhere (docs/results.md) and removed.
FILLS = ('best', 'mean')
# What the layer-reconstruction experiment can match: a GoogLeNet endpoint or the softmax.
SOFTMAX = 'softmax'
RECONSTRUCT_LAYERS = gmodel.ENDPOINTS + (SOFTMAX,)
# Optimization steps per image (restarts x iterations) when iters is unset: the seed's 1,500.
ITER_BUDGET = 1500
# Each method's restarts, fill and context window when unset: semantic averages 8
# restarts with a 15x15 window (measured on the tune half: docs/results.md); yeh is Yeh et
# al. as published (one run, 7x7).
METHOD_DEFAULTS = {'semantic': {'restarts': 8, 'fill': 'mean', 'nsize': 15},
                   'yeh': {'restarts': 1, 'fill': 'best', 'nsize': 7}}
# inpaint() results indexed [restart, image, ...].
_RESTART_KEYS = ('g_restarts', 'loss_restarts')
_EPS = 1e-8


# The seed project's exact inpainting configuration (also inpaint/seed.flags, for
# `python -m inpaint.inpaint_main --flagfile=...`); a test keeps the two equal.
SEED = {
    'method': 'semantic', 'learning_rate': 0.01, 'momentum': 0.9, 'optimizer': 'nesterov',
    'lamb': 0.003, 'lambda_inp': 3.0, 'lambda_sem': 1e5, 'lambda_cat': 1e6,
    'layer': 'inception_4b', 'layer_2': 'inception_3b', 'iters': 1500, 'restarts': 1,
    'nsize': 7, 'use_weighted_mask': True, 'z_init': 'normal', 'lr_decay': 0.95,
    'lr_decay_every': 100, 'semantic_input': 'composite', 'sem_known_frac': 0.0,
    'early_stop_tol': 0.0, 'early_stop_patience': 0, 'fill': 'best', 'fill_k': 0,
}


@dataclasses.dataclass
class Config:
  """Inpainting settings (the seed's flag names).

  Defaults: the seed's, except where the sweeps on the tune half of val measured
  better (docs/results.md): the mean of 8 restarts of 187 iterations (METHOD_DEFAULTS;
  seed: one run of 1,500), lambda_sem 0 (seed 1e5), lambda_cat 0 (seed 1e6), nsize 15
  (seed 7; --method=yeh keeps 7 and one run, as published), early stopping after 100
  iterations without a 0.1% improvement (semantic only). The seed's exact configuration
  is SEED / inpaint/seed.flags.
  """
  method: str = 'semantic'
  learning_rate: float = 0.01
  momentum: float = 0.9
  lamb: float = 0.003
  lambda_inp: float = 3.0
  lambda_sem: float = 0.0
  lambda_cat: float = 0.0
  layer: str = 'inception_4b'
  layer_2: str = 'inception_3b'
  iters: Optional[int] = None  # None: ITER_BUDGET // restarts.
  print_freq: int = 100
  optimizer: str = 'nesterov'
  restarts: Optional[int] = None  # Latent codes per image; None: METHOD_DEFAULTS.
  fill: Optional[str] = None  # FILLS: how the restarts make the fill; None: METHOD_DEFAULTS.
  fill_k: int = 0  # The lowest-loss restarts a mean fill uses (0 = all).
  nsize: Optional[int] = None  # Context window side; None: METHOD_DEFAULTS.
  lr_decay: float = 0.95
  lr_decay_every: int = 100
  seed: int = 0
  jit_compile: bool = False
  compute_dtype: str = 'float32'  # 'bfloat16': networks compute in bf16, losses in fp32.
  use_weighted_mask: bool = True  # Yeh's weighting of the context term (else W = M).
  z_init: str = 'uniform'  # 'uniform': U(-1, 1); 'normal': N(0, 1) as the seed's np.random.randn.
  semantic_input: str = 'composite'  # What the semantic term compares (module docstring).
  sem_known_frac: float = 0.0  # Feature positions kept by the semantic term (0 = all).
  early_stop_tol: float = 1e-3  # Relative improvement that counts as progress.
  # Iterations without progress before an image stops (0 = never); None: the method's
  # default, 100 for semantic (measured on the tune half: README), 0 for yeh.
  early_stop_patience: Optional[int] = None

  def context_window(self) -> int:
    """nsize, or the method's own default when unset."""
    if self.nsize is not None:
      return self.nsize
    return METHOD_DEFAULTS.get(self.method, METHOD_DEFAULTS['yeh'])['nsize']

  def resolved(self) -> 'Config':
    """A copy with every unset (None) setting at its method's default: nsize, early
    stopping, restarts, fill (METHOD_DEFAULTS), iters (ITER_BUDGET // restarts)."""
    own = METHOD_DEFAULTS.get(self.method, METHOD_DEFAULTS['yeh'])
    restarts = self.restarts if self.restarts is not None else own['restarts']
    return dataclasses.replace(
        self, nsize=self.context_window(), early_stop_patience=self.patience(),
        restarts=restarts, fill=self.fill if self.fill is not None else own['fill'],
        iters=self.iters if self.iters is not None else max(1, ITER_BUDGET // restarts))

  def key(self) -> dict:
    """The resolved settings that can change this method's result, as a dict: what a cache
    of results is keyed on (a setting the method ignores, e.g. lambda_sem for yeh, or the
    layers when the GoogLeNet terms are off, is left out; so is print_freq)."""
    if self.method not in ('semantic', 'yeh'):
      return {'method': self.method}
    out = dataclasses.asdict(self.resolved())
    out.pop('print_freq')
    w = self.weights()
    for field, term in (('lambda_inp', 'inpainting'), ('lambda_sem', 'semantic'),
                        ('lambda_cat', 'categorical')):
      if not w[term]:
        out.pop(field)
    if not (w['semantic'] or w['categorical']):
      for field in ('layer', 'layer_2', 'semantic_input', 'sem_known_frac'):
        out.pop(field)
    if out['fill'] == 'best' or out['restarts'] == 1:
      out.pop('fill_k')
    return out

  def patience(self) -> int:
    """early_stop_patience, or the method's own default when unset (0 = never stop)."""
    if self.early_stop_patience is not None:
      return self.early_stop_patience
    return 100 if self.method == 'semantic' else 0

  def weights(self) -> Dict[str, float]:
    """The weight of every term for this method (0 = term removed)."""
    if self.method == 'yeh':
      return {'context': 1.0, 'prior': self.lamb, 'inpainting': 0.0, 'semantic': 0.0,
              'categorical': 0.0}
    return {'context': 1.0, 'prior': self.lamb, 'inpainting': self.lambda_inp,
            'semantic': self.lambda_sem, 'categorical': self.lambda_cat}

  def validate(self) -> None:
    """Raises checks.ConfigError naming the first field with a value it cannot take."""
    for field, choices in (('method', METHODS), ('compute_dtype', COMPUTE_DTYPES),
                           ('optimizer', OPTIMIZERS), ('layer', gmodel.ENDPOINTS),
                           ('layer_2', gmodel.ENDPOINTS), ('z_init', Z_INITS),
                           ('semantic_input', SEMANTIC_INPUTS)):
      checks.choice(self, field, choices)
    if self.fill is not None:
      checks.choice(self, 'fill', FILLS)
    for field in ('iters', 'restarts'):
      if getattr(self, field) is not None:
        checks.positive(self, field)
    checks.positive(self, 'print_freq', 'lr_decay_every', 'learning_rate')
    if self.nsize is not None:
      checks.positive(self, 'nsize')
    checks.non_negative(self, 'lamb', 'lambda_inp', 'lambda_sem', 'lambda_cat', 'momentum',
                        'early_stop_tol', 'fill_k')
    if self.early_stop_patience is not None:
      checks.non_negative(self, 'early_stop_patience')
    checks.within(self, 'sem_known_frac', 0.0, 1.0)


def combine(g_restarts: np.ndarray, losses: np.ndarray, m: np.ndarray, fill: str = 'best',
            k: int = 0):
  """An image's fill from its restarts, and where they disagree.

  Args:
    g_restarts: [R, N, S, S, 3] in [-1, 1], G(z) of every restart of every image.
    losses: [R, N]; a non-finite loss ranks last.
    m: [N, S, S] or [N, S, S, 1], 1 = known.
    fill: 'best' (the lowest-loss restart) or 'mean' (per pixel, over the k lowest-loss
      restarts; k = 0 or k >= R: all).
    k: see fill.

  Returns:
    (fill [N, S, S, 3], spread [N, S, S]): spread is the standard deviation over all
    restarts, averaged over the colour channels, inside the hole (0 where known).
  """
  if fill not in FILLS:
    raise ValueError(f'fill={fill!r}; choose one of {", ".join(FILLS)}')
  r, n = losses.shape
  order = np.argsort(np.where(np.isfinite(losses), losses, np.inf), axis=0, kind='stable')
  ranked = np.take_along_axis(g_restarts, order[..., None, None, None], axis=0)
  if fill == 'best':
    out = ranked[0]
  else:
    out = ranked[:k if 0 < k < r else r].mean(0)
  hole = 1.0 - np.reshape(m, (n,) + g_restarts.shape[2:4])
  spread = g_restarts.std(axis=0).mean(axis=-1) * hole
  return out.astype(np.float32), spread.astype(np.float32)


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


class LoopState(NamedTuple):
  """What the compiled loop carries from one iteration to the next; rows = images x restarts."""
  it: tf.Tensor  # scalar int32: iterations done.
  z: tf.Tensor  # [R, z_dim]
  s1: tf.Tensor  # [R, z_dim]: momentum (Nesterov) or first moment (Adam).
  s2: tf.Tensor  # [R, z_dim]: Adam's second moment.
  best_loss: tf.Tensor  # [R]
  best_z: tf.Tensor  # [R, z_dim]
  best_terms: tf.Tensor  # [R, T]
  last_terms: tf.Tensor  # [R, T]
  ref_loss: tf.Tensor  # [R]: the loss at the last relative improvement (early stop).
  stale: tf.Tensor  # [R] int32: iterations since then.
  used: tf.Tensor  # [R] int32: iterations each row actually moved.


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


class SeedLoss:
  """The seed's loss terms (module docstring) of a batch, as one callable.

  keys: the terms with a positive weight, in TERMS order (context always); every
  term is returned with its weight applied. A loss for Inpainter is any object with
  `keys`, `uses_context` and this __call__.
  """

  uses_context = True  # An image without known pixels runs on the other terms only.

  def __init__(self, generator: keras.Model, discriminator: Optional[keras.Model],
               classifier: Optional[keras.Model], cfg: Config):
    self.cfg = cfg
    self.generator = generator
    self.weights = {k: v for k, v in cfg.weights().items() if v > 0}
    self.keys = [k for k in TERMS if k in self.weights]
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
    terms = {'context': context_loss(g, y, w)}
    n = tf.shape(g)[0]
    if self.discriminator is not None:
      # G(z) and x in one batch: one pass instead of two.
      logits = _f32(self.discriminator(tf.concat([g, x], 0), training=False)[:, 0])
      if 'prior' in self.weights:
        terms['prior'] = self.weights['prior'] * real_loss(logits[:n])
      if 'inpainting' in self.weights:
        terms['inpainting'] = self.weights['inpainting'] * real_loss(logits[n:])
    if self.features is not None:
      terms.update(self._classifier_terms(g, x, y, m))
    total = tf.add_n(list(terms.values()))
    return total, terms, g

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
    terms = {}
    if 'semantic' in self.weights:
      sem = []
      for l in self.layers:
        a, b = f[l][pair[0]:pair[0] + n], f[l][pair[1]:pair[1] + n]
        if a.shape.rank == 4 and self.cfg.sem_known_frac > 0:
          keep = known_positions(m, a.shape[1], self.cfg.sem_known_frac)
          a, b = a * keep, b * keep
        sem.append(feature_loss(a, b))
      terms['semantic'] = self.weights['semantic'] * tf.add_n(sem)
    if 'categorical' in self.weights:
      lg = f['logits']
      terms['categorical'] = self.weights['categorical'] * symmetric_kl(lg[comp[0]:comp[0] + n],
                                                                  lg[comp[1]:comp[1] + n])
    return terms


class FeatureMatchLoss:
  """The seed's layer-reconstruction loss: feature_loss between GoogLeNet endpoint
  `endpoint` (default cfg.layer; 'softmax': the class probabilities) of G(z) and of the
  target y; no pixel is compared (m and w are unused)."""

  keys = ['semantic']
  uses_context = False

  def __init__(self, generator: keras.Model, discriminator, classifier: keras.Model,
               cfg: Config, endpoint: Optional[str] = None):
    del discriminator
    self.generator = generator
    self.layer = endpoint or cfg.layer
    self.features = gmodel.feature_model(
        classifier, [] if self.layer == SOFTMAX else [self.layer])

  def __call__(self, z, y, m, w):
    del m, w
    g = _f32(self.generator(z, training=False))
    n = tf.shape(g)[0]
    out = self.features(tf.concat([g, y], 0), training=False)
    f = tf.nn.softmax(_f32(out['logits'])) if self.layer == SOFTMAX else _f32(out[self.layer])
    sem = feature_loss(f[:n], f[n:])
    return sem, {'semantic': sem}, g


class Inpainter:
  """Optimizes latent codes so that G(z) fills masked images.

  Args:
    generator: z [N, z_dim] -> [N, S, S, 3] in [-1, 1].
    discriminator: [N, S, S, 3] -> logit [N, 1]; needed when lamb or lambda_inp > 0.
    classifier: GoogLeNet (image -> logits); needed when lambda_sem or lambda_cat > 0.
    cfg: the settings.
    strategy: optional tf.distribute strategy; the batch's rows are split over its
      replicas (each keeps the best of its own rows), then gathered in order.
    loss: the loss class, built from the three networks (in the compute dtype) and
      cfg: SeedLoss (inpainting) or FeatureMatchLoss (reconstruct()); the loop,
      optimizer and best-result bookkeeping are the same for every loss.
  """

  def __init__(self, generator: keras.Model, discriminator: Optional[keras.Model],
               classifier: Optional[keras.Model], cfg: Config,
               strategy: Optional[tf.distribute.Strategy] = None, loss=SeedLoss):
    cfg.validate()
    if cfg.method in ('biharmonic', 'exemplar'):
      raise ValueError(f'the {cfg.method} method needs no Inpainter; use baseline.fill')
    cfg = self.cfg = cfg.resolved()
    self.strategy = strategy or tf.distribute.get_strategy()
    self.replicas = distribute.replicas(self.strategy)
    if self.replicas > 1 and cfg.jit_compile:
      raise ValueError('jit_compile runs on one device; use --strategy=default with it')
    nets = [with_compute_dtype(net, cfg.compute_dtype, self.strategy)
            for net in (generator, discriminator, classifier)]
    self.generator = nets[0]
    self.z_dim = generator.input_shape[-1]
    self.loss = loss(*nets, cfg)
    self.keys = list(self.loss.keys)
    chunk = self._run_chunk if self.replicas == 1 else self._run_chunk_replicated
    self._chunk = tf.function(chunk, jit_compile=cfg.jit_compile, reduce_retracing=True)

  def loss_terms(self, z, y, m, w):
    """self.loss(z, y, m, w): (total [N], {term: [N]}, G(z) [N, S, S, 3])."""
    return self.loss(z, y, m, w)

  # ---- the compiled loop -------------------------------------------------

  def _lr(self, it):
    decays = tf.cast(it // self.cfg.lr_decay_every, tf.float32)
    return self.cfg.learning_rate * tf.pow(self.cfg.lr_decay, decays)

  def optimizer_step(self, st: LoopState, grad: tf.Tensor, active: tf.Tensor) -> LoopState:
    """One optimizer step on the rows still active (the others keep z and moments).

    The one implementation of Nesterov / Adam on z (the loop and the benchmark's eager
    loop both call it).
    """
    cfg = self.cfg
    lr = self._lr(st.it)
    if cfg.optimizer == 'nesterov':
      # tf.compat.v1.train.MomentumOptimizer(use_nesterov=True), as the seed.
      s1 = cfg.momentum * st.s1 + grad
      z = st.z - lr * (grad + cfg.momentum * s1)
      s2 = st.s2
    else:
      t = tf.cast(st.it + 1, tf.float32)
      s1 = 0.9 * st.s1 + 0.1 * grad
      s2 = 0.999 * st.s2 + 0.001 * tf.square(grad)
      z = st.z - lr * (s1 / (1 - 0.9 ** t)) / (tf.sqrt(s2 / (1 - 0.999 ** t)) + 1e-8)
    z = tf.clip_by_value(z, -1.0, 1.0)
    a = active[:, None]
    return st._replace(z=tf.where(a, z, st.z), s1=tf.where(a, s1, st.s1),
                       s2=tf.where(a, s2, st.s2))

  def _active(self, st: LoopState) -> tf.Tensor:
    # Always computed from the state: a constant all-true mask here made the loop
    # hang under MirroredStrategy (TF 2.21, two logical CPUs).
    patience = self.cfg.patience() if self.cfg.patience() > 0 else 2**31 - 1
    return st.stale < patience

  def _run_chunk(self, st: LoopState, y, m, w, n_steps) -> LoopState:
    """Runs up to n_steps optimization steps; everything stays in the graph.

    Stops early when every row has stopped (early stopping).
    """
    keys = self.keys
    tol = self.cfg.early_stop_tol

    def cond(i, st):
      return (i < n_steps) & tf.reduce_any(self._active(st))

    def body(i, st):
      active = self._active(st)
      with tf.GradientTape() as tape:
        tape.watch(st.z)
        total, terms, _ = self.loss_terms(st.z, y, m, w)
        objective = tf.reduce_sum(total)  # Images are independent: one backward pass.
      grad = tape.gradient(objective, st.z)
      term_mat = tf.stack([terms[k] for k in keys], axis=1)
      improved = (total < st.best_loss) & active  # False for NaN: the best so far is kept.
      progress = (total < st.ref_loss * (1.0 - tol)) & active
      finite = tf.reduce_all(tf.math.is_finite(grad), axis=1, keepdims=True)
      grad = tf.where(finite, grad, tf.zeros_like(grad))
      st = st._replace(
          best_loss=tf.where(improved, total, st.best_loss),
          best_z=tf.where(improved[:, None], st.z, st.best_z),
          best_terms=tf.where(improved[:, None], term_mat, st.best_terms),
          ref_loss=tf.where(progress, total, st.ref_loss),
          stale=tf.where(progress, tf.zeros_like(st.stale), st.stale + tf.cast(active, tf.int32)),
          used=st.used + tf.cast(active, tf.int32),
          last_terms=term_mat)
      st = self.optimizer_step(st, grad, active)
      return i + 1, st._replace(it=st.it + 1)

    return tf.while_loop(cond, body, (tf.constant(0), st))[1]

  def _run_chunk_replicated(self, st: LoopState, y, m, w, n_steps) -> LoopState:
    """_run_chunk on each replica's contiguous block of rows, gathered back in order."""

    def replica(st, y, m, w):
      rows = {k: distribute.local(v) for k, v in st._asdict().items() if k != 'it'}
      return self._run_chunk(LoopState(it=st.it, **rows), distribute.local(y),
                             distribute.local(m), distribute.local(w), n_steps)

    out = self.strategy.run(replica, args=(st, y, m, w))
    rows = {k: self.strategy.gather(v, axis=0) for k, v in out._asdict().items() if k != 'it'}
    # Replicas whose rows all stopped early ran fewer iterations: the most counts.
    it = tf.reduce_max(self.strategy.gather(
        self.strategy.run(lambda i: i[None], args=(out.it,)), axis=0))
    return LoopState(it=it, **rows)

  def initial_z(self, n: int, seed: Optional[int] = None) -> np.ndarray:
    """Seeded initial codes [n, z_dim]: U(-1, 1), or N(0, 1) clipped to [-1, 1]
    (the seed drew np.random.randn and clipped after each step)."""
    rng = np.random.default_rng(self.cfg.seed if seed is None else seed)
    if self.cfg.z_init == 'normal':
      return np.clip(rng.standard_normal((n, self.z_dim)), -1, 1).astype(np.float32)
    return dcgan.sample_z(rng, n, self.z_dim)

  def inpaint(self, y: np.ndarray, m: np.ndarray, z0: Optional[np.ndarray] = None,
              writer=None, log: Callable[[str], None] = print,
              on_chunk: Optional[Callable[[dict], None]] = None) -> dict:
    """Fills the holes of a batch.

    Args:
      y: [N, S, S, 3] in [-1, 1] (hole pixels are ignored).
      m: [N, S, S] or [N, S, S, 1], 1 = known.
      z0: initial codes [N * restarts, z_dim] (restart r of image i at row r * N + i);
        default: initial_z.
      writer: optional summary writer for TensorBoard scalars.
      log: where progress lines go.
      on_chunk: called after every print_freq iterations with the current best
        result ({'g', 'composite', 'iters'}), e.g. to write a preview.

    Returns:
      dict with 'g' [N, S, S, 3] in [-1, 1] (the fill: G(z) of the best restart, or the
      ensemble of cfg.fill, see combine()), 'spread' [N, S, S] (combine()), 'composite'
      (M y + (1-M) g), 'g_restarts' [R, N, S, S, 3] and 'loss_restarts' [R, N] (every
      restart's best G(z) and loss); of the lowest-loss restart: 'z' [N, z_dim], 'loss'
      [N], 'terms' {term: [N]}, 'iters_used' [N] (iterations it moved), 'clip_frac' [N]
      (share of z's coordinates on the [-1, 1] bound); 'seconds', 'iters' (loop
      iterations run), 'nan' (bool [N]: every restart's loss was NaN).
    """
    cfg = self.cfg
    y = tf.convert_to_tensor(y, tf.float32)
    m = tf.convert_to_tensor(m, tf.float32)
    if m.shape.rank == 3:
      m = m[..., None]
    n, r = int(y.shape[0]), cfg.restarts
    z0 = self.initial_z(n * r) if z0 is None else z0
    if z0.shape != (n * r, self.z_dim):
      raise ValueError(f'z0 has shape {z0.shape}, expected {(n * r, self.z_dim)}')
    if n % self.replicas:
      return self._inpaint_padded(y, m, z0, writer, log, on_chunk)
    if bool(tf.reduce_all(m > 0.5)):
      return self._unchanged(y, z0[:n])
    missing_all = int(tf.reduce_sum(tf.cast(tf.reduce_all(m < 0.5, axis=[1, 2, 3]), tf.int32)))
    if missing_all and self.loss.uses_context:
      logging.warning('%d image(s) have no known pixel: running without context '
                      '(prior and semantic terms only)', missing_all)
    t0 = time.time()
    yt, mt = tf.tile(y, [r, 1, 1, 1]), tf.tile(m, [r, 1, 1, 1])
    wt = weighted_mask(mt, cfg.context_window(), cfg.use_weighted_mask)
    st = self._initial_state(tf.constant(z0))
    done = 0
    while done < cfg.iters:
      steps = min(cfg.print_freq, cfg.iters - done)
      t = time.time()
      st = self._chunk(st, yt, mt, wt, tf.constant(steps))
      ran = int(st.it.numpy()) - done  # The one host transfer per print_freq steps.
      done += ran
      self._report(st, done, (time.time() - t) / max(1, ran), writer, log)
      if on_chunk is not None:
        on_chunk(self._best(st, y, m, z0, t0, done, quiet=True))
      if ran < steps:  # Every image has stopped.
        break
    return self._best(st, y, m, z0, t0, done)

  def _inpaint_padded(self, y, m, z0, writer, log, on_chunk) -> dict:
    """inpaint() with copies of the first image appended so the rows split evenly over
    the replicas; the padding rows are dropped from the result."""
    n, r = int(y.shape[0]), self.cfg.restarts
    k = self.replicas - n % self.replicas
    zr = z0.reshape(r, n, -1)
    zp = np.concatenate([zr, np.repeat(zr[:, :1], k, 1)], 1).reshape(r * (n + k), -1)
    out = self.inpaint(tf.concat([y, tf.repeat(y[:1], k, 0)], 0),
                       tf.concat([m, tf.repeat(m[:1], k, 0)], 0), zp, writer, log,
                       on_chunk and (lambda res: on_chunk(_first(res, n))))
    return _first(out, n)

  def _unchanged(self, y, z0) -> dict:
    """The result for a batch with nothing to fill: the input is the answer."""
    n = int(y.shape[0])
    zeros = np.zeros(n, np.float32)
    r = self.cfg.restarts
    return {'z': z0, 'g': y.numpy(), 'composite': y.numpy(), 'loss': zeros,
            'spread': np.zeros(y.shape[:3], np.float32),
            'g_restarts': np.repeat(y.numpy()[None], r, 0), 'loss_restarts': np.zeros((r, n)),
            'terms': {k: zeros for k in self.keys}, 'seconds': 0.0, 'iters': 0,
            'iters_used': np.zeros(n, np.int32), 'clip_frac': zeros, 'nan': np.zeros(n, bool)}

  def _initial_state(self, z: tf.Tensor) -> LoopState:
    rows = int(z.shape[0])
    big = tf.fill([rows], np.float32(np.inf))
    zk = tf.zeros([rows, len(self.keys)])
    zi = tf.zeros([rows], tf.int32)
    return LoopState(it=tf.constant(0), z=z, s1=tf.zeros_like(z), s2=tf.zeros_like(z),
                     best_loss=big, best_z=z, best_terms=zk, last_terms=zk, ref_loss=big,
                     stale=zi, used=zi)

  def _report(self, st: LoopState, done: int, sec_per_iter: float, writer, log) -> None:
    """One progress line (the mean of each term at the last iteration) and, with a
    writer, the same as TensorBoard scalars."""
    cfg = self.cfg
    means = dict(zip(self.keys, st.last_terms.numpy().mean(axis=0)))
    line = (f'iter {done}/{cfg.iters} ' + ' '.join(f'{k}={v:.4g}' for k, v in means.items()) +
            f' total={sum(means.values()):.4g} sec_per_iter={sec_per_iter:.4f}'
            f' eta={sec_per_iter * (cfg.iters - done):.0f}s')
    if cfg.patience() > 0:
      line += f' active={int(np.sum(self._active(st).numpy()))}/{int(st.z.shape[0])}'
    log(line)
    if writer is not None:
      tb.scalars(writer, done, {**{f'inpaint/{k}': v for k, v in means.items()},
                                'inpaint/sec_per_iter': sec_per_iter})

  def _best(self, st: LoopState, y, m, z0, t0, done, quiet=False) -> dict:
    """Every restart's best G(z), the fill they make (cfg.fill) and the lowest-loss
    restart's details, as inpaint() returns them."""
    n, r = int(y.shape[0]), self.cfg.restarts
    loss_all = st.best_loss.numpy()
    nan = ~np.isfinite(loss_all)
    # A row whose loss was NaN from the start never improved: its result is G(z0).
    z_all = np.where(nan[:, None], z0, st.best_z.numpy())
    g_all = _f32(self.generator(z_all, training=False)).numpy().reshape((r, n) + tuple(y.shape[1:]))
    losses = loss_all.reshape(r, n)
    g, spread = combine(g_all, losses, m.numpy(), self.cfg.fill, self.cfg.fill_k)
    pick = np.argmin(np.where(np.isfinite(losses), losses, np.inf), axis=0)
    rows = pick * n + np.arange(n)
    nan_img = nan.reshape(r, n).all(axis=0)
    if nan_img.any() and not quiet:
      logging.warning('%d image(s) had a NaN loss from the start; their result is G(z0)',
                      int(nan_img.sum()))
    terms = st.best_terms.numpy()[rows]
    zb = z_all[rows]
    return {'z': zb, 'g': g, 'spread': spread, 'composite': (m * y + (1 - m) * g).numpy(),
            'g_restarts': g_all, 'loss_restarts': losses,
            'loss': loss_all[rows],
            'terms': {k: terms[:, i] for i, k in enumerate(self.keys)},
            'seconds': time.time() - t0, 'iters': done,
            'iters_used': st.used.numpy()[rows],
            'clip_frac': np.mean(np.abs(zb) >= 1.0 - 1e-6, axis=1), 'nan': nan_img}


def _first(result: dict, n: int) -> dict:
  """The first n images of an inpaint() result (drops padding rows)."""
  def cut(k, v):
    if isinstance(v, dict):
      return _first(v, n)
    if not (isinstance(v, np.ndarray) and v.ndim):
      return v
    return v[:, :n] if k in _RESTART_KEYS else v[:n]
  return {k: cut(k, v) for k, v in result.items()}


def reconstruct(generator: keras.Model, classifier: keras.Model, layer: str,
                images: np.ndarray, cfg: Config, log=print) -> dict:
  """The seed's layer-reconstruction experiment.

  Optimizes z so that GoogLeNet endpoint `layer` of G(z) matches that of each
  image (FeatureMatchLoss), with the same compiled loop and optimizer.

  Returns:
    dict as Inpainter.inpaint ('g' = the reconstructions).
  """
  if layer not in RECONSTRUCT_LAYERS:
    raise ValueError(f'unknown GoogLeNet layer --reconstruct={layer!r}; choose from '
                     f'{", ".join(RECONSTRUCT_LAYERS)}')
  # One code per image, kept as it is: a reconstruction, not an ensemble fill.
  rec_cfg = dataclasses.replace(cfg, method='semantic', restarts=1, fill='best',
                                iters=cfg.iters or ITER_BUDGET)
  inp = Inpainter(generator, None, classifier, rec_cfg,
                  loss=functools.partial(FeatureMatchLoss, endpoint=layer))
  # An all-missing mask: no pixel of the image is compared, only its features.
  masks = np.zeros(images.shape[:3], np.float32)
  return inp.inpaint(images, masks, log=log)
