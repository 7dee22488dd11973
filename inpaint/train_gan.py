"""DCGAN training and sampling (the seed's `main.py --training`)."""

import dataclasses
import functools
import os
import time
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from inpaint import checks
from inpaint import ckpt
from inpaint import data
from inpaint import dcgan
from inpaint import diffaug
from inpaint import distribute
from inpaint import images as imgs
from inpaint import networks
from inpaint import tb

SHIPPED = ckpt.shipped('dcgan')


@dataclasses.dataclass
class Config:
  """Flags of `python -m inpaint.main` (names and defaults as the original)."""
  dataset: str = 'cars'
  data_dir: Optional[str] = None
  batch_size: int = 64
  learning_rate: float = 2e-4
  beta1: float = 0.5
  z_dim: int = 100
  iters: int = 200000
  print_freq: int = 100
  save_freq: int = 10000
  sample_freq: int = 500
  sample_batch: int = 64
  load_model: Optional[str] = None
  img_size: int = 64
  width: float = 1.0
  seed: int = 0
  split: str = 'train'
  limit: Optional[int] = None
  output_root: str = '.'
  # Options beyond the seed's recipe (each off at its default value).
  diffaug: str = ''  # DiffAugment operations, e.g. 'color,translation,cutout'.
  ema_decay: float = 0.0  # Exponential moving average of G's weights (0 = none).
  d_learning_rate: Optional[float] = None  # Two-time-scale: D's own learning rate.
  # D's normalization: 'batch' (the seed's) or 'spectral' (SN-DCGAN, no batch norm in D;
  # dcgan.build_discriminator). Part of the architecture: a run keeps the one it began with.
  d_norm: str = 'batch'
  # Projected D (Sauer et al., arXiv 2111.01007): comma-separated layers of a frozen
  # GoogLeNet that D reads instead of pixels ('' = the seed's pixel D); part of the
  # architecture. d_features_from is the classifier export whose weights they take
  # (default: the shipped GoogLeNet; never the FD reference network, which scores G).
  d_features: str = ''
  d_features_from: Optional[str] = None
  d_features_width: float = 1.0  # That classifier's width (the shipped one's: 1.0).
  compute_dtype: str = 'float32'  # or 'bfloat16': bf16 compute, float32 variables.
  jit_compile: bool = False  # XLA for the train step.
  init_from: Optional[str] = None  # Export or run whose G and D start a new run.
  # Stop with a checkpoint after this many minutes of this invocation (0 = no limit), so that
  # a run planned for a fixed wall time ends, saved, in time.
  max_minutes: float = 0.0

  def validate(self) -> None:
    """Raises checks.ConfigError naming the first field with a value it cannot take."""
    checks.positive(self, 'batch_size', 'learning_rate', 'z_dim', 'iters', 'print_freq',
                    'save_freq', 'sample_freq', 'sample_batch', 'img_size', 'width',
                    'd_features_width')
    if self.img_size % 16:
      raise checks.ConfigError('img_size', self.img_size, 'must be a multiple of 16')
    if not 0 <= self.beta1 < 1:
      raise checks.ConfigError('beta1', self.beta1, 'must be in [0, 1)')
    if self.max_minutes < 0:
      raise checks.ConfigError('max_minutes', self.max_minutes, 'must be >= 0')
    if not 0 <= self.ema_decay < 1:
      raise checks.ConfigError('ema_decay', self.ema_decay, 'must be in [0, 1)')
    if self.d_learning_rate is not None:
      checks.positive(self, 'd_learning_rate')
    checks.choice(self, 'split', data.SPLITS)
    checks.choice(self, 'compute_dtype', COMPUTE_DTYPES)
    checks.choice(self, 'd_norm', dcgan.D_NORMS)
    if self.d_features:
      try:
        dcgan.feature_layers(self.d_features)
      except ValueError as e:
        raise checks.ConfigError('d_features', self.d_features, f'is not valid: {e}') from None
      if self.d_norm != 'batch':
        raise checks.ConfigError('d_features', self.d_features,
                                 'replaces the pixel D: leave --d_norm unset')
    try:
      diffaug.parse_policy(self.diffaug)
    except ValueError as e:
      raise checks.ConfigError('diffaug', self.diffaug, f'is not valid: {e}') from None


