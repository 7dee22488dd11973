"""`python -m metrics.fd_main`: Frechet distance of the DCGAN's samples to real images.

Prints FD(generated, <split>) and the floor FD(train, val), on the pooled features
of the frozen reference GoogLeNet (checkpoints/fd_reference), with sample counts.
"""

import json

from absl import flags

from googlenet import train_lib as gtrain
from inpaint import cli
from inpaint import data
from inpaint import train_gan
from metrics import frechet

FLAGS = flags.FLAGS
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_string('load_model', None, 'DCGAN run or export folder (default: shipped).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet whose features are compared (default: '
                    'the frozen reference checkpoints/fd_reference, so FD stays comparable).')
flags.DEFINE_string('split', 'val', 'Real images to compare with: train | val | all.')
flags.DEFINE_integer('num', 2000, 'Generated images.')
flags.DEFINE_integer('seed', 0, 'Seed of z.')
flags.DEFINE_bool('training_mode', False, 'Generate with batch statistics instead of the '
                  'moving averages (to compare the two).')
flags.DEFINE_string('json', None, 'Also write the numbers to this JSON file.')


def run():
  cli.require_positive(num=FLAGS.num)
  if FLAGS.num < 2:
    raise cli.UsageError('--num must be at least 2')
  cli.require_choice('split', FLAGS.split, data.SPLITS)
  g, _, _ = train_gan.load_gan(FLAGS.load_model)
  net = gtrain.load_inference(FLAGS.classifier_dir or frechet.REFERENCE)
  res = frechet.gan_distances(g, net, FLAGS.data_dir, FLAGS.num, FLAGS.seed, FLAGS.training_mode,
                              FLAGS.split, log=lambda line: print(line, flush=True))
  sp = FLAGS.split
  print(f'FD(generated, {sp}) = {res[f"fd_generated_{sp}"]:.2f}  '
        f'({res["num_generated"]} generated vs {res[f"num_{sp}"]} {sp} images)')
  print(f'FD(train, val)     = {res["fd_train_val"]:.2f}  (floor: {res["num_train"]} real '
        'train images vs the val images)')
  print(f'  FD = mean term {res["fd_mean_term"]:.2f} + covariance term {res["fd_cov_term"]:.2f}; '
        f'feature variance generated {res["feature_var_generated"]:.1f} vs {sp} '
        f'{res[f"feature_var_{sp}"]:.1f} (traces of the covariances)')
  if FLAGS.json:
    with open(FLAGS.json, 'w') as f:
      json.dump(res, f, indent=2)


if __name__ == '__main__':
  cli.start(run)
