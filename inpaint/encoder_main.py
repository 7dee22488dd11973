"""`python -m inpaint.encoder_main`: train the encoder that starts the latent search.

Run bare, it trains (resuming the newest run under --save_dir) and exports the finished
run to <run>/export; `--flagfile=inpaint/recipes/encoder.flags` is the shipped recipe.
`--export_dir` exports a run (--load) to a folder such as checkpoints/encoder;
`--savedmodel_dir` writes the one-pass fill as a SavedModel for TF Serving. This file only turns flags into a Config and calls
inpaint.encoder_train.
"""

from absl import flags

from inpaint import cli
from inpaint import encoder_train

FLAGS = flags.FLAGS
_D = encoder_train.Config()
flags.DEFINE_string('data_dir', _D.data_dir, 'Stanford Cars folder (default $CARS_DATA_DIR, '
                    'then ./data/stanford_cars).')
flags.DEFINE_string('split', _D.split, 'Images to train on: train | all (never val, which '
                    'judges the fills).')
flags.DEFINE_integer('limit', _D.limit, 'Use at most this many images (smoke runs).')
flags.DEFINE_string('generator', _D.generator, 'DCGAN export or run the encoder serves '
                    '(default: the shipped checkpoints/dcgan); it stays frozen.')
flags.DEFINE_float('width', _D.width, 'Channel width multiplier of the encoder (1.0 = the '
                   'DCGAN discriminator\'s widths).')
flags.DEFINE_integer('batch_size', _D.batch_size, 'Images per step, half real, half generated.')
flags.DEFINE_float('learning_rate', _D.learning_rate, 'Adam\'s learning rate (cosine decay to '
                   '0 over --iters).')
flags.DEFINE_integer('iters', _D.iters, 'Training steps.')
flags.DEFINE_float('z_loss', _D.z_loss, 'Weight of the code loss on generated images.')
flags.DEFINE_integer('print_freq', _D.print_freq, 'Print the losses every this many steps.')
flags.DEFINE_integer('save_freq', _D.save_freq, 'Save a checkpoint every this many steps.')
flags.DEFINE_integer('seed', _D.seed, 'Seed of the images, codes and masks of every step.')
flags.DEFINE_string('save_dir', _D.save_dir, f'Where new runs go (default '
                    f'./{encoder_train.DEFAULT_SAVE_DIR}).')
flags.DEFINE_string('load', _D.load, 'Run folder to resume (default: the newest under --save_dir).')
flags.DEFINE_float('max_minutes', _D.max_minutes, 'Stop, saved, after this many minutes (0 = '
                   'no limit); run again to resume.')
flags.DEFINE_string('export_dir', None, 'Export --load\'s newest checkpoint here (float16 '
                    'when lossless, no optimizer state), e.g. checkpoints/encoder.')
flags.DEFINE_string('savedmodel_dir', None, 'Write the one-pass fill (the encoder of --load, '
                    'default the shipped one, with --generator) as a TensorFlow SavedModel '
                    'here: uint8 image and mask in, uint8 completed image out.')


def run():
  cfg = cli.from_flags(encoder_train.Config)
  if FLAGS.savedmodel_dir:
    cli.writable_dir(FLAGS.savedmodel_dir, 'savedmodel_dir')
    print(f'wrote {encoder_train.export_savedmodel(cfg, FLAGS.savedmodel_dir)}')
    return
  if FLAGS.export_dir:
    if not cfg.load:
      raise cli.UsageError('--export_dir needs --load=<run>')
    cli.writable_dir(FLAGS.export_dir, 'export_dir')
    print(f'wrote {encoder_train.export(cfg.load, FLAGS.export_dir)}')
    return
  if cfg.load is None:
    cfg.load = encoder_train.latest_run(cfg.save_dir)
    if cfg.load:
      print(f'resuming {cfg.load} (pass --save_dir=<new folder> to start afresh)', flush=True)
  encoder_train.train(cfg)


if __name__ == '__main__':
  cli.start(run)
