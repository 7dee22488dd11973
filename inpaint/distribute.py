"""tf.distribute for both trainers and the inpainting engine.

One pattern everywhere, so that a run gives the same numbers on any strategy:
every random draw (z, augmentation, mixing) happens once per step on the GLOBAL
batch, outside the replicas; each replica then takes its contiguous slice
(`local`) and scales its loss by local / global batch size, and the optimizer
sums the replicas' gradients. Batch norm is synchronized across replicas
(`sync_bn`), so batch statistics are those of the global batch, as on one device.
Under `multi_worker` every worker reads the same data with the same seed and keeps
its slice; only the chief writes checkpoints, exports and outputs.

Lives in inpaint/ beside ckpt and data, which googlenet/ already uses; it imports
only TensorFlow.
"""

import json
import os
import shutil
import tempfile
from typing import Optional

import keras
import tensorflow as tf

STRATEGIES = ('default', 'mirrored', 'multi_worker')
# Splits the CPU into this many logical devices (to try `mirrored` without GPUs).
CPU_DEVICES_ENV = 'INPAINT_CPU_DEVICES'


def split_cpu(n: int) -> None:
  """Makes n logical CPU devices; must run before TensorFlow's runtime starts.

  Raises:
    ValueError: when the runtime has already started with another split.
  """
  cpus = tf.config.list_physical_devices('CPU')
  try:
    tf.config.set_logical_device_configuration(
        cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    # A precaution: the logical devices share one inter-op thread pool, and a replica
    # waiting in a collective should not hold the only thread another one needs (e.g.
    # a job pinned to one core). Not shown to be needed: the one hang seen was the
    # engine's constant early-stop mask (engine.Inpainter._active).
    tf.config.threading.set_inter_op_parallelism_threads(max(2 * n, os.cpu_count() or 1))
  except RuntimeError:
    if len(tf.config.list_logical_devices('CPU')) != n:
      raise ValueError(f'cannot split the CPU into {n} devices: TensorFlow has already '
                       'started') from None


def make(name: str, cpu_devices: int = 0) -> tf.distribute.Strategy:
  """The strategy called `name` (STRATEGIES).

  Args:
    name: 'default' (one device), 'mirrored' (every local GPU, else every logical
      CPU), 'multi_worker' (cluster from TF_CONFIG).
    cpu_devices: when > 0, first split the CPU into this many logical devices
      (default: $INPAINT_CPU_DEVICES).

  Raises:
    ValueError: unknown name, or multi_worker without a usable TF_CONFIG.
  """
  if name not in STRATEGIES:
    raise ValueError(f'unknown strategy {name!r}; choose one of {", ".join(STRATEGIES)}')
  cpu_devices = cpu_devices or int(os.environ.get(CPU_DEVICES_ENV, '0') or 0)
  if cpu_devices > 1:
    split_cpu(cpu_devices)
  if name == 'default':
    return tf.distribute.get_strategy()
  if name == 'mirrored':
    gpus = tf.config.list_logical_devices('GPU')
    devices = [d.name for d in (gpus or tf.config.list_logical_devices('CPU'))]
    return tf.distribute.MirroredStrategy(devices)
  try:
    cluster = json.loads(os.environ.get('TF_CONFIG', '')).get('cluster')
  except ValueError:
    cluster = None
  if not cluster:
    raise ValueError('--strategy=multi_worker needs TF_CONFIG with a "cluster" and a '
                     '"task" (README, "Scale out")')
  return tf.distribute.MultiWorkerMirroredStrategy()


def replicas(strategy: Optional[tf.distribute.Strategy]) -> int:
  return strategy.num_replicas_in_sync if strategy is not None else 1


def sync_bn(strategy: Optional[tf.distribute.Strategy]) -> bool:
  """Whether batch norm must synchronize its statistics (more than one replica)."""
  return replicas(strategy) > 1


def sync_batch_norm(*models) -> None:
  """Makes every batch-norm layer of the models average its batch statistics over
  all replicas (read at call time, so built models can be switched)."""
  for model in models:
    for layer in model.layers:
      if isinstance(layer, keras.layers.BatchNormalization):
        layer.synchronized = True


def is_chief(strategy: Optional[tf.distribute.Strategy]) -> bool:
  """True except on the non-chief workers of a multi-worker cluster."""
  resolver = getattr(strategy, 'cluster_resolver', None)
  if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    return True
  kind, index = resolver.task_type, resolver.task_id
  has_chief = 'chief' in resolver.cluster_spec().as_dict()
  return kind in (None, 'chief') or (kind == 'worker' and index == 0 and not has_chief)


def write_dir(strategy, folder: str) -> str:
  """Where this worker writes `folder`: itself on the chief, a temporary folder
  elsewhere (every worker must take part in a save; only the chief's is kept)."""
  if is_chief(strategy):
    return folder
  return tempfile.mkdtemp(prefix='worker_')


def drop_write_dir(strategy, folder: str) -> None:
  if not is_chief(strategy):
    shutil.rmtree(folder, ignore_errors=True)


def local(t: tf.Tensor) -> tf.Tensor:
  """Inside a replica: this replica's contiguous slice of a global-batch tensor."""
  ctx = tf.distribute.get_replica_context()
  n = ctx.num_replicas_in_sync
  if n == 1:
    return t
  size = tf.shape(t)[0] // n
  return t[ctx.replica_id_in_sync_group * size:(ctx.replica_id_in_sync_group + 1) * size]


def check_batch(strategy, batch: int, flag: str) -> None:
  """Raises ValueError unless the global batch splits evenly over the replicas."""
  n = replicas(strategy)
  if batch % n:
    raise ValueError(f'--{flag}={batch} does not split over {n} replicas; use a multiple of {n}')
