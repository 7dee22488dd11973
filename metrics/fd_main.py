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
flags.DEFINE_list('blur_sigmas', [], 'Instead of the generator: FD of --num train images '
                  'blurred by each of these Gaussian widths (pixels, e.g. 0,0.5,1) against val, '
                  'a yardstick of what blur alone costs.')
flags.DEFINE_string('json', None, 'Also write the numbers to this JSON file.')


def run():
  cli.require_positive(num=FLAGS.num)
  if FLAGS.num < 2:
    raise cli.UsageError('--num must be at least 2')
  cli.require_choice('split', FLAGS.split, data.SPLITS)
  sigmas = _sigmas(FLAGS.blur_sigmas)
  if sigmas and FLAGS.split != 'val':
    raise cli.UsageError('--blur_sigmas compares blurred train images with val: drop --split')
  net = gtrain.load_inference(FLAGS.classifier_dir or frechet.REFERENCE)
  if sigmas:
    return _blur(net, sigmas)
  g, _, _ = train_gan.load_gan(FLAGS.load_model)
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


def _sigmas(values):
  try:
    sigmas = [float(v) for v in values]
  except ValueError:
    raise cli.UsageError(f'--blur_sigmas must be numbers, got {",".join(values)}') from None
  if any(not s >= 0 for s in sigmas):
    raise cli.UsageError('--blur_sigmas must be >= 0')
  return sigmas


def _blur(net, sigmas):
  res = frechet.blur_distances(net, sigmas, FLAGS.data_dir, FLAGS.num, FLAGS.seed)
  for r in res['rows']:
    print(f'FD(train blurred sigma={r["sigma"]:g}, val) = {r["fd"]:.2f}  (mean term '
          f'{r["mean"]:.2f} + covariance term {r["cov"]:.2f}; feature variance '
          f'{r["var_a"]:.1f} vs val {r["var_b"]:.1f}; {res["num_train"]} train vs '
          f'{res["num_val"]} val images)')
  if FLAGS.json:
    with open(FLAGS.json, 'w') as f:
      json.dump(res, f, indent=2)


if __name__ == '__main__':
  cli.start(run)
