"""`python -m metrics.fd_curve`: FD against training steps and wall time for DCGAN runs.

Every training run writes a lean snapshot of its sampling generator at each
checkpoint (`<run>/snapshots/<step>/`); this command scores each snapshot with
the frozen reference GoogLeNet (as `metrics.fd_main`), writes a CSV and a PNG
plot, and skips snapshots already scored in the CSV (it resumes).

Beside FD it records how often the snapshot's discriminator calls real train
and real val images real. A wide gap means D has memorised the training set
(the overfitting signal of Karras et al. 2020, "Training GANs with limited
data"), which is what DiffAugment is for.
"""

import csv
import os

from absl import flags

from googlenet import train_lib as gtrain
from inpaint import ckpt
from inpaint import cli
from inpaint import data
from inpaint import train_gan
from metrics import frechet
from metrics import plot

FLAGS = flags.FLAGS
flags.DEFINE_list('runs', [], 'DCGAN run folders (each with snapshots/), label=folder or folder.')
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_integer('num', 2000, 'Generated images per snapshot.')
flags.DEFINE_string('out', 'metrics/results/fd_curve', 'Output prefix (.csv and .png).')
flags.DEFINE_integer('every', 1, 'Score every k-th snapshot only (the last is always scored).')

FIELDS = ('run', 'step', 'seconds', 'fd_generated_val', 'num_generated', 'num_val',
          'd_real_train', 'd_real_val')


def _snapshots(run_dir):
  root = os.path.join(run_dir, 'snapshots')
  if not os.path.isdir(root):
    raise ckpt.CheckpointError(f'{run_dir!r} has no snapshots/ folder (not a DCGAN run of '
                               'this version?)')
  return sorted(os.path.join(root, d) for d in os.listdir(root)
                if os.path.exists(os.path.join(root, d, ckpt.WEIGHTS)))


def run():
  if not FLAGS.runs:
    raise cli.UsageError('--runs needs at least one DCGAN run folder')
  cli.require_positive(num=FLAGS.num, every=FLAGS.every)
  runs = [r.split('=', 1) if '=' in r else (os.path.basename(r.rstrip('/')), r)
          for r in FLAGS.runs]
  csv_path = FLAGS.out + '.csv'
  rows = []
  if os.path.exists(csv_path):
    with open(csv_path) as f:
      rows = list(csv.DictReader(f))
  done = {(r['run'], int(r['step'])) for r in rows}
  real = frechet.RealFeatures(gtrain.load_inference(frechet.REFERENCE), FLAGS.data_dir, 'val')
  size = real.classifier.input_shape[1]
  train_images = data.load_arrays(FLAGS.data_dir, 'train', size)[0]
  for label, run_dir in runs:
    snaps = _snapshots(run_dir)
    picked = snaps[::FLAGS.every] + ([snaps[-1]] if snaps and (len(snaps) - 1) % FLAGS.every
                                     else [])
    for snap in picked:
      conf = ckpt.read_config(snap)
      if (label, int(conf['step'])) in done:
        continue
      g, d, _ = train_gan.load_gan(snap)
      fd = real.distance(frechet.generate(g, FLAGS.num))
      acc_train = frechet.real_accepted(d, train_images)
      acc_val = frechet.real_accepted(d, real.images)
      rows.append({'run': label, 'step': int(conf['step']),
                   'seconds': round(float(conf.get('seconds', 0.0)), 1),
                   'fd_generated_val': round(fd, 3), 'num_generated': FLAGS.num,
                   'num_val': real.num, 'd_real_train': round(acc_train, 3),
                   'd_real_val': round(acc_val, 3)})
      print(f'{label} step {conf["step"]}: FD = {fd:.2f} ({FLAGS.num} generated vs {real.num} '
            f'val images); D calls real {acc_train:.0%} of train, {acc_val:.0%} of val',
            flush=True)
      os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)
      with open(csv_path, 'w', newline='') as f:  # Rewritten after each point: resumable.
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
  series = {}
  for r in sorted(rows, key=lambda r: (r['run'], int(r['step']))):
    series.setdefault(r['run'], []).append((float(r['seconds']) / 60, float(r['fd_generated_val'])))
  png = plot.line_plot(series, FLAGS.out + '.png', x_label='training wall time (min)',
                       y_label=f'FD to val ({FLAGS.num} samples)',
                       title='DCGAN: Frechet distance on the frozen reference GoogLeNet')
  print(f'wrote {csv_path} and {png}')


if __name__ == '__main__':
  cli.start(run)
