"""`python -m inpaint.main`: train the DCGAN (--training) or sample from it.

Flags keep the original names and defaults; this file only builds a Config
and calls inpaint.train_gan.
"""

from absl import flags

from inpaint import cli
from inpaint import distribute
from inpaint import train_gan

FLAGS = flags.FLAGS
flags.DEFINE_integer('gpu_index', 0, 'Kept for compatibility; this port runs on CPU or the default device.')
flags.DEFINE_integer('batch_size', 64, 'Batch size for training.')
flags.DEFINE_string('dataset', 'cars', 'Dataset name; runs go to <dataset>/model/<YYYYmmdd-HHMM>.')
flags.DEFINE_bool('training', False, 'Train the DCGAN (else write sample grids).')
flags.DEFINE_float('learning_rate', 2e-4, 'Adam learning rate.')
flags.DEFINE_float('beta1', 0.5, 'Adam beta1.')
flags.DEFINE_integer('z_dim', 100, 'Latent size.')
flags.DEFINE_integer('iters', 200000, 'Number of training steps.')
flags.DEFINE_integer('print_freq', 100, 'Print losses every this many steps.')
flags.DEFINE_integer('save_freq', 10000, 'Save a checkpoint every this many steps.')
flags.DEFINE_integer('sample_freq', 500, 'Write a sample grid every this many steps.')
flags.DEFINE_integer('sample_batch', 64, 'Images per sample grid.')
flags.DEFINE_string('load_model', None, 'Run to resume or sample from: a name under '
                    '<dataset>/model/ (e.g. 20180101-1200) or a folder; default for '
                    'sampling: the shipped checkpoints/dcgan.')
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR, then '
                    './data/stanford_cars).')
flags.DEFINE_integer('img_size', 64, 'Image side in pixels (a multiple of 16).')
flags.DEFINE_float('width', 1.0, 'Channel width multiplier (1.0 = the original widths).')
flags.DEFINE_integer('seed', 0, 'Random seed.')
flags.DEFINE_string('split', 'train', 'Which images to train on: train | val | all (val is kept for evaluating inpainting).')
flags.DEFINE_integer('limit', None, 'Use at most this many images (smoke runs).')
flags.DEFINE_string('diffaug', '', 'DiffAugment operations applied to real and generated '
                    'images before D (comma list of color, translation, cutout; empty = off, '
                    'as the seed).')
flags.DEFINE_float('ema_decay', 0.0, 'Keep an exponential moving average of G\'s weights with '
                   'this decay (e.g. 0.999) and sample / export from it; 0 = off, as the seed.')
flags.DEFINE_float('d_learning_rate', None, 'Discriminator learning rate (two time-scale '
                   'update rule); default: --learning_rate.')
flags.DEFINE_float('mode_seeking', 0.0, 'Weight of the mode-seeking loss on G (Mao et al. '
                   '2019: pairs of latents should give different images); 0 = off, as the seed.')
flags.DEFINE_float('consistency', 0.0, 'Weight of balanced consistency regularization on D '
                   '(Zhao et al. 2020: D\'s logit should not change under augmentation); 0 = off.')
flags.DEFINE_bool('joint_d_batch', False, 'Call D once on real and generated images together '
                  '(shared batch-norm statistics), so a G with too little variety shows; the '
                  'seed calls D on each alone.')
flags.DEFINE_string('d_norm', 'batch', 'Discriminator normalization: batch (the seed\'s) or '
                    'spectral (spectral norm on every D layer, no batch norm; Miyato et al. 2018).')
flags.DEFINE_integer('d_mbstd', 0, 'Group size of a minibatch standard deviation channel in '
                     'D (Karras et al. 2018: D sees how much a batch varies); 0 = none, as the seed.')
flags.DEFINE_integer('g_res', 0, 'Residual blocks (conv3x3-BN-ReLU-conv3x3) after each of G\'s '
                     'upsamplings h1-h3; 0 = none, as the seed. --init_from a G with fewer adds '
                     'them as identities.')
flags.DEFINE_string('d_features', '', 'Projected D (Sauer et al. 2021): comma-separated layers '
                    'of a frozen GoogLeNet that D reads instead of pixels, e.g. '
                    'conv2_3x3,inception_3b; empty = the seed\'s D.')
flags.DEFINE_string('d_features_from', None, 'GoogLeNet export whose weights the projected D\'s '
                    'features take (default: the shipped classifier).')
flags.DEFINE_float('d_features_width', 1.0, 'Width of that GoogLeNet (the shipped one: 1.0).')
flags.DEFINE_string('compute_dtype', 'float32', 'float32 | mixed_bfloat16 (bf16 compute, '
                    'float32 variables).')
flags.DEFINE_bool('jit_compile', False, 'Compile the train step with XLA.')
flags.DEFINE_string('init_from', None, 'Start a new run from the G and D weights of this '
                    'export or run folder (e.g. checkpoints/dcgan); optimizers start fresh.')
flags.DEFINE_string('export_dir', None, 'Write the lean weights of --load_model (G + D, fp16, '
                    'no optimizer state) to this folder, e.g. checkpoints/dcgan.')
flags.DEFINE_string('export_d_from', None, 'With --export_dir: take D from this export or run '
                    '(same width) instead of --load_model, e.g. a pixel D for a G trained '
                    'against a projected one (inpainting then runs at pixel-D speed).')
flags.DEFINE_float('max_minutes', 0.0, 'Stop with a checkpoint and a snapshot after this many '
                   'minutes of this invocation (0 = no limit); resume with --load_model.')
cli.define_strategy_flags()


def config_from_flags() -> train_gan.Config:
  """The flags -> train_gan.Config, validated once."""
  return cli.from_flags(train_gan.Config)


def run():
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
