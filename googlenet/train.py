"""`python -m googlenet.train`: train, evaluate or predict with GoogLeNet.

Flags after conan7882/GoogLeNet-Inception `inception_cifar.py`; their defaults
are this project's recipe, the original's are one flag away
(`--flagfile=googlenet/original.flags`). Run bare, it trains (resuming the newest
run under --save_dir) and then evaluates. This file only turns flags into a
Config and calls googlenet.train_lib.
"""

from absl import flags

from googlenet import train_lib
from inpaint import cli
from inpaint import data
from inpaint import distribute

FLAGS = flags.FLAGS
_D = train_lib.Config()  # Every default comes from the trainer's config.
cli.define_strategy_flags()
flags.DEFINE_bool('train', False, 'Train a model.')
flags.DEFINE_bool('eval', False, 'Evaluate: prints "top1=<float> top5=<float> n=<int>".')
flags.DEFINE_bool('predict', False, 'Predict the classes of --images.')
flags.DEFINE_string('load', None, 'Run or export folder to resume / evaluate '
                    '(default for --eval/--predict: the shipped checkpoints/googlenet).')
flags.DEFINE_float('lr', _D.lr, 'Initial (peak) learning rate of Adam.')
flags.DEFINE_integer('bsize', _D.bsize, 'Batch size (the original: 128).')
flags.DEFINE_float('keep_prob', _D.keep_prob, 'Dropout keep probability (the original: 0.4).')
flags.DEFINE_integer('maxepoch', _D.maxepoch, 'Number of training epochs (the original: 100).')
flags.DEFINE_string('data_dir', _D.data_dir, 'Stanford Cars folder (default $CARS_DATA_DIR, '
                    'then ./data/stanford_cars).')
flags.DEFINE_string('split', None, 'train | val | all (default: train for --train, '
                    'val for --eval).')
flags.DEFINE_integer('n_class', _D.n_class, 'Number of classes.')
flags.DEFINE_integer('img_size', _D.img_size, 'Input side in pixels.')
flags.DEFINE_float('width', _D.width, 'Channel width multiplier (1.0 = GoogLeNet).')
flags.DEFINE_string('save_dir', _D.save_dir, 'Where new runs go (default ./googlenet_runs).')
flags.DEFINE_list('images', [], 'Image files for --predict.')
flags.DEFINE_integer('limit', _D.limit, 'Use at most this many images (smoke runs).')
flags.DEFINE_float('label_smoothing', _D.label_smoothing, 'Label smoothing of the cross-entropy (the '
                   'original: 0).')
flags.DEFINE_string('lr_schedule', _D.lr_schedule, 'step: /10 at epochs 30 and 50 (scaled below 60 '
                    'epochs), as the original; cosine: linear warm-up, then cosine decay to 0 '
                    'at maxepoch.')
flags.DEFINE_integer('warmup_epochs', _D.warmup_epochs, 'Warm-up epochs of the cosine schedule.')
flags.DEFINE_string('mix', _D.mix, 'Batch mixing: none (the original) | mixup | cutmix.')
flags.DEFINE_float('mix_alpha', _D.mix_alpha, 'Beta(alpha, alpha) of the mixing ratio.')
flags.DEFINE_float('mix_prob', _D.mix_prob, 'Share of batches that are mixed.')
flags.DEFINE_string('export_dir', None, 'Write the inference weights of --load (fp16 when '
                    'lossless, no aux heads, no optimizer) here, e.g. checkpoints/googlenet.')
flags.DEFINE_float('weight_decay', _D.weight_decay, 'L2 weight decay (wd * sum(w^2) / 2 on kernels).')


def config_from_flags() -> train_lib.Config:
  """The flags -> train_lib.Config, validated once. --split names the training split
  with --train, else the split to evaluate (default: train / val)."""
  if FLAGS.split is not None:
    cli.require_choice('split', FLAGS.split, data.SPLITS)
  return cli.from_flags(train_lib.Config, split=FLAGS.split or 'train',
                        eval_split=FLAGS.split if FLAGS.split and not FLAGS.train else 'val')


def run():
  cfg = config_from_flags()
  strategy = cli.make_strategy(FLAGS.strategy, FLAGS.cpu_devices)
  if not (FLAGS.train or FLAGS.eval or FLAGS.predict or FLAGS.export_dir):
    # Bare command: train with the recipe (resuming the newest run), then evaluate.
    FLAGS.train = FLAGS.eval = True
    if cfg.load is None:
      cfg.load = train_lib.latest_run(cfg.save_dir)
      if cfg.load:
        print(f'resuming {cfg.load} (pass --save_dir=<new folder> to start afresh)', flush=True)
  if FLAGS.export_dir:
    if not FLAGS.load:
      raise cli.UsageError('--export_dir needs --load=<run>')
    cli.writable_dir(FLAGS.export_dir, 'export_dir')
    print(f'wrote {train_lib.export_run(FLAGS.load, FLAGS.export_dir)}')
  if FLAGS.train:
    if cfg.load is None:
      cli.writable_dir(cfg.save_dir or train_lib.DEFAULT_SAVE_DIR, 'save_dir')
    run_dir = train_lib.train(cfg, strategy)
    if not distribute.is_chief(strategy):
      return  # The chief evaluates and reports.
    print(f'trained model in {run_dir}', flush=True)
    cfg.load = cfg.load or run_dir
  if FLAGS.eval:
    top1, top5, n = train_lib.evaluate(cfg)
    print(f'top1={top1:.4f} top5={top5:.4f} n={n}', flush=True)
  if FLAGS.predict:
    if not FLAGS.images:
      raise cli.UsageError('--predict needs --images=<file>[,<file>...]')
    for path, cls, prob in train_lib.predict(cfg, FLAGS.images):
      print(f'{path}\tclass={cls}\tp={prob:.3f}')


if __name__ == '__main__':
  cli.start(run)
