"""GoogLeNet training, evaluation and prediction on Stanford Cars."""

import dataclasses
import functools
import math
import os
import time
from typing import Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf

from googlenet import model as gmodel
from inpaint import checks
from inpaint import ckpt
from inpaint import data
from inpaint import distribute
from inpaint import networks
from inpaint import tb

AUX_WEIGHT = 0.3
SHIPPED = ckpt.shipped('googlenet')


@dataclasses.dataclass
class Config:
  """Flags of `python -m googlenet.train`, after conan7882's inception_cifar.py.

  The defaults are this project's recipe (one run from scratch: cosine decay with a
  warm-up, label smoothing, lighter dropout, CutMix); the original's settings are
  `lr_schedule='step', label_smoothing=0, keep_prob=0.4, bsize=128, maxepoch=100,
  mix='none', warmup_epochs=0` (googlenet/original.flags).
  """
  data_dir: Optional[str] = None
  split: str = 'train'
  eval_split: str = 'val'
  n_class: int = data.NUM_CLASSES
  img_size: int = 64
  width: float = 1.0
  lr: float = 1e-3
  bsize: int = 64
  keep_prob: float = 0.7
  maxepoch: int = 80
  weight_decay: float = 5e-4
  strong_augment: bool = True
  load: Optional[str] = None
  save_dir: Optional[str] = None
  seed: int = 0
  limit: Optional[int] = None  # Use at most this many images (tests, smoke runs).
  label_smoothing: float = 0.1
  lr_schedule: str = 'cosine'  # 'step' (the original's /10 at 30 and 50) or 'cosine'.
  warmup_epochs: int = 2  # Linear warm-up of the learning rate (cosine schedule only).
  mix: str = 'cutmix'  # 'none' | 'mixup' | 'cutmix' (Zhang et al. 2017; Yun et al. 2019).
  mix_alpha: float = 1.0  # Beta(alpha, alpha) of the mixing ratio.
  mix_prob: float = 0.5  # Share of batches that are mixed.

  def validate(self) -> None:
    """Raises checks.ConfigError naming the first field with a value it cannot take."""
    checks.positive(self, 'lr', 'bsize', 'maxepoch', 'n_class', 'img_size', 'width',
                    'mix_alpha')
    checks.non_negative(self, 'warmup_epochs', 'weight_decay')
    checks.within(self, 'mix_prob', 0.0, 1.0)
    if not 0 < self.keep_prob <= 1:
      raise checks.ConfigError('keep_prob', self.keep_prob, 'must be in (0, 1]')
    checks.choice(self, 'lr_schedule', LR_SCHEDULES)
    checks.choice(self, 'mix', MIXES)
    checks.choice(self, 'split', data.SPLITS)
    checks.choice(self, 'eval_split', data.SPLITS)


def arch_config(cfg: Config) -> dict:
  return {'arch': 'googlenet_bn', 'width': cfg.width, 'img_size': cfg.img_size,
          'n_class': cfg.n_class}


def lr_boundaries(maxepoch: int) -> Tuple[int, int]:
  """Epochs at which the learning rate drops 10x: 30 and 50, scaled below 60 epochs."""
  if maxepoch >= 60:
    return 30, 50
  return max(1, round(maxepoch * 30 / 60)), max(2, round(maxepoch * 50 / 60))


LR_SCHEDULES = ('step', 'cosine')
MIXES = ('none', 'mixup', 'cutmix')


def learning_rate(cfg: Config, epoch: int) -> float:
  """The learning rate of (0-based) `epoch`."""
  if cfg.lr_schedule == 'cosine':
    warm = getattr(cfg, 'warmup_epochs', 0)
    if epoch < warm:
      return cfg.lr * (epoch + 1) / (warm + 1)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * (epoch - warm) / max(1, cfg.maxepoch - warm)))
  b1, b2 = lr_boundaries(cfg.maxepoch)
  return cfg.lr * (0.01 if epoch >= b2 else 0.1 if epoch >= b1 else 1.0)