def arch_config(cfg) -> dict:
  # A config from before d_norm lacks the key; ckpt.check_config then skips it.
  return {'arch': 'dcgan', 'width': cfg.width, 'img_size': cfg.img_size, 'z_dim': cfg.z_dim,
          'd_norm': cfg.d_norm, 'd_features': cfg.d_features,
          'd_features_width': cfg.d_features_width}


def build_generator(cfg) -> keras.Model:
  """The G of a Config (or of a saved config read by _run_config)."""
  return dcgan.build_generator(cfg.z_dim, cfg.img_size, cfg.width)


def build_discriminator(cfg) -> keras.Model:
  """The D of a Config (or of a saved config read by _run_config)."""
  return dcgan.build_discriminator(cfg.img_size, cfg.width, norm=cfg.d_norm,
                                   features=cfg.d_features,
                                   features_width=cfg.d_features_width)


def model_dir(cfg: Config) -> str:
  """<output_root>/<dataset>/model, where the original kept its runs."""
  return ckpt.gan_runs(cfg.output_root, cfg.dataset)


def resolve_run(cfg: Config, name: Optional[str]) -> str:
  """A --load_model value (a run name under model_dir, or a path) -> folder."""
  return ckpt.resolve_gan(name, cfg.dataset, cfg.output_root)


COMPUTE_DTYPES = ('float32', 'bfloat16')


def _build_models(cfg):
  """G and D under cfg.compute_dtype (mixed: bf16 compute, float32 variables)."""
  prev = keras.config.dtype_policy()
  keras.config.set_dtype_policy('mixed_bfloat16' if cfg.compute_dtype == 'bfloat16' else 'float32')
  try:
    return build_generator(cfg), build_discriminator(cfg)
  finally:
    keras.config.set_dtype_policy(prev)


