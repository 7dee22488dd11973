"""FD against training steps and wall time for DCGAN runs (`python -m metrics.fd_curve`).

Every training run writes a lean snapshot of its sampling generator at each
checkpoint (`<run>/snapshots/<step>/`, with the training wall time so far). This
module scores snapshots with a frozen reference GoogLeNet, keeps one CSV row per
(run, step) and skips rows the CSV already has, so a scoring job can be stopped
and started again as a run grows.

Beside FD a row holds FD's mean term and the variance of the generated features
(the trace of their covariance; frechet.frechet_terms): at equal FD, a generator
with more variance covers more of the real cars. It also records how often the
snapshot's discriminator calls real train and real val images real: a wide gap
means D has memorised the training set (the overfitting signal of Karras et al.
2020, "Training GANs with limited data"), which is what DiffAugment is for.
"""

import csv
import os
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from inpaint import ckpt
from inpaint import train_gan
from metrics import frechet
from metrics import plot
from metrics import tables

FIELDS = ('run', 'step', 'seconds', 'fd_generated_val', 'num_generated', 'num_val',
          'd_real_train', 'd_real_val', 'fd_mean_term', 'feature_var_generated',
          'feature_var_val')


def snapshots(run_dir: str) -> List[str]:
  """The snapshot folders of a DCGAN run, oldest first."""
  root = os.path.join(run_dir, 'snapshots')
  if not os.path.isdir(root):
    raise ckpt.CheckpointError(f'{run_dir!r} has no snapshots/ folder (not a DCGAN run of '
                               'this version?)')
  return sorted(os.path.join(root, d) for d in os.listdir(root)
                if os.path.exists(os.path.join(root, d, ckpt.WEIGHTS)))


def pick(snaps: Sequence[str], every: int) -> List[str]:
  """Every `every`-th snapshot from the first, and always the last."""
  picked = list(snaps[::every])
  if snaps and (len(snaps) - 1) % every:
    picked.append(snaps[-1])
  return picked


def write_rows(csv_path: str, rows: Sequence[dict]) -> None:
  """Rows of an older CSV without the newer columns keep those cells empty."""
  os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)
  with open(csv_path, 'w', newline='') as f:
    w = csv.DictWriter(f, FIELDS, restval='')
    w.writeheader()
    w.writerows(rows)


def _sig(x: float) -> float:
  """Five significant digits: short CSV cells at any scale of the features."""
  return float(f'{x:.5g}')


def score_snapshot(snap: str, label: str, real: frechet.RealFeatures,
                   train_images: np.ndarray, num: int) -> dict:
  """One CSV row: FD of `num` images of the snapshot's G to `real`, and D's verdicts."""
  conf = ckpt.read_config(snap)
  g, d, _ = train_gan.load_gan(snap)
  terms = real.terms(frechet.generate(g, num))
  return {'run': label, 'step': int(conf['step']),
          'seconds': round(float(conf.get('seconds', 0.0)), 1),
          'fd_generated_val': _sig(terms['fd']), 'num_generated': num, 'num_val': real.num,
          'd_real_train': round(frechet.real_accepted(d, train_images), 3),
          'd_real_val': round(frechet.real_accepted(d, real.images), 3),
          'fd_mean_term': _sig(terms['mean']),
          'feature_var_generated': _sig(terms['var_a']), 'feature_var_val': _sig(terms['var_b'])}


def score_runs(runs: Sequence[Tuple[str, str]], real: frechet.RealFeatures,
               train_images: np.ndarray, csv_path: str, num: int = 2000, every: int = 1,
               log: Callable[[str], None] = lambda line: None) -> List[dict]:
  """Scores the picked snapshots of each (label, run folder) that `csv_path` lacks.

  The CSV is rewritten after each new row, so that an interrupted job loses at most
  the snapshot it was scoring. Returns all rows (old and new).
  """
  rows = tables.read_csv(csv_path)
  done = {(r['run'], int(r['step'])) for r in rows}
  for label, run_dir in runs:
    for snap in pick(snapshots(run_dir), every):
      if (label, int(ckpt.read_config(snap)['step'])) in done:
        continue
      row = score_snapshot(snap, label, real, train_images, num)
      rows.append(row)
      write_rows(csv_path, rows)
      log(f'{label} step {row["step"]}: FD = {row["fd_generated_val"]:.2f} ({num} generated '
          f'vs {real.num} val images; mean term {row["fd_mean_term"]:.2f}, feature variance '
          f'{row["feature_var_generated"]:.1f} against {row["feature_var_val"]:.1f} for val); '
          f'D calls '
          f'real {row["d_real_train"]:.0%} of train, {row["d_real_val"]:.0%} of val')
  return rows


def series(rows: Sequence[dict]) -> Dict[str, List[Tuple[float, float]]]:
  """Per run: (training minutes, FD) points in step order, for plot.line_plot."""
  out = {}
  for r in sorted(rows, key=lambda r: (r['run'], int(r['step']))):
    out.setdefault(r['run'], []).append((float(r['seconds']) / 60,
                                         float(r['fd_generated_val'])))
  return out


def write_plot(rows: Sequence[dict], png_path: str, num: int) -> str:
  return plot.line_plot(series(rows), png_path, x_label='training wall time (min)',
                        y_label=f'FD to val ({num} samples)',
                        title='DCGAN: Frechet distance on the frozen reference GoogLeNet')
