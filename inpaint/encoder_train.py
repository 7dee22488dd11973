"""Training and export of the encoder E (inpaint.encoder) against a frozen generator.

Each batch is half train-split cars (flipped at random), half G's own samples G(z), each
image under a mask drawn from masks.generate.TRAINING_KINDS. The loss is

  mean |G(E(y * M, M)) - y|  (over the whole image: the train images are complete)
  + z_loss * mean |E(G(z) * M, M) - z|  (on G's samples, where the code is known).

Everything a step draws (images, flips, codes, masks) is seeded by (seed, step), so a
resumed run continues exactly as an uninterrupted one would.
"""

import csv
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
from inpaint import encoder as enc
from inpaint import networks
from inpaint import serving
from inpaint import tb
from masks import generate as mgen

DEFAULT_SAVE_DIR = 'encoder_runs'
# The loss curve of a run (step, minutes trained, the losses averaged since the last line),
# one row per progress line, beside its checkpoints.
CURVE = 'curve.csv'
CURVE_COLUMNS = ('step', 'minutes', 'loss', 'image_l1', 'z_l1')


@dataclasses.dataclass
class Config:
  """Flags of `python -m inpaint.encoder_main` (the shipped recipe:
  inpaint/recipes/encoder.flags)."""
  data_dir: Optional[str] = None
  split: str = 'train'
  limit: Optional[int] = None  # Use at most this many images (tests, smoke runs).
  generator: Optional[str] = None  # DCGAN export or run (default: the shipped one).
  width: float = 0.5
  batch_size: int = 64  # Half real cars, half G's samples.
  learning_rate: float = 5e-4  # Adam's, decayed to 0 over iters by a cosine.
  iters: int = 20000
  z_loss: float = 0.1
  print_freq: int = 100
  save_freq: int = 500
  seed: int = 0
  save_dir: Optional[str] = None  # Where new runs go (default ./encoder_runs).
  load: Optional[str] = None  # A run folder to resume.
  # Stop with a checkpoint after this many minutes of this invocation (0 = no limit).
  max_minutes: float = 0.0

  def validate(self) -> None:
    """Raises checks.ConfigError naming the first field with a value it cannot take."""
    checks.positive(self, 'width', 'batch_size', 'learning_rate', 'iters', 'print_freq',
                    'save_freq')
    checks.non_negative(self, 'z_loss', 'max_minutes')
    checks.choice(self, 'split', ('train', 'all'))  # Never val: it judges the fills.
    if self.batch_size < 2 or self.batch_size % 2:
      raise checks.ConfigError('batch_size', self.batch_size, 'must be even (half real, half '
                               'generated)')


def arch_config(cfg: Config, generator: keras.Model) -> dict:
  return {'arch': enc.ARCH, 'width': cfg.width, 'img_size': int(generator.output_shape[1]),
          'z_dim': int(generator.input_shape[-1]),
          'generator_sha': enc.generator_hash(generator)}


class Trainer:
  """The encoder, its optimizer and the compiled train step; G stays frozen."""

  def __init__(self, cfg: Config, generator: keras.Model):
    self.cfg = cfg
    self.generator = generator
    self.generator.trainable = False
    self.size, self.z_dim = int(generator.output_shape[1]), int(generator.input_shape[-1])
    keras.utils.set_random_seed(cfg.seed)  # The initial weights too are the seed's.
    self.encoder = enc.build_encoder(self.size, self.z_dim, cfg.width)
    schedule = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, cfg.iters)
    self.optimizer = keras.optimizers.Adam(learning_rate=schedule)
    self.optimizer.build(self.encoder.trainable_variables)

  def batch(self, images: np.ndarray, step: int):
    """The batch of `step`, drawn from (seed, step): (real uint8 [B/2, S, S, 3], z of G's
    samples [B/2, z_dim], masks [B, S, S, 1])."""
    rng = np.random.default_rng([self.cfg.seed, step])
    half = self.cfg.batch_size // 2
    real = images[rng.integers(len(images), size=half)]
    flip = rng.random(half) < 0.5
    real = np.where(flip[:, None, None, None], real[:, :, ::-1], real)
    z = dcgan.sample_z(rng, half, self.z_dim)
    masks = mgen.training_masks(rng, self.cfg.batch_size, self.size)[..., None]
    return real, z, masks

  @tf.function
  def train_step(self, real, z, masks):
    """real uint8 [B/2, S, S, 3], z [B/2, z_dim], masks [B, S, S, 1] -> (loss, image L1,
    z L1)."""
    fake = self.generator(z, training=False)
    y = tf.concat([data.to_float(real), fake], axis=0)
    half = tf.shape(z)[0]
    with tf.GradientTape() as tape:
      code = self.encoder(enc.encoder_input(y, masks), training=True)
      g = self.generator(code, training=False)
      rec = tf.reduce_mean(tf.abs(g - y))
      zl = tf.reduce_mean(tf.abs(code[half:] - z))
      loss = rec + self.cfg.z_loss * zl
    grads = tape.gradient(loss, self.encoder.trainable_variables)
    self.optimizer.apply_gradients(zip(grads, self.encoder.trainable_variables))
    return loss, rec, zl


