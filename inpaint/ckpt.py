"""Checkpoints: resumable training state and lean exported weights.

Two formats, both with a ``config.json`` beside the weights:

* a training run folder: ``tf.train.Checkpoint`` (step, models, optimizers) in a
  ``CheckpointManager``; TF writes the ``checkpoint`` index file last, so a crash
  mid-write leaves the previous checkpoint as the latest one;
* an export folder (what ``checkpoints/`` ships): ``weights.npz`` holding the
  inference variables only (no optimizer state), kernels as float16.
"""

import hashlib
import json
import os
import tempfile
import zipfile
from typing import Mapping, Optional

import keras
import numpy as np
import tensorflow as tf

CONFIG = 'config.json'
# The one place that knows where the shipped weights live: <repo>/checkpoints/<name>.
SHIPPED_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            'checkpoints')


def shipped(name: str) -> str:
  """The folder of a shipped model: 'dcgan', 'googlenet', 'encoder' or 'fd_reference'."""
  return os.path.join(SHIPPED_ROOT, name)

WEIGHTS = 'weights.npz'


def gan_runs(output_root: str = '.', dataset: str = 'cars') -> str:
  """<output_root>/<dataset>/model: where DCGAN training runs go, as in the original."""
  return os.path.join(output_root, dataset, 'model')


def resolve_gan(name: Optional[str], dataset: str = 'cars', output_root: str = '.') -> str:
  """A --load_model value -> a DCGAN folder: None = the shipped one; else a path, or a
  run name under gan_runs().

  Raises:
    CheckpointError: neither exists.
  """
  if name is None:
    return shipped('dcgan')
  runs = gan_runs(output_root, dataset)
  for cand in (name, os.path.join(runs, name)):
    if os.path.isdir(cand):
      return cand
  raise CheckpointError(f'--load_model={name!r}: no such run (looked in {name!r} and '
                        f'{os.path.join(runs, name)!r})')


def fingerprint(folder: str) -> str:
  """A short content hash of a model folder's weights (exported weights.npz, or the newest
  training checkpoint), so that cached results can tell two models apart that share a path."""
  path = os.path.join(folder, WEIGHTS)
  if not os.path.exists(path):
    prefix = tf.train.latest_checkpoint(folder)
    if prefix is None:
      return 'missing'
    path = prefix + '.index'
  digest = hashlib.sha256()
  with open(path, 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
      digest.update(block)
  return digest.hexdigest()[:16]
# Config keys that decide the architecture; a mismatch makes weights unloadable.
ARCH_KEYS = ('arch', 'width', 'img_size', 'z_dim', 'n_class', 'd_norm',
              'd_features', 'd_features_width')
# Relative error allowed on any model output after the float16 round trip.
FP16_RTOL = 2e-2


class CheckpointError(ValueError):
  """A checkpoint is missing or does not fit the model; the message says why."""


def _atomic_write(path: str, write_fn, mode='w'):
  """Writes via a temp file in the same folder, then renames over `path`."""
  folder = os.path.dirname(os.path.abspath(path))
  os.makedirs(folder, exist_ok=True)
  fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_')
  try:
    with os.fdopen(fd, mode) as f:
      write_fn(f)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; these are meant to be shared.
    os.replace(tmp, path)
  except BaseException:
    if os.path.exists(tmp):
      os.remove(tmp)
    raise


def write_config(folder: str, config: Mapping) -> None:
  _atomic_write(os.path.join(folder, CONFIG),
                lambda f: json.dump(dict(config), f, indent=2, sort_keys=True))


def read_config(folder: str) -> dict:
  path = os.path.join(folder, CONFIG)
  if not os.path.exists(path):
    raise CheckpointError(f'no {CONFIG} in {folder!r}: not a checkpoint folder')
  try:
    with open(path) as f:
      config = json.load(f)
  except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
    raise CheckpointError(f'{path}: unreadable ({e})') from None
  if not isinstance(config, dict):
    raise CheckpointError(f'{path}: not a config (a JSON object was expected)')
  return config


# What a damaged .npz or TF checkpoint raises when read.
_READ_ERRORS = (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError, tf.errors.OpError)


def check_config(saved: Mapping, wanted: Mapping, folder: str) -> None:
  """Raises CheckpointError listing every architecture key that differs."""
  diffs = [f'{k}: checkpoint has {saved.get(k)!r}, model wants {wanted[k]!r}'
           for k in ARCH_KEYS if k in wanted and k in saved and saved[k] != wanted[k]]
  if diffs:
    raise CheckpointError(f'checkpoint {folder!r} does not fit: ' + '; '.join(diffs))


def check_resumable(saved: Mapping, wanted: Mapping, folder: str) -> None:
  """check_config for a training run to resume; also refuses a run trained on images
  stored with red and blue swapped (channel_order 'bgr'), which true-colour data would
  continue on other colours. Its exports load (networks.load converts them)."""
  if saved.get('channel_order', 'rgb') != 'rgb':
    raise CheckpointError(f'{folder!r} was trained on images with red and blue swapped; '
                          'it cannot resume on true-colour data: export it and start a new '
                          'run from the export (--init_from)')
  check_config(saved, wanted, folder)


def _var_key(model_name: str, var) -> str:
  return f'{model_name}/{var.path}'


def export_weights(folder: str, models: Mapping[str, keras.Model], config: Mapping,
                   fp16: bool = True) -> str:
  """Saves every model variable (weights + BN statistics, no optimizer state).

  Kernels and biases are stored as float16 when `fp16`; batch-norm parameters
  and statistics stay float32 (they are tiny, and variances can be small).

  Returns:
    The path of the written weights file.
  """
  arrays = {}
  for name, model in models.items():
    for v in model.weights:
      a = np.asarray(v.numpy(), np.float32)
      if fp16 and 'batchnorm' not in v.path and '_bn' not in v.path:
        a = a.astype(np.float16)
      arrays[_var_key(name, v)] = a
  path = os.path.join(folder, WEIGHTS)
  _atomic_write(path, lambda f: np.savez(f, **arrays), mode='wb')
  write_config(folder, config)
  return path


def import_weights(folder: str, models: Mapping[str, keras.Model],
                   wanted: Optional[Mapping] = None) -> dict:
  """Loads `export_weights` output into `models` (same names, same shapes).

  Returns:
    The saved config.

  Raises:
    CheckpointError: missing files, config mismatch, missing or misshapen variables.
  """
  config = read_config(folder)
  if wanted:
    check_config(config, wanted, folder)
  path = os.path.join(folder, WEIGHTS)
  if not os.path.exists(path):
    raise CheckpointError(f'no {WEIGHTS} in {folder!r}')
  try:
    with np.load(path) as data:
      for name, model in models.items():
        for v in model.weights:
          key = _var_key(name, v)
          if key not in data:
            raise CheckpointError(f'{path} lacks variable {key}: weights of another model?')
          a = data[key]
          if tuple(a.shape) != tuple(v.shape):
            raise CheckpointError(f'{path}: {key} has shape {a.shape}, the model wants '
                                  f'{tuple(v.shape)}')
          v.assign(a.astype(np.float32))
  except _READ_ERRORS as e:
    raise CheckpointError(f'{path}: unreadable or truncated ({type(e).__name__}: '
                          f'{str(e).splitlines()[0] if str(e) else ""})') from None
  return config


class TrainState:
  """Step counter + models + optimizers in one resumable tf.train.Checkpoint."""

  def __init__(self, folder: str, max_to_keep: int = 3, save_folder: Optional[str] = None,
               **objects):
    """Restores from folder/ckpt; saves there too, or to save_folder/ckpt when given
    (a multi-worker run's non-chief workers save to a scratch folder)."""
    self.folder = folder
    self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name='step')
    self.checkpoint = tf.train.Checkpoint(step=self.step, **objects)
    self.manager = tf.train.CheckpointManager(
        self.checkpoint, os.path.join(save_folder or folder, 'ckpt'), max_to_keep=max_to_keep)

  def restore(self) -> bool:
    """Restores the latest checkpoint if there is one; True when restored."""
    latest = tf.train.latest_checkpoint(os.path.join(self.folder, 'ckpt'))
    if latest is None:
      return False
    _restore(self.checkpoint, latest)
    return True

  def save(self) -> str:
    return self.manager.save(checkpoint_number=int(self.step.numpy()))