class GAN:
  """Generator, discriminator, their optimizers and the compiled train step.

  With cfg.ema_decay > 0, `generator_ema` holds an exponential moving average of
  every generator weight (batch-norm statistics included); it is what sampling,
  export and so FD and inpainting use.
  """

  def __init__(self, cfg, strategy: Optional[tf.distribute.Strategy] = None):
    self.cfg = cfg
    self.strategy = strategy or tf.distribute.get_strategy()
    if bool(cfg.jit_compile) and distribute.replicas(self.strategy) > 1:
      raise ValueError('jit_compile runs on one device; use --strategy=default with it')
    if cfg.d_norm == 'spectral' and distribute.replicas(self.strategy) > 1:
      # keras.layers.SpectralNormalization assigns its kernel inside the replica's call.
      raise ValueError('--d_norm=spectral runs on one device; use --strategy=default with it')
    lr, beta1 = cfg.learning_rate, cfg.beta1
    d_lr = cfg.d_learning_rate or lr
    self.ema_decay = float(cfg.ema_decay)
    self.generator_ema = None
    with self.strategy.scope():  # Models and optimizer slots become mirrored variables.
      self.generator, self.discriminator = _build_models(cfg)
      if distribute.sync_bn(self.strategy):
        distribute.sync_batch_norm(self.generator, self.discriminator)
      self.g_opt = keras.optimizers.Adam(lr, beta_1=beta1)
      self.d_opt = keras.optimizers.Adam(d_lr, beta_1=beta1)
      self.g_opt.build(self.generator.trainable_variables)
      self.d_opt.build(self.discriminator.trainable_variables)
      self.ema_updates = tf.Variable(0, dtype=tf.int64, trainable=False, name='ema_updates')
      if self.ema_decay > 0:
        self.generator_ema = build_generator(cfg)
        for e, w in zip(self.generator_ema.weights, self.generator.weights):
          e.assign(w)
    # Outside the strategy: every draw is made once, on the global batch.
    self.rng = tf.random.Generator.from_seed(cfg.seed)
    self.policy = diffaug.parse_policy(cfg.diffaug)
    self.train_step = tf.function(self._train_step,
                                  jit_compile=bool(cfg.jit_compile))

  def checkpoint_objects(self) -> dict:
    objs = {'generator': self.generator, 'discriminator': self.discriminator,
            'g_opt': self.g_opt, 'd_opt': self.d_opt, 'rng': self.rng}
    if self.generator_ema is not None:
      objs.update(generator_ema=self.generator_ema, ema_updates=self.ema_updates)
    return objs

  @property
  def sampler(self) -> keras.Model:
    """The generator to sample from: the EMA copy when there is one."""
    return self.generator_ema if self.generator_ema is not None else self.generator

  def _d(self, images, aug):
    """D's logits (float32) on DiffAugment-ed images (unchanged without a policy)."""
    x = diffaug.apply(tf.cast(images, tf.float32), aug, self.policy)
    return tf.cast(self.discriminator(x, training=True), tf.float32)

  def _update_ema(self):
    # Warm-up as tf.train.ExponentialMovingAverage(num_updates): early steps average less.
    n = tf.cast(self.ema_updates, tf.float32)
    decay = tf.minimum(self.ema_decay, (1.0 + n) / (10.0 + n))
    for e, w in zip(self.generator_ema.weights, self.generator.weights):
      e.assign(decay * e + (1.0 - decay) * tf.cast(w, e.dtype))
    self.ema_updates.assign_add(1)

  @staticmethod
  def _bce(logits, label):
    """This replica's share of the global batch's mean BCE (replicas' shares sum to it)."""
    n = tf.distribute.get_replica_context().num_replicas_in_sync
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.fill(tf.shape(logits), label), logits=logits)) / n

  def _train_step(self, real):
    """real [B, S, S, 3] in [-1, 1] (the global batch) -> (d_loss, g_loss).

    D once, then G twice on the same z, as the original ("to make sure that
    d_loss does not go to zero"); then the EMA of G, when enabled. z and the
    augmentations are drawn here for the global batch; replicas take slices.
    """
    b = tf.shape(real)[0]
    z = dcgan.sample_z(self.rng, b, self.cfg.z_dim)
    # One augmentation per D call: real and fake in the D step, fake in each G step.
    augs = [diffaug.draw(self.rng, b, self.cfg.img_size, self.policy) for _ in range(4)]
    d_loss, g_loss = self.strategy.run(self._replica_step, args=(real, z, augs))
    if self.generator_ema is not None:
      self._update_ema()
    total = lambda v: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)
    return total(d_loss), total(g_loss)

  def _replica_step(self, real, z, augs):
    real, z = distribute.local(real), distribute.local(z)
    augs = tf.nest.map_structure(distribute.local, augs)
    with tf.GradientTape() as tape:
      fake = self.generator(z, training=True)
      d_loss = self._bce(self._d(real, augs[0]), 1.0) + self._bce(self._d(fake, augs[1]), 0.0)
    d_vars = self.discriminator.trainable_variables
    self.d_opt.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
    g_vars = self.generator.trainable_variables
    for k in range(2):
      with tf.GradientTape() as tape:
        fake = self.generator(z, training=True)
        g_loss = self._bce(self._d(fake, augs[2 + k]), 1.0)
      self.g_opt.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
    return d_loss, g_loss

  def sample(self, z, training=False):
    """z [N, z_dim] -> float32 images [N, S, S, 3] in [-1, 1] (inference mode by default)."""
    return tf.cast(self.sampler(z, training=training), tf.float32)