def _append_curve(path: str, row: dict) -> None:
  """Appends one row to a run's curve.csv (the header first), dropping rows at or past
  its step left by an interrupted invocation that resumed from an earlier checkpoint."""
  rows = [r for r in read_curve(path) if int(r['step']) < row['step']] + [row]
  with open(path + '.tmp', 'w', newline='') as f:
    w = csv.DictWriter(f, CURVE_COLUMNS)
    w.writeheader()
    w.writerows(rows)
  os.replace(path + '.tmp', path)


def read_curve(path: str):
  """The rows of a curve.csv ([] when there is none)."""
  if not os.path.exists(path):
    return []
  with open(path, newline='') as f:
    return list(csv.DictReader(f))


def latest_run(save_dir: Optional[str] = None) -> Optional[str]:
  """The newest run under save_dir (default DEFAULT_SAVE_DIR) with a checkpoint, or None."""
  return ckpt.latest_run(save_dir or DEFAULT_SAVE_DIR)


def train(cfg: Config, log=functools.partial(print, flush=True),
          stop_after: Optional[int] = None) -> str:
  """Trains (resuming cfg.load when given) until cfg.iters, cfg.max_minutes or
  `stop_after` steps of this call, saving every cfg.save_freq steps and at the end; a run
  that reached cfg.iters is exported to <run>/export.

  Returns:
    The run folder.

  Raises:
    ckpt.CheckpointError: the run to resume was trained against another generator or
      with another architecture.
  """
  cfg.validate()
  generator = networks.load(cfg.generator or ckpt.shipped('dcgan'), 'dcgan').models['generator']
  images, _ = data.load_arrays(cfg.data_dir, cfg.split, int(generator.output_shape[1]),
                               cfg.seed, cfg.limit)
  trainer = Trainer(cfg, generator)
  run_dir = cfg.load or os.path.join(cfg.save_dir or DEFAULT_SAVE_DIR, time.strftime('%Y%m%d-%H%M'))
  seconds = tf.Variable(0.0, dtype=tf.float64, trainable=False, name='seconds')
  state = ckpt.TrainState(run_dir, encoder=trainer.encoder, optimizer=trainer.optimizer,
                          seconds=seconds)
  arch = arch_config(cfg, generator)
  if cfg.load:
    saved = ckpt.read_config(run_dir)
    ckpt.check_config(saved, arch, run_dir)
    networks.check_generator(saved, arch['generator_sha'], run_dir)
    if not state.restore():
      raise ckpt.CheckpointError(f'no checkpoint to resume in {run_dir!r}')
  ckpt.write_config(run_dir, {**arch, **dataclasses.asdict(cfg)})
  step = int(state.step.numpy())
  log(f'{"continue" if step else "start"} training the encoder at step {step} of {cfg.iters} '
      f'in {run_dir} ({len(images)} images)')
  writer = tf.summary.create_file_writer(os.path.join(run_dir, 'logs'))
  t_start = t0 = time.time()
  printed, seconds0, first = step, float(seconds.numpy()), step
  sums = np.zeros(3)

  def save():
    seconds.assign(seconds0 + time.time() - t_start)
    state.save()

  while step < cfg.iters:
    try:
      out = trainer.train_step(*trainer.batch(images, step))
    except KeyboardInterrupt:
      save()
      log(f'interrupted at step {step}; checkpoint saved, resume with --load={run_dir}')
      raise SystemExit(130)
    sums += [float(v) for v in out]
    step += 1
    state.step.assign(step)
    out_of_time = (0 < cfg.max_minutes * 60 < time.time() - t_start or
                   (stop_after is not None and step - first >= stop_after))
    last = step == cfg.iters or out_of_time
    if step % cfg.print_freq == 0 or last:
      dt = (time.time() - t0) / (step - printed)
      loss, rec, zl = sums / (step - printed)
      log(f'step {step}/{cfg.iters} loss={loss:.4f} image_l1={rec:.4f} z_l1={zl:.4f} '
          f'sec_per_step={dt:.3f} eta={ckpt.eta((cfg.iters - step) * dt)}')
      tb.scalars(writer, step, {'encoder/loss': loss, 'encoder/image_l1': rec,
                                'encoder/z_l1': zl, 'encoder/sec_per_step': dt})
      _append_curve(os.path.join(run_dir, CURVE), {
          'step': step, 'minutes': round((seconds0 + time.time() - t_start) / 60, 2),
          'loss': round(loss, 5), 'image_l1': round(rec, 5), 'z_l1': round(zl, 5)})
      t0, printed, sums = time.time(), step, np.zeros(3)
    if step % cfg.save_freq == 0 or last:
      save()
    if out_of_time:
      log(f'stopped at step {step} (max_minutes={cfg.max_minutes:g}); resume with '
          f'--load={run_dir}')
      return run_dir
  log(f'trained to step {step} in {float(seconds.numpy()) / 60:.1f} min; '
      f'wrote {export(run_dir, os.path.join(run_dir, "export"))}')
  return run_dir


