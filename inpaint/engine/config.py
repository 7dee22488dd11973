"""The engine's settings: Config, resolved against its method's defaults.

A loss term is one engine.methods.TERMS entry naming its weight field here; the weight's
validation and the cache key (key()) follow from the entry.

Layer: the engine's settings (no TensorFlow), above engine.methods.
"""

import dataclasses
from typing import Dict, Optional, Tuple

from googlenet import model as gmodel
from inpaint import checks
from inpaint.engine import methods

COMPUTE_DTYPES = ('float32', 'bfloat16')
OPTIMIZERS = ('nesterov', 'adam')
Z_INITS = ('uniform', 'normal')
SEMANTIC_INPUTS = ('composite', 'masked')
# Where the search starts: random codes (z_init), or the encoder's code of each image,
# restart 0 exactly there and the others perturbed by N(0, start_noise^2).
STARTS = ('random', 'learned')
# How the restarts of an image make its fill: the lowest-loss one, or the per-pixel mean of
# the fill_k lowest-loss ones' G(z) (an ensemble: starts.combine()). A median was measured
# below the mean everywhere (docs/results.md) and removed.
FILLS = ('best', 'mean')
# What the layer-reconstruction experiment can match: a GoogLeNet endpoint or the softmax.
SOFTMAX = 'softmax'
RECONSTRUCT_LAYERS = gmodel.ENDPOINTS + (SOFTMAX,)


TERMS = methods.TERMS
TERM_NAMES = tuple(t.name for t in TERMS)


@dataclasses.dataclass
class Config:
  """Inpainting settings (the 2018 project's flag names).

  A field left None takes its method's default (engine.methods: the methods' defaults,
  measured on the tune half of val, docs/results.md); the 2018 project's exact
  configuration is methods.ORIGINAL / inpaint/original.flags.
  """
  method: str = methods.DEFAULT
  learning_rate: Optional[float] = None
  momentum: float = 0.9
  lamb: float = 0.003
  lambda_inp: Optional[float] = None
  lambda_sem: Optional[float] = None
  lambda_cat: Optional[float] = None
  layer: str = 'inception_4b'
  layer_2: str = 'inception_3b'
  iters: Optional[int] = None  # Iterations per restart (unset: the method's budget // restarts).
  print_freq: int = 100
  optimizer: str = 'nesterov'
  restarts: Optional[int] = None  # Latent codes per image.
  fill: Optional[str] = None  # FILLS: how the restarts make the fill.
  fill_k: int = 0  # The lowest-loss restarts a mean fill uses (0 = all).
  nsize: Optional[int] = None  # Context window side.
  lr_decay: float = 0.95
  lr_decay_every: int = 100
  seed: int = 0
  jit_compile: bool = False
  compute_dtype: str = 'float32'  # 'bfloat16': networks compute in bf16, losses in fp32.
  use_weighted_mask: bool = True  # Yeh's weighting of the context term (else W = M).
  z_init: str = 'uniform'  # Random codes: 'uniform' U(-1, 1); 'normal' N(0, 1) clipped.
  start: Optional[str] = None  # STARTS: random codes or the encoder's.
  start_noise: float = 0.3  # Std of the perturbation of restarts 1.. of a learned start.
  semantic_input: str = 'composite'  # What the semantic term compares (engine.objective).
  sem_known_frac: float = 0.0  # Feature positions kept by the semantic term (0 = all).
  early_stop_tol: float = 1e-3  # Relative improvement that counts as progress.
  # Iterations without progress before an image stops (0 = never).
  early_stop_patience: Optional[int] = None

  def resolved(self) -> 'Config':
    """A copy with every unset (None) setting at its method's default."""
    own = methods.get(self.method).defaults
    cfg = dataclasses.replace(self, **{k: own[k] for k in methods.PER_METHOD
                                       if k != 'budget' and getattr(self, k) is None and k in own})
    if cfg.iters is None and 'budget' in own:
      cfg.iters = max(1, own['budget'] // cfg.restarts)
    return cfg

  def weights(self) -> Dict[str, float]:
    """The weight of every term (0 = term removed), of the resolved settings."""
    cfg = self.resolved()
    return {t.name: 1.0 if t.weight is None else float(getattr(cfg, t.weight) or 0.0)
            for t in TERMS}

  def networks(self) -> Tuple[str, ...]:
    """The networks this configuration runs: its method's, and those of its terms."""
    method = methods.get(self.method)
    if not method.searches:
      return method.needs
    w = self.weights()
    extra = [t.needs for t in TERMS if t.needs and w[t.name] > 0]
    needs = [n for n in method.needs if n != methods.ENCODER or self.resolved().start == 'learned']
    return tuple(dict.fromkeys(needs + extra))

  def key(self) -> dict:
    """The resolved settings that can change this method's result, as a dict: what a cache
    of results is keyed on (a setting the method ignores, e.g. a term's weight and fields
    while it is off, or the start noise of a random start, is left out; so is print_freq)."""
    if not methods.get(self.method).searches:
      return {'method': self.method}
    cfg = self.resolved()
    out = dataclasses.asdict(cfg)
    out.pop('print_freq')
    w = self.weights()
    read = {f for t in TERMS if w[t.name] for f in t.reads}
    for t in TERMS:
      if not w[t.name]:
        for field in ((t.weight,) if t.weight else ()) + t.reads:
          if field not in read:
            out.pop(field, None)
    if cfg.fill == 'best' or cfg.restarts == 1:
      out.pop('fill_k')
    if cfg.start == 'random':
      out.pop('start')
      out.pop('start_noise')
    else:
      out.pop('z_init')
    return out

  def validate(self) -> None:
    """Raises checks.ConfigError naming the first field with a value it cannot take."""
    methods.get(self.method)
    for field, choices in (('compute_dtype', COMPUTE_DTYPES), ('optimizer', OPTIMIZERS),
                           ('layer', gmodel.ENDPOINTS), ('layer_2', gmodel.ENDPOINTS),
                           ('z_init', Z_INITS), ('semantic_input', SEMANTIC_INPUTS)):
      checks.choice(self, field, choices)
    for field, choices in (('fill', FILLS), ('start', STARTS)):
      if getattr(self, field) is not None:
        checks.choice(self, field, choices)
    if self.restarts is not None:
      checks.positive(self, 'restarts')
    checks.positive(self, 'print_freq', 'lr_decay_every')
    if self.learning_rate is not None:
      checks.positive(self, 'learning_rate')
    if self.nsize is not None:
      checks.positive(self, 'nsize')
    weights = [t.weight for t in TERMS if t.weight and getattr(self, t.weight) is not None]
    checks.non_negative(self, 'momentum', 'early_stop_tol', 'fill_k', 'start_noise', *weights)
    for field in ('iters', 'early_stop_patience'):
      if getattr(self, field) is not None:
        checks.non_negative(self, field)
    checks.within(self, 'sem_known_frac', 0.0, 1.0)


def original() -> Config:
  """The 2018 project's exact configuration (methods.ORIGINAL) as a Config."""
  return Config(**methods.ORIGINAL)


def for_preset(name: str, **overrides) -> Config:
  """The Config of a method or preset name (methods.preset), with overrides on top."""
  method, settings = methods.preset(name)
  settings = dict(settings)
  budget = settings.pop('budget', None)
  if budget is not None and 'iters' not in settings:
    settings['iters'] = max(1, budget // settings.get('restarts', 1))
  return Config(**{**settings, 'method': method, **overrides})