def train(cfg: Config, strategy: Optional[tf.distribute.Strategy] = None) -> str:
  """Trains the DCGAN, resuming exactly when cfg.load_model names a run.

  Args:
    cfg: the settings; cfg.batch_size is the global batch.
    strategy: a tf.distribute strategy (inpaint.distribute.make); default: one device.
      Only the chief writes the run folder.

  Returns:
    The run folder (checkpoints in ckpt/, samples in sample/, TensorBoard in logs/).
  """
  began = {}  # A resumed run keeps where it began, so that its export records its lineage.
  if cfg.load_model:
    run_dir = resolve_run(cfg, cfg.load_model)
    saved = ckpt.read_config(run_dir)
    ckpt.check_resumable(saved, arch_config(cfg), run_dir)
    if saved.get('init_from') and not cfg.init_from:
      began = {'init_from': saved['init_from']}
  else:
    run_dir = os.path.join(model_dir(cfg), time.strftime('%Y%m%d-%H%M'))
  images, labels = data.load_arrays(cfg.data_dir, cfg.split, cfg.img_size, cfg.seed, cfg.limit)
  gan = GAN(cfg, strategy)
  chief = distribute.is_chief(gan.strategy)
  batch = min(cfg.batch_size, len(images))
  distribute.check_batch(gan.strategy, batch, 'batch_size')
  # Wall seconds of training so far, across resumes (for FD against wall time).
  seconds = tf.Variable(0.0, dtype=tf.float64, trainable=False, name='seconds')
  scratch = distribute.write_dir(gan.strategy, run_dir)
  state = ckpt.TrainState(run_dir, save_folder=scratch, seconds=seconds,
                          **gan.checkpoint_objects())
  if cfg.load_model and not state.restore():
    raise ckpt.CheckpointError(f'no checkpoint to resume in {run_dir!r}')
  if cfg.d_features and not cfg.load_model:
    load_d_features(gan, cfg)
  if cfg.init_from and not cfg.load_model:
    warm_start(gan, cfg)
  say = functools.partial(print, flush=True) if chief else lambda *a, **k: None
  if chief:
    ckpt.write_config(run_dir, {**dataclasses.asdict(cfg), **arch_config(cfg), **began})
  step = int(state.step.numpy())
  say(f'{"continue" if step else "start"} training at step {step} of {cfg.iters} in {run_dir} '
      f'({len(images)} images, {distribute.replicas(gan.strategy)} replica(s))')
  ds = iter(data.train_dataset(images, labels, batch, seed=cfg.seed + step))
  fixed_z = dcgan.sample_z(tf.random.Generator.from_seed(1234), cfg.sample_batch, cfg.z_dim)
  writer = tf.summary.create_file_writer(os.path.join(scratch, 'logs'))
  t0 = t_start = time.time()
  printed = step  # The step of the last progress line (its seconds per step divide by this).
  seconds0 = float(seconds.numpy())

  def save():
    seconds.assign(seconds0 + time.time() - t_start)
    state.save()

  while step < cfg.iters:
    real, _ = next(ds)
    try:
      d_loss, g_loss = gan.train_step(real)
    except KeyboardInterrupt:
      save()  # Ctrl-C loses no finished step.
      say(f'interrupted at step {step}; checkpoint saved, resume with --load_model={run_dir}')
      raise SystemExit(130)
    step += 1
    state.step.assign(step)
    out_of_time = 0 < cfg.max_minutes * 60 < time.time() - t_start
    last = step == cfg.iters or out_of_time
    if step % cfg.print_freq == 0 or last:
      dt = (time.time() - t0) / (step - printed)
      d, g = float(d_loss), float(g_loss)
      say(f'step {step}/{cfg.iters} d_loss={d:.4f} g_loss={g:.4f} '
          f'sec_per_step={dt:.3f} eta={ckpt.eta((cfg.iters - step) * dt)}')
      tb.scalars(writer, step, {'loss/d_loss': d, 'loss/g_loss': g, 'sec_per_step': dt})
      t0, printed = time.time(), step
    if chief and (step % cfg.sample_freq == 0 or last):
      imgs.save_grid(os.path.join(run_dir, 'sample', f'sample_{step}.png'),
                     gan.sample(fixed_z).numpy())
    if step % cfg.save_freq == 0 or last:
      save()
      if chief:
        snapshot(gan, os.path.join(run_dir, 'snapshots', f'{step:07d}'),
                 {**arch_config(cfg), 'step': step, 'seconds': float(seconds.numpy())})
    if out_of_time:
      say(f'stopped at step {step} after --max_minutes={cfg.max_minutes:g}; '
          f'resume with --load_model={run_dir}')
      break
  distribute.drop_write_dir(gan.strategy, scratch)
  return run_dir


def load_d_features(gan: GAN, cfg: Config) -> None:
  """Fills a projected D's frozen features from the classifier cfg.d_features_from."""
  folder = cfg.d_features_from or ckpt.shipped('googlenet')
  classifier = networks.load(folder, 'googlenet').models['googlenet']
  try:
    n = dcgan.copy_features(classifier, gan.discriminator)
  except ValueError as e:
    raise ckpt.CheckpointError(f'--d_features_from={folder!r}: {e}') from None
  print(f'projected D: {n} frozen layers from {folder} ({cfg.d_features})', flush=True)


