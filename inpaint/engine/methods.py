"""The fill methods and presets: one registry of what each needs, does and defaults to.

A method is a Method entry in METHODS. The jobs (inpaint.run, the page, the comparison,
the sweep, the benchmark) ask it what it needs, whether it searches, restarts or blends,
and its `kind` says which of three fills runs it: 'search' (the latent search,
engine.loop.Inpainter), 'one_pass' (G(E(y, M)), engine.starts.one_pass) or 'classical'
(no network, inpaint.baseline). Its `defaults` fill every engine.config.Config field left
unset (None). A loss term is one TERMS entry (its formula: engine.objective). A preset (PRESETS) is a method with a few settings changed under a name of
its own, e.g. a comparison row. Adding a method or a preset is one entry here.

Layer: the bottom of the engine (plain data: no TensorFlow).
"""

import dataclasses
from typing import Dict, Mapping, NamedTuple, Optional, Tuple

from inpaint import checks

KINDS = ('search', 'one_pass', 'classical')
GENERATOR, DISCRIMINATOR, CLASSIFIER, ENCODER = ('generator', 'discriminator', 'classifier',
                                                 'encoder')
# Engine settings whose default depends on the method (Config leaves them None): every
# search method states each of them.
PER_METHOD = ('restarts', 'budget', 'learning_rate', 'fill', 'nsize',
              'early_stop_patience', 'start', 'lambda_inp', 'lambda_sem', 'lambda_cat')
# The 2018 project's budget: optimization steps per image (restarts x iterations), which
# the methods that search from a random start keep (iters = budget // restarts when unset).
ITER_BUDGET = 1500
# Yeh et al. as published: context + prior, a 7x7 window, one run from a random code.
_YEH = {'restarts': 1, 'budget': ITER_BUDGET, 'learning_rate': 0.01, 'fill': 'best',
        'nsize': 7, 'early_stop_patience': 0, 'start': 'random', 'lambda_inp': 0.0,
        'lambda_sem': 0.0, 'lambda_cat': 0.0}
# The search from a random start that was the default before the encoder: the mean of 8
# restarts of 187 iterations, a 15x15 window, the discriminator on the composite too, early
# stopping after 100 iterations without a 0.1% gain (docs/results.md).
_RANDOM_START = {'restarts': 8, 'budget': ITER_BUDGET, 'learning_rate': 0.01, 'fill': 'mean',
                 'nsize': 15, 'early_stop_patience': 100, 'start': 'random',
                 'lambda_inp': 3.0, 'lambda_sem': 0.0, 'lambda_cat': 0.0}
# The default: the same loss from the encoder's code, 8 restarts (the first at the code,
# the others perturbed by N(0, 0.3^2)) of 16 iterations at a tenth of the learning rate,
# averaged: chosen on the tune half (docs/results.md, metrics/sweep_learned.sh).
_LEARNED_START = {**_RANDOM_START, 'start': 'learned', 'restarts': 8, 'budget': 128,
                  'learning_rate': 0.001, 'early_stop_patience': 0}


class Term(NamedTuple):
  """One loss term (formulas: engine.objective).

  weight: its Config weight field (None: weight 1, always on); needs: the network it
  runs; reads: the other Config fields it uses (left out of the cache key when it is
  off); original: the 2018 project's weight; help: the flag's help.
  """
  name: str
  weight: Optional[str]
  needs: Optional[str]
  reads: Tuple[str, ...]
  original: Optional[float]
  help: str


TERMS: Tuple[Term, ...] = (
    Term('context', None, None, ('nsize', 'use_weighted_mask'), None,
         'Yeh\'s weighted L1 on the known pixels'),
    Term('prior', 'lamb', DISCRIMINATOR, (), 0.003,
         'Weight of the prior loss (D on G(z)).'),
    Term('inpainting', 'lambda_inp', DISCRIMINATOR, (), 3.0,
         'Weight of the inpainting loss (D on the composite).'),
    Term('semantic', 'lambda_sem', CLASSIFIER,
         ('layer', 'layer_2', 'semantic_input', 'sem_known_frac'), 1e5,
         'Weight of the semantic loss (GoogLeNet features of --layer and --layer_2).'),
    Term('categorical', 'lambda_cat', CLASSIFIER, (), 1e6,
         'Weight of the categorical loss (symmetric KL of the GoogLeNet softmaxes).'),
)