def restore_models(folder: str, wanted: Optional[Mapping] = None,
                   **models: keras.Model) -> dict:
  """Loads models from an export folder or from a training run folder.

  Returns:
    The saved config.
  """
  if not os.path.isdir(folder):
    raise CheckpointError(f'checkpoint folder {folder!r} does not exist')
  if os.path.exists(os.path.join(folder, WEIGHTS)):
    return import_weights(folder, models, wanted)
  config = read_config(folder)
  if wanted:
    check_config(config, wanted, folder)
  latest = tf.train.latest_checkpoint(os.path.join(folder, 'ckpt'))
  if latest is None:
    raise CheckpointError(f'no weights in {folder!r} (neither {WEIGHTS} nor ckpt/)')
  _restore(tf.train.Checkpoint(**models), latest)
  return config


def _restore(checkpoint: tf.train.Checkpoint, path: str) -> None:
  """checkpoint.restore(path), with a damaged or foreign file as one CheckpointError."""
  try:
    checkpoint.restore(path).expect_partial()
  except (*_READ_ERRORS, AssertionError) as e:
    raise CheckpointError(f'{path}: unreadable, truncated or of another model '
                          f'({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""})'
                          ) from None


def export_checked(folder: str, models: Mapping[str, keras.Model], config: Mapping,
                   probe: Mapping[str, np.ndarray], build_copy) -> dict:
  """Exports in float16 when that changes no output beyond FP16_RTOL, else float32.

  Args:
    folder: export folder.
    models: {name: model} to save.
    config: the config to write.
    probe: {name: input batch} to compare outputs on.
    build_copy: () -> {name: fresh model of the same architecture}.

  Returns:
    {'dtype': 'float16' | 'float32', 'max_rel_diff': float}: the largest output
    difference of the float16 copy, relative to the output's scale.
  """
  export_weights(folder, models, config, fp16=True)
  copies = build_copy()
  import_weights(folder, copies)
  worst = 0.0
  for name, x in probe.items():
    a = np.asarray(models[name](x, training=False))
    b = np.asarray(copies[name](x, training=False))
    worst = max(worst, float(np.max(np.abs(a - b)) / (np.max(np.abs(a)) + 1e-6)))
  if worst > FP16_RTOL:
    export_weights(folder, models, config, fp16=False)
  return {'dtype': 'float16' if worst <= FP16_RTOL else 'float32', 'max_rel_diff': worst}


def latest_run(root: str) -> Optional[str]:
  """The newest run folder under root (run folders are named by their start time) that
  holds a training checkpoint, or None."""
  if not os.path.isdir(root):
    return None
  runs = sorted(d for d in os.listdir(root)
                if tf.train.latest_checkpoint(os.path.join(root, d, 'ckpt')))
  return os.path.join(root, runs[-1]) if runs else None


def eta(seconds: float) -> str:
  """A duration for a progress line: 1h05m, or 4m09s under an hour."""
  s = int(max(0, seconds))
  return f'{s // 3600}h{s % 3600 // 60:02d}m' if s >= 3600 else f'{s // 60}m{s % 60:02d}s'