class Trainer:
  """Owns the model, the optimizer and the compiled train step."""

  def __init__(self, cfg: Config, strategy: Optional[tf.distribute.Strategy] = None):
    self.cfg = cfg
    self.strategy = strategy or tf.distribute.get_strategy()
    with self.strategy.scope():  # Weights and optimizer slots become mirrored variables.
      self.model = gmodel.build_googlenet(cfg.n_class, cfg.img_size, cfg.width,
                                          cfg.keep_prob, aux=True)
      if distribute.sync_bn(self.strategy):
        distribute.sync_batch_norm(self.model)
      self.optimizer = keras.optimizers.Adam(learning_rate=cfg.lr)
      self.optimizer.build(self.model.trainable_variables)
    self.kernels = [v for v in self.model.trainable_variables if 'kernel' in v.path]
    # Per image: each replica sums its images' losses and divides by the global batch.
    self.loss_fn = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=cfg.label_smoothing, reduction=None)
    # Outside the strategy: mixing is drawn once, on the global batch.
    self.rng = tf.random.Generator.from_seed(cfg.seed + 1)

  def _ce(self, targets, logits):
    """This replica's share of the global batch's mean cross-entropy."""
    n = tf.distribute.get_replica_context().num_replicas_in_sync
    return tf.reduce_mean(self.loss_fn(targets, logits)) / n

  def _beta(self, alpha):
    """One draw of Beta(alpha, alpha), from two gamma draws (seeded by self.rng)."""
    seeds = self.rng.make_seeds(2)
    a = tf.random.stateless_gamma([], seeds[:, 0], alpha)
    b = tf.random.stateless_gamma([], seeds[:, 1], alpha)
    return a / (a + b)

  def mix(self, images, targets):
    """MixUp or CutMix on a share cfg.mix_prob of batches.

    Args:
      images: [B, S, S, 3]; targets: one-hot [B, K].

    Returns:
      (images, targets) mixed with the batch reversed: targets weighted by the
      share of pixels (CutMix) or the blend ratio (MixUp) each image contributes.
    """
    cfg = self.cfg
    if cfg.mix == 'none':
      return images, targets
    lam = self._beta(cfg.mix_alpha)
    other, other_t = tf.reverse(images, [0]), tf.reverse(targets, [0])
    if cfg.mix == 'mixup':
      mixed = lam * images + (1 - lam) * other
    else:
      size = tf.cast(tf.shape(images)[1], tf.float32)
      cut = tf.sqrt(1.0 - lam) * size
      cy, cx = self.rng.uniform([], 0, size), self.rng.uniform([], 0, size)
      y0, y1 = tf.clip_by_value(cy - cut / 2, 0, size), tf.clip_by_value(cy + cut / 2, 0, size)
      x0, x1 = tf.clip_by_value(cx - cut / 2, 0, size), tf.clip_by_value(cx + cut / 2, 0, size)
      pos = tf.range(size)
      iny = tf.cast((pos >= tf.round(y0)) & (pos < tf.round(y1)), tf.float32)
      inx = tf.cast((pos >= tf.round(x0)) & (pos < tf.round(x1)), tf.float32)
      box = iny[:, None, None] * inx[None, :, None]  # [S, S, 1], 1 = from the other image.
      mixed = images * (1 - box) + other * box
      lam = 1.0 - tf.reduce_mean(box)
    use = self.rng.uniform([]) < cfg.mix_prob
    return (tf.where(use, mixed, images),
            tf.where(use, lam * targets + (1 - lam) * other_t, targets))

  @tf.function
  def train_step(self, images, labels):
    """images [B, S, S, 3] in [-1, 1], labels [B] int (the global batch) -> (loss, top1
    accuracy) of the batch."""
    targets = tf.one_hot(labels, self.cfg.n_class)
    images, targets = self.mix(images, targets)
    ce, acc = self.strategy.run(self._replica_step, args=(images, targets, labels))
    total = lambda v: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)
    return total(ce), total(acc)

  def _replica_step(self, images, targets, labels):
    images, targets, labels = (distribute.local(t) for t in (images, targets, labels))
    n = tf.distribute.get_replica_context().num_replicas_in_sync
    with tf.GradientTape() as tape:
      logits, aux1, aux2 = self.model(images, training=True)
      ce = self._ce(targets, logits)
      loss = ce + AUX_WEIGHT * (self._ce(targets, aux1) + self._ce(targets, aux2))
      # L2 weight decay as the TF1 original: wd * sum(w^2) / 2 (shared by the replicas).
      loss += self.cfg.weight_decay * tf.add_n([tf.nn.l2_loss(k) for k in self.kernels]) / n
    grads = tape.gradient(loss, self.model.trainable_variables)
    self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
    hits = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels), tf.float32)
    return ce, tf.reduce_mean(hits) / tf.cast(n, tf.float32)


