"""`python -m inpaint.main`: train the DCGAN (--training) or sample from it.

Flags keep the original names and defaults; this file only builds a Config
and calls inpaint.train_gan.
"""

from absl import flags

from inpaint import cli
from inpaint import distribute
from inpaint import train_gan

FLAGS = flags.FLAGS
# Flag defaults come from the trainer's config: one place for every default.
_D = train_gan.Config()
flags.DEFINE_integer('batch_size', _D.batch_size, 'Batch size for training.')
flags.DEFINE_string('dataset', _D.dataset, 'Dataset name; runs go to <dataset>/model/<YYYYmmdd-HHMM>.')
flags.DEFINE_bool('training', False, 'Train the DCGAN (else write sample grids).')
flags.DEFINE_float('learning_rate', _D.learning_rate, 'Adam learning rate.')
flags.DEFINE_float('beta1', _D.beta1, 'Adam beta1.')
flags.DEFINE_integer('z_dim', _D.z_dim, 'Latent size.')
flags.DEFINE_integer('iters', _D.iters, 'Number of training steps.')
flags.DEFINE_integer('print_freq', _D.print_freq, 'Print losses every this many steps.')
flags.DEFINE_integer('save_freq', _D.save_freq, 'Save a checkpoint every this many steps.')
flags.DEFINE_integer('sample_freq', _D.sample_freq, 'Write a sample grid every this many steps.')
flags.DEFINE_integer('sample_batch', _D.sample_batch, 'Images per sample grid.')
flags.DEFINE_string('load_model', _D.load_model, 'Run to resume or sample from: a name under '
                    '<dataset>/model/ (e.g. 20180101-1200) or a folder; default for '
                    'sampling: the shipped checkpoints/dcgan.')
flags.DEFINE_string('data_dir', _D.data_dir, 'Stanford Cars folder (default $CARS_DATA_DIR, then '
                    './data/stanford_cars).')
flags.DEFINE_integer('img_size', _D.img_size, 'Image side in pixels (a multiple of 16).')
flags.DEFINE_float('width', _D.width, 'Channel width multiplier (1.0 = the original widths).')
flags.DEFINE_integer('seed', _D.seed, 'Random seed.')
flags.DEFINE_string('split', _D.split, 'Which images to train on: train | val | all (val is kept for evaluating inpainting).')
flags.DEFINE_integer('limit', _D.limit, 'Use at most this many images (smoke runs).')
flags.DEFINE_string('diffaug', _D.diffaug, 'DiffAugment operations applied to real and generated '
                    'images before D (comma list of color, translation, cutout; empty = off, '
                    'as the seed).')
flags.DEFINE_float('ema_decay', _D.ema_decay, 'Keep an exponential moving average of G\'s weights with '
                   'this decay (e.g. 0.999) and sample / export from it; 0 = off, as the seed.')
flags.DEFINE_float('d_learning_rate', _D.d_learning_rate, 'Discriminator learning rate (two time-scale '
                   'update rule); default: --learning_rate.')
flags.DEFINE_string('d_norm', _D.d_norm, 'Discriminator normalization: batch (the seed\'s) or '
                    'spectral (spectral norm on every D layer, no batch norm; Miyato et al. 2018).')
flags.DEFINE_string('d_features', _D.d_features, 'Projected D (Sauer et al. 2021): comma-separated layers '
                    'of a frozen GoogLeNet that D reads instead of pixels, e.g. '
                    'conv2_3x3,inception_3b; empty = the seed\'s D.')
flags.DEFINE_string('d_features_from', _D.d_features_from, 'GoogLeNet export whose weights the projected D\'s '
                    'features take (default: the shipped classifier).')
flags.DEFINE_float('d_features_width', _D.d_features_width, 'Width of that GoogLeNet (the shipped one: 1.0).')
flags.DEFINE_string('compute_dtype', _D.compute_dtype, 'float32 | bfloat16 (bf16 compute, '
                    'float32 variables).')
flags.DEFINE_bool('jit_compile', _D.jit_compile, 'Compile the train step with XLA.')
flags.DEFINE_string('init_from', _D.init_from, 'Start a new run from the G and D weights of this '
                    'export or run folder (e.g. checkpoints/dcgan); optimizers start fresh.')
flags.DEFINE_string('export_dir', None, 'Write the lean weights of --load_model (G + D, fp16, '
                    'no optimizer state) to this folder, e.g. checkpoints/dcgan.')
flags.DEFINE_string('export_d_from', None, 'With --export_dir: take D from this export or run '
                    '(same width) instead of --load_model, e.g. a pixel D for a G trained '
                    'against a projected one (inpainting then runs at pixel-D speed).')
flags.DEFINE_float('max_minutes', _D.max_minutes, 'Stop with a checkpoint and a snapshot after this many '
                   'minutes of this invocation (0 = no limit); resume with --load_model.')
cli.define_strategy_flags()
cli.define_gpu_flag()


def config_from_flags() -> train_gan.Config:
  """The flags -> train_gan.Config, validated once."""
  return cli.from_flags(train_gan.Config)


def run():
  cli.select_gpu(FLAGS.gpu_index)
  cfg = config_from_flags()
  strategy = cli.make_strategy(FLAGS.strategy, FLAGS.cpu_devices) if FLAGS.training else None
  if FLAGS.export_d_from and not FLAGS.export_dir:
    raise cli.UsageError('--export_d_from is an option of --export_dir')
  if FLAGS.export_dir:
    if not FLAGS.load_model:
      raise cli.UsageError('--export_dir needs --load_model=<run>')
    cli.writable_dir(FLAGS.export_dir, 'export_dir')
    path = train_gan.export(train_gan.resolve_run(cfg, FLAGS.load_model), FLAGS.export_dir,
                            d_from=FLAGS.export_d_from and train_gan.resolve_run(
                                cfg, FLAGS.export_d_from))
    print(f'wrote {path}')
  elif FLAGS.training:
    if not FLAGS.load_model:
      cli.writable_dir(train_gan.model_dir(cfg), 'dataset')
    run_dir = train_gan.train(cfg, strategy)
    if distribute.is_chief(strategy):
      print(f'checkpoints and samples in {run_dir}')
  else:
    train_gan.sample(cfg)


if __name__ == '__main__':
  cli.start(run)