def load_run(run_dir: str):
  """(encoder, config) of a training run's newest checkpoint."""
  saved = ckpt.read_config(run_dir)
  encoder = enc.build_encoder(saved['img_size'], saved['z_dim'], saved['width'])
  ckpt.restore_models(run_dir, None, encoder=encoder)
  return encoder, saved


def export(run_dir: str, out_dir: str) -> str:
  """Writes a run's encoder (no optimizer state) to out_dir: float16 when that changes
  its codes by at most ckpt.FP16_RTOL. The config keeps the generator's hash, the steps
  and the minutes trained."""
  encoder, saved = load_run(run_dir)
  latest = tf.train.latest_checkpoint(os.path.join(run_dir, 'ckpt'))
  conf = {k: saved[k] for k in ('arch', 'width', 'img_size', 'z_dim', 'generator_sha')}
  conf.update(step=int(latest.rsplit('-', 1)[1]), trained_from=os.path.basename(
      os.path.normpath(run_dir)), recipe={k: saved.get(k) for k in (
          'batch_size', 'learning_rate', 'iters', 'z_loss', 'split', 'seed')})
  rng = np.random.default_rng(0)
  s = saved['img_size']
  probe = enc.encoder_input(rng.uniform(-1, 1, (8, s, s, 3)),
                            mgen.training_masks(rng, 8, s)).numpy()
  check = ckpt.export_checked(
      out_dir, {'encoder': encoder}, conf, {'encoder': probe},
      lambda: {'encoder': enc.build_encoder(s, saved['z_dim'], saved['width'])})
  print(f'exported the encoder as {check["dtype"]} (largest relative change of its codes in '
        f'float16: {check["max_rel_diff"]:.2e})', flush=True)
  return os.path.join(out_dir, ckpt.WEIGHTS)


def export_savedmodel(cfg: Config, folder: str) -> str:
  """The one-pass fill of cfg.generator (default: shipped) and the encoder of cfg.load
  (default: shipped) as a SavedModel in `folder` (inpaint.serving)."""
  generator = networks.load(cfg.generator or ckpt.shipped('dcgan'), 'dcgan').models['generator']
  return serving.export_one_pass(networks.load_encoder(generator, cfg.load), generator, folder)