def warm_start(gan: GAN, cfg: Config) -> None:
  """Starts G and D (and G's EMA) from the weights of cfg.init_from.

  A narrower init (e.g. width 0.5 into --width=1) is widened by dcgan.widen: the run
  starts from the same G and D functions with the capacity of the wider networks. An
  init whose D has another normalization or reads other features (cfg.d_norm,
  cfg.d_features) gives G only; D starts fresh.

  The optimizers start fresh (exports keep no optimizer state); Adam's moments
  rebuild within a few hundred steps. The run's config records where it began.
  """
  saved = ckpt.read_config(cfg.init_from)
  old_width, old_norm = saved.get('width', 1.0), saved.get('d_norm', 'batch')
  old_features = saved.get('d_features', '')
  # A D of another normalization or features has other variables: D starts fresh (a
  # projected one with the features load_d_features gave it), G is kept.
  keep_d = (old_norm == cfg.d_norm and old_features == cfg.d_features and
            saved.get('d_features_width', 1.0) == cfg.d_features_width)
  how = '' if keep_d else (f', D fresh ({cfg.d_features or cfg.d_norm + " norm"} instead of '
                           f'{old_features or old_norm + " norm"})')
  init = Config(width=old_width, img_size=cfg.img_size, z_dim=cfg.z_dim, d_norm=old_norm,
                d_features=old_features, d_features_width=saved.get('d_features_width', 1.0))
  if old_width == cfg.width:
    g, d = gan.generator, gan.discriminator
  else:  # Loaded as saved, then widened below.
    g, d = _build_models(init)
  saved = ckpt.restore_models(cfg.init_from, arch_config(init), generator=g,
                              **({'discriminator': d} if keep_d else {}))
  if old_width != cfg.width:
    rng = np.random.default_rng(cfg.seed)
    pairs = [(g, gan.generator)] + ([(d, gan.discriminator)] if keep_d else [])
    try:
      k = {dcgan.widen(narrow, wide, rng) for narrow, wide in pairs}
    except ValueError as e:
      raise ckpt.CheckpointError(f'--init_from={cfg.init_from!r} (width {old_width:g}) cannot '
                                 f'start --width={cfg.width:g}: {e}') from None
    how = f', widened {k.pop()}x from width {old_width:g}' + how
  if gan.generator_ema is not None:
    for e, w in zip(gan.generator_ema.weights, gan.generator.weights):
      e.assign(w)
  print(f'starting from the weights of {cfg.init_from} (step {saved.get("step")}{how})',
        flush=True)


def _run_config(saved: dict) -> Config:
  """The architecture and EMA setting of a saved run or export config."""
  return Config(width=saved.get('width', 1.0), img_size=saved.get('img_size', 64),
                z_dim=saved.get('z_dim', 100), ema_decay=saved.get('ema_decay', 0.0),
                d_norm=saved.get('d_norm', 'batch'), d_features=saved.get('d_features', ''),
                d_features_width=saved.get('d_features_width', 1.0))


def snapshot(gan: GAN, folder: str, conf: dict) -> str:
  """Lean float16 copy of the sampling generator + D (no optimizer state), for FD curves."""
  return ckpt.export_weights(folder, {'generator': gan.sampler,
                                      'discriminator': gan.discriminator},
                             {**conf, 'ema_decay': 0.0, 'ema_used': gan.generator_ema is not None})


def _lineage(saved: dict):
  """The training stages before a run that began with --init_from, oldest first.

  Each stage is what the init export's config says about itself (run, steps,
  recipe), after the stages it records in turn.

  Returns:
    (stages, steps of all stages or None when unknown); ([], 0) from scratch.
  """
  init = saved.get('init_from')
  if not init:
    return [], 0
  try:
    prev = ckpt.read_config(init)
  except ckpt.CheckpointError:  # The init export is gone: keep at least where it was.
    return [{'init_from': init}], None
  # An export older than this field says in words where it began.
  earlier = prev.get('lineage') or ([{'note': prev['warm_started_from']}]
                                    if 'warm_started_from' in prev else [])
  return (earlier + [{'trained_from': prev.get('trained_from'), 'step': prev.get('step'),
                      'recipe': prev.get('recipe')}],
          prev.get('total_steps', prev.get('step')))


D_KEYS = ('d_norm', 'd_features', 'd_features_width')