@dataclasses.dataclass(frozen=True)
class Method:
  """One fill method.

  Attributes:
    name: what --method takes.
    summary: one line saying what it does.
    kind: one of KINDS (which fill runs it).
    needs: the networks it always needs (a search also runs the networks of its loss
      terms that have a weight, and the encoder only from a learned start:
      engine.config.Config.networks()).
    blends: its fill is Poisson-blended into the image.
    full_res: how it completes a photo's hole at the photo's own resolution
      (inpaint.photos.FULL_RES): 'guided' (patches of the photo, guided by the 64x64
      fill), or a classical fill run at full size ('biharmonic', 'exemplar').
    defaults: the engine settings it takes when they are unset (PER_METHOD for a search;
      'budget' is restarts x iterations, so iters = budget // restarts when unset).
  """
  name: str
  summary: str
  kind: str
  needs: Tuple[str, ...] = ()
  blends: bool = True
  full_res: str = 'guided'
  defaults: Mapping = dataclasses.field(default_factory=dict)

  @property
  def searches(self) -> bool:
    """It optimizes latent codes (restarts, iterations, loss terms apply)."""
    return self.kind == 'search'

  @property
  def uses_generator(self) -> bool:
    return GENERATOR in self.needs


METHODS: Dict[str, Method] = {m.name: m for m in (
    Method('search', 'the latent search from the encoder\'s code: 8 restarts around it, 16 '
           'iterations each, averaged (context, prior and inpainting terms)', 'search',
           (GENERATOR, ENCODER), defaults=_LEARNED_START),
    Method('one_pass', 'the encoder\'s code through the generator, G(E(y, M)): no search',
           'one_pass', (GENERATOR, ENCODER)),
    Method('semantic', 'the search with the 2018 project\'s GoogLeNet feature term on '
           '--layer and --layer_2 (weight --lambda_sem)', 'search',
           (GENERATOR, ENCODER), defaults={**_LEARNED_START, 'lambda_sem': 30.0}),
    Method('yeh', 'Yeh et al. as published: context and prior terms, a 7x7 window, one run '
           'from a random code', 'search', (GENERATOR,), defaults=_YEH),
    Method('biharmonic', 'biharmonic interpolation (scikit-image); no network', 'classical',
           blends=False, full_res='biharmonic'),
    Method('exemplar', 'patch-based completion from the image\'s own known pixels; no network',
           'classical', full_res='exemplar'),
)}
DEFAULT = 'search'

# The 2018 project's exact inpainting configuration (also inpaint/original.flags, for
# `python -m inpaint.inpaint_main --flagfile=...`); a test keeps the two equal.
ORIGINAL = {
    'method': 'semantic', 'learning_rate': 0.01, 'momentum': 0.9, 'optimizer': 'nesterov',
    **{t.weight: t.original for t in TERMS if t.weight},
    'layer': 'inception_4b', 'layer_2': 'inception_3b', 'iters': ITER_BUDGET, 'restarts': 1,
    'nsize': 7, 'use_weighted_mask': True, 'z_init': 'normal', 'lr_decay': 0.95,
    'lr_decay_every': 100, 'semantic_input': 'composite', 'sem_known_frac': 0.0,
    'early_stop_tol': 0.0, 'early_stop_patience': 0, 'fill': 'best', 'fill_k': 0,
    'start': 'random',
}

# name -> (method, settings on top of its defaults): named variants, e.g. comparison rows.
PRESETS: Dict[str, Tuple[str, dict]] = {
    'yeh_wide': ('yeh', {'nsize': 63}),
    'random_start': ('search', dict(_RANDOM_START)),
    'original_2018': ('semantic', {k: v for k, v in ORIGINAL.items() if k != 'method'}),
}


def get(name: str) -> Method:
  """The Method called `name`.

  Raises:
    checks.ConfigError: no such method (naming the choices).
  """
  checks.check_choice('method', name, tuple(METHODS))
  return METHODS[name]


def preset(name: str) -> Tuple[str, dict]:
  """(method name, settings) of a method or a preset name.

  Raises:
    checks.ConfigError: neither.
  """
  if name in PRESETS:
    return PRESETS[name]
  checks.check_choice('preset', name, tuple(METHODS) + tuple(PRESETS))
  return name, {}


def default_of(method: str, field: str) -> Optional[object]:
  """The method's own default for an engine setting (None: the Config default applies)."""
  return get(method).defaults.get(field)
