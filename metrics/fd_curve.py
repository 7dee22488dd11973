"""`python -m metrics.fd_curve`: FD against training steps and wall time for DCGAN runs.

Scores each snapshot of the runs with the frozen reference GoogLeNet (as
`metrics.fd_main`), writes a CSV and a PNG plot, and skips snapshots already in
the CSV (it resumes). The work is in metrics/fd_curve_lib.py.
"""

import os

from absl import flags

from googlenet import train_lib as gtrain
from inpaint import cli
from inpaint import data
from metrics import fd_curve_lib
from metrics import frechet

FLAGS = flags.FLAGS
flags.DEFINE_list('runs', [], 'DCGAN run folders (each with snapshots/), label=folder or folder.')
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_integer('num', 2000, 'Generated images per snapshot.')
flags.DEFINE_string('out', 'metrics/results/fd_curve', 'Output prefix (.csv and .png).')
flags.DEFINE_integer('every', 1, 'Score every k-th snapshot only (the last is always scored).')


def run():
  if not FLAGS.runs:
    raise cli.UsageError('--runs needs at least one DCGAN run folder')
  cli.require_positive(num=FLAGS.num, every=FLAGS.every)
  runs = [r.split('=', 1) if '=' in r else (os.path.basename(r.rstrip('/')), r)
          for r in FLAGS.runs]
  for _, run_dir in runs:
    fd_curve_lib.snapshots(run_dir)  # A wrong folder fails now, not after the real features.
  real = frechet.RealFeatures(gtrain.load_inference(frechet.REFERENCE), FLAGS.data_dir, 'val')
  train_images = data.load_arrays(FLAGS.data_dir, 'train', real.classifier.input_shape[1])[0]
  rows = fd_curve_lib.score_runs(runs, real, train_images, FLAGS.out + '.csv', FLAGS.num, FLAGS.every,
                           log=lambda line: print(line, flush=True))
  png = fd_curve_lib.write_plot(rows, FLAGS.out + '.png', FLAGS.num)
  print(f'wrote {FLAGS.out}.csv and {png}')


if __name__ == '__main__':
  cli.start(run)