def export(run_dir: str, out_dir: str, d_from: Optional[str] = None) -> str:
  """Copies a run's generator (its EMA copy when the run kept one) + discriminator
  into a lean export folder.

  float16 when that changes G's and D's outputs by at most ckpt.FP16_RTOL. The
  config records the run's recipe and, for a warm-started run, the stages before
  it (`lineage`) and the steps of all stages together (`total_steps`).

  With d_from (an export or run of the same width), D is that folder's instead of
  the run's: inpainting uses D only as a prior on G(z) and on the composite, so a G
  trained against a costly D (e.g. a projected one, which runs the GoogLeNet stem on
  every inpainting iteration) can ship with a cheap pixel D. The config names it
  (`d_from`).
  """
  g, d, saved = load_gan(run_dir)  # G is the run's EMA copy when it kept one.
  cfg = _run_config(saved)
  d_note = None
  if d_from:
    _, d, d_saved = load_gan(d_from)
    if d_saved.get('width', 1.0) != cfg.width:
      raise ckpt.CheckpointError(f'--export_d_from={d_from!r}: its D has width '
                                 f'{d_saved.get("width", 1.0):g}, the run {cfg.width:g}')
    cfg = dataclasses.replace(cfg, **{k: v for k, v in vars(_run_config(d_saved)).items()
                                      if k in D_KEYS})
    d_note = {k: d_saved.get(k) for k in ('trained_from', 'step', 'total_steps')}
    d_note['folder'] = os.path.basename(os.path.normpath(d_from))
  ema_used = cfg.ema_decay > 0
  latest = tf.train.latest_checkpoint(os.path.join(run_dir, 'ckpt'))
  step = int(latest.rsplit('-', 1)[1]) if latest else None
  conf = {**arch_config(cfg), 'step': step, 'trained_from': os.path.basename(run_dir),
          'batch_size': saved.get('batch_size'), 'ema_used': ema_used,
          'recipe': {k: saved.get(k) for k in ('diffaug', 'ema_decay', 'learning_rate',
                                               'd_learning_rate', 'compute_dtype', 'split')}}
  lineage, before = _lineage(saved)
  if lineage:
    conf['lineage'] = lineage
    if step is not None and isinstance(before, int):
      conf['total_steps'] = step + before
  if d_note:
    conf['d_from'] = d_note
  z = dcgan.sample_z(0, 16, cfg.z_dim)
  models = {'generator': g, 'discriminator': d}
  probe = {'generator': z, 'discriminator': g(z, training=False).numpy()}
  check = ckpt.export_checked(
      out_dir, models, conf, probe,
      lambda: {'generator': build_generator(cfg),
               'discriminator': build_discriminator(cfg)})
  print(f'exported G{" (EMA)" if ema_used else ""} + D{" of " + d_from if d_from else ""} as '
        f'{check["dtype"]} (largest relative output change in float16: '
        f'{check["max_rel_diff"]:.2e})')
  return os.path.join(out_dir, ckpt.WEIGHTS)


def load_gan(folder: Optional[str] = None):
  """G and D of a run or export folder (default: the shipped one); networks.load.

  Returns:
    (generator, discriminator, config dict).
  """
  loaded = networks.load(folder or SHIPPED, 'dcgan')
  return loaded.models['generator'], loaded.models['discriminator'], loaded.config


def shipped_available() -> bool:
  return os.path.exists(os.path.join(SHIPPED, ckpt.WEIGHTS))


def sample(cfg: Config, n_grids: int = 1) -> str:
  """Writes sample grids from a trained generator (inference mode); prints timing.

  Returns:
    The folder holding the grids.
  """
  folder = resolve_run(cfg, cfg.load_model)
  if cfg.load_model is None and not shipped_available():
    raise ckpt.CheckpointError('no trained DCGAN is shipped yet in checkpoints/dcgan; '
                               'train one with --training or pass --load_model=<run>')
  g, _, saved = load_gan(folder)
  gen = tf.function(lambda z: g(z, training=False))
  rng = tf.random.Generator.from_seed(cfg.seed)
  out_dir = os.path.join(cfg.output_root, cfg.dataset, 'sample')
  gen(dcgan.sample_z(rng, cfg.sample_batch, saved.get('z_dim', cfg.z_dim)))  # Trace once.
  times = []
  for i in range(n_grids):
    z = dcgan.sample_z(rng, cfg.sample_batch, saved.get('z_dim', cfg.z_dim))
    t = time.time()
    x = gen(z).numpy()
    times.append(time.time() - t)
    path = imgs.save_grid(os.path.join(out_dir, f'sample_{i}.png'),
                          x)
    print(f'wrote {path}')
  print(f'average generation time: {1000 * np.mean(times) / cfg.sample_batch:.3f} ms per image '
        f'({1000 * np.mean(times):.1f} ms per batch of {cfg.sample_batch})', flush=True)
  return out_dir
