"""Helpers shared by the command-line entry points."""

import dataclasses
import os
import sys

from absl import logging

from inpaint import checks
from inpaint import ckpt
from inpaint import data
from inpaint import distribute



class UsageError(ValueError):
  """A bad flag value; the message names it and the valid choices."""


# What a user can get wrong: flags, data, checkpoints, files. Each ends the
# command with one line and exit code 2 instead of a traceback.
USER_ERRORS = (UsageError, data.DataError, ckpt.CheckpointError, OSError)


def run_guarded(fn, *args, **kwargs):
  """Calls fn; user errors become one line on stderr and a non-zero exit code:
  1 for an unusable checkpoint or export, 2 for everything else (flags, data, files).

  Set INPAINT_DEBUG=1 to see the traceback instead.
  """
  try:
    return fn(*args, **kwargs)
  except USER_ERRORS as e:
    if os.environ.get('INPAINT_DEBUG'):
      raise
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    print(f'error: {msg}', file=sys.stderr, flush=True)
    sys.exit(1 if isinstance(e, ckpt.CheckpointError) else 2)


def writable_dir(path: str, flag: str) -> str:
  """Creates `path` if needed and checks that files can be written there, before any
  work starts.

  Raises:
    UsageError: naming the flag and what is wrong.
  """
  if os.path.exists(path) and not os.path.isdir(path):
    raise UsageError(f'--{flag}={path!r} is a file, not a folder')
  try:
    os.makedirs(path, exist_ok=True)
  except OSError as e:
    raise UsageError(f'--{flag}={path!r} cannot be created ({e.strerror})') from None
  if not os.access(path, os.W_OK | os.X_OK):
    raise UsageError(f'--{flag}={path!r} is not writable')
  return path


def require_positive(**values):
  """Flag values that must be > 0 (the wording is checks.check_positive's)."""
  for name, v in values.items():
    try:
      checks.check_positive(name, v)
    except checks.ConfigError as e:
      raise flag_error(e) from None


def require_choice(name, value, choices):
  try:
    checks.check_choice(name, value, choices)
  except checks.ConfigError as e:
    raise flag_error(e) from None


def flag_error(e: checks.ConfigError) -> UsageError:
  """A library ConfigError in flag wording: the field is the flag of the same name."""
  value = repr(e.value) if isinstance(e.value, str) else e.value
  return UsageError(f'--{e.field}={value} {e.reason}')


def from_flags(cls, validate: bool = True, **given):
  """A config dataclass whose fields take the values of the flags of the same names
  (fields without a flag keep their defaults; `given` fields override), validated once
  by its own validate(); a bad value ends the command as a UsageError naming the flag."""
  from absl import flags  # pylint: disable=import-outside-toplevel
  values = {f.name: flags.FLAGS[f.name].value for f in dataclasses.fields(cls)
            if f.name in flags.FLAGS and f.name not in given}
  cfg = cls(**values, **given)
  if validate:
    try:
      cfg.validate()
    except checks.ConfigError as e:
      raise flag_error(e) from None
  return cfg


def define_strategy_flags():
  """--strategy and --cpu_devices, for the entry points that can run distributed."""
  from absl import flags  # pylint: disable=import-outside-toplevel
  flags.DEFINE_string('strategy', 'default', 'default (one device) | mirrored (all local GPUs, '
                      'else all logical CPUs) | multi_worker (hosts from TF_CONFIG).')
  flags.DEFINE_integer('cpu_devices', 0, 'Split the CPU into this many logical devices, e.g. '
                       f'to try --strategy=mirrored without GPUs (default ${distribute.CPU_DEVICES_ENV}).')


def define_gpu_flag():
  """--gpu_index, the seed's flag: which GPU the job runs on."""
  from absl import flags  # pylint: disable=import-outside-toplevel
  flags.DEFINE_integer('gpu_index', 0, 'The GPU to run on (0 = the first); on a machine '
                       'without a GPU, 0 runs on the CPU.')


def select_gpu(index: int) -> None:
  """Makes GPU `index` the only visible one (before any TensorFlow work); without GPUs,
  index 0 means the CPU.

  Raises:
    UsageError: no such GPU.
  """
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  gpus = tf.config.list_physical_devices('GPU')
  if not gpus and index == 0:
    return
  if not 0 <= index < len(gpus):
    raise UsageError(f'--gpu_index={index}: this machine has {len(gpus)} GPU(s)')
  tf.config.set_visible_devices(gpus[index], 'GPU')


def make_strategy(name: str, cpu_devices: int = 0):
  """distribute.make with flag errors as UsageError; call before any TensorFlow work."""
  require_choice('strategy', name, distribute.STRATEGIES)
  if cpu_devices < 0:
    raise UsageError(f'--cpu_devices={cpu_devices} must not be negative')
  try:
    return distribute.make(name, cpu_devices)
  except ValueError as e:
    raise UsageError(str(e)) from None


def start(run):
  """The whole body of an entry point: parse flags with absl, then run_guarded(run)."""
  from absl import app  # pylint: disable=import-outside-toplevel

  def main(argv):
    if len(argv) > 1:
      raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
    # Warnings and errors only: TensorFlow logs an INFO line at every checkpoint
    # save; our progress lines are printed (and flushed) by the jobs themselves.
    logging.set_verbosity(logging.WARNING)
    run_guarded(run)

  app.run(main)