DEFAULT_SAVE_DIR = 'googlenet_runs'


def _run_dir(cfg: Config) -> str:
  if cfg.load:
    return cfg.load
  root = cfg.save_dir or DEFAULT_SAVE_DIR
  return os.path.join(root, time.strftime('%Y%m%d-%H%M'))


def latest_run(save_dir: Optional[str] = None) -> Optional[str]:
  """The newest run under save_dir (default DEFAULT_SAVE_DIR) with a checkpoint, or None."""
  return ckpt.latest_run(save_dir or DEFAULT_SAVE_DIR)


def train(cfg: Config, strategy: Optional[tf.distribute.Strategy] = None) -> str:
  """Trains (resuming from cfg.load when given) and exports the inference weights.

  Args:
    cfg: the settings; cfg.bsize is the global batch.
    strategy: a tf.distribute strategy (inpaint.distribute.make); default: one device.
      Only the chief writes the run folder.

  Returns:
    The run folder; its `export/` subfolder holds the lean weights.
  """
  images, labels = data.load_arrays(cfg.data_dir, cfg.split, cfg.img_size, cfg.seed, cfg.limit)
  if (labels < 0).any():
    raise data.DataError('GoogLeNet training needs labelled images (class folders or devkit)')
  if labels.max() >= cfg.n_class:
    raise data.DataError(f'labels go up to {labels.max()}, but --n_class={cfg.n_class}')
  trainer = Trainer(cfg, strategy)
  chief = distribute.is_chief(trainer.strategy)
  batch = min(cfg.bsize, len(images))
  distribute.check_batch(trainer.strategy, batch, 'bsize')
  run_dir = _run_dir(cfg)
  scratch = distribute.write_dir(trainer.strategy, run_dir)
  state = ckpt.TrainState(run_dir, save_folder=scratch, model=trainer.model,
                          optimizer=trainer.optimizer, rng=trainer.rng)
  if cfg.load:
    saved = ckpt.read_config(run_dir)
    ckpt.check_resumable(saved, arch_config(cfg), run_dir)
    if not state.restore():
      raise ckpt.CheckpointError(f'no checkpoint to resume in {run_dir!r}')
  if chief:
    ckpt.write_config(run_dir, {**arch_config(cfg), **dataclasses.asdict(cfg)})
  say = functools.partial(print, flush=True) if chief else lambda *a, **k: None
  steps_per_epoch = max(1, len(images) // cfg.bsize)
  epoch = int(state.step.numpy())  # The step variable counts epochs here.
  say(f'{"continue" if epoch else "start"} training at epoch {epoch} of {cfg.maxepoch} in '
      f'{run_dir} ({len(images)} images, {steps_per_epoch} steps per epoch, '
      f'{distribute.replicas(trainer.strategy)} replica(s))')
  ds = iter(data.train_dataset(images, labels, batch, cfg.seed + epoch,
                               strong=cfg.strong_augment))
  writer = tf.summary.create_file_writer(os.path.join(scratch, 'logs'))
  while epoch < cfg.maxepoch:
    trainer.optimizer.learning_rate.assign(learning_rate(cfg, epoch))
    t0 = time.time()
    losses, accs = [], []
    for _ in range(steps_per_epoch):
      x, y = next(ds)
      loss, acc = trainer.train_step(x, y)
      losses.append(loss)  # Tensors: read once per epoch, not once per step.
      accs.append(acc)
    losses, accs = np.array(losses), np.array(accs)
    epoch += 1
    state.step.assign(epoch)
    state.save()
    dt = time.time() - t0
    tb.scalars(writer, epoch, {'train/loss': np.mean(losses), 'train/top1': np.mean(accs),
                               'train/seconds_per_epoch': dt})
    eta = int(dt * (cfg.maxepoch - epoch))
    say(f'epoch {epoch}/{cfg.maxepoch} loss={np.mean(losses):.4f} '
        f'train_top1={np.mean(accs):.4f} lr={learning_rate(cfg, epoch - 1):.2e} '
        f'time={dt:.1f}s eta={eta // 60}m{eta % 60:02d}s')
  distribute.drop_write_dir(trainer.strategy, scratch)
  if chief:
    export(trainer.model, cfg, os.path.join(run_dir, 'export'))
  return run_dir


def export(model: keras.Model, cfg: Config, folder: str) -> str:
  """Writes the inference graph's weights (no aux heads, no optimizer) + config.

  float16 when that changes the logits by at most ckpt.FP16_RTOL.
  """
  inference = build_inference(cfg)
  src = {l.name: l for l in model.layers}
  for layer in inference.layers:
    if layer.weights:
      layer.set_weights(src[layer.name].get_weights())
  x = np.random.default_rng(0).uniform(-1, 1, (8, cfg.img_size, cfg.img_size, 3)).astype(np.float32)
  check = ckpt.export_checked(folder, {'googlenet': inference},
                              arch_config(cfg),
                              {'googlenet': x}, lambda: {'googlenet': build_inference(cfg)})
  print(f'exported GoogLeNet as {check["dtype"]} (largest relative logit change in float16: '
        f'{check["max_rel_diff"]:.2e})', flush=True)
  return os.path.join(folder, ckpt.WEIGHTS)


def export_run(run_dir: str, out_dir: str) -> str:
  """Exports a training run's latest checkpoint (inference graph only) to out_dir."""
  return export(load_inference(run_dir), _saved_config(run_dir), out_dir)


def _saved_config(folder: str) -> Config:
  """The recipe's config with the architecture of a run or export folder."""
  saved = ckpt.read_config(folder)
  return dataclasses.replace(Config(), width=saved.get('width', 1.0),
                             img_size=saved.get('img_size', 64),
                             n_class=saved.get('n_class', data.NUM_CLASSES))


def build_inference(cfg: Config) -> keras.Model:
  return gmodel.build_googlenet(cfg.n_class, cfg.img_size, cfg.width, cfg.keep_prob, aux=False)


def load_inference(folder: Optional[str] = None) -> keras.Model:
  """The inference GoogLeNet of an export or training-run folder (default: the shipped
  one); networks.load."""
  return networks.load(folder or SHIPPED, 'googlenet').models['googlenet']


def predict_logits(net: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
  """uint8 [N, S, S, 3] -> float32 logits [N, n_class] (inference mode)."""
  fn = tf.function(lambda x: net(data.to_float(x), training=False))
  return np.concatenate([fn(images[i:i + batch_size]).numpy()
                         for i in range(0, len(images), batch_size)])


def topk(logits: np.ndarray, labels: np.ndarray, ks: Sequence[int] = (1, 5)):
  order = np.argsort(-logits, axis=1)
  return [float(np.mean((order[:, :k] == labels[:, None]).any(axis=1))) for k in ks]


def evaluate(cfg: Config) -> Tuple[float, float, int]:
  """Top-1 / top-5 accuracy of cfg.load (default: the shipped model) on cfg.eval_split."""
  net = load_inference(cfg.load)
  images, labels = data.load_arrays(cfg.data_dir, cfg.eval_split, net.input_shape[1],
                                    cfg.seed, cfg.limit)
  if (labels < 0).any():
    raise data.DataError('evaluation needs labelled images')
  top1, top5 = topk(predict_logits(net, images), labels)
  return top1, top5, len(labels)


def predict(cfg: Config, paths: Sequence[str]):
  """Returns [(path, class index, probability)] for image files."""
  net = load_inference(cfg.load)
  size = net.input_shape[1]
  rows, imgs = [], []
  for p in paths:
    img = data.load_image(p, size)
    if img is not None:
      rows.append(p)
      imgs.append(img)
  if not imgs:
    raise data.DataError('none of the given images could be read')
  probs = tf.nn.softmax(predict_logits(net, np.stack(imgs))).numpy()
  return [(p, int(np.argmax(pr)), float(np.max(pr))) for p, pr in zip(rows, probs)]
