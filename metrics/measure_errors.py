"""`python -m metrics.measure_errors --results_dir=<dir>`: a table of inpainting errors.

Reads every inpainting JSON (try*.json, written by inpaint_main) below
results_dir and writes errors.md (Markdown) and errors.csv: mean and standard
deviation of each metric per method and mask type (the seed's measure_errors.py).
"""

import os

from absl import flags

from inpaint import cli
from metrics import tables

FLAGS = flags.FLAGS
flags.DEFINE_string('results_dir', None, 'Folder holding inpainting outputs (searched recursively).')
flags.DEFINE_string('out', None, 'Output prefix (default <results_dir>/errors).')


def run():
  if not FLAGS.results_dir or not os.path.isdir(FLAGS.results_dir):
    raise cli.UsageError(f'--results_dir={FLAGS.results_dir!r} is not a folder')
  rows = tables.summarize(tables.collect(FLAGS.results_dir))
  if not rows:
    raise cli.UsageError(f'no inpainting results with originals under {FLAGS.results_dir!r}')
  md, csv_path = tables.write(rows, FLAGS.out or os.path.join(FLAGS.results_dir, 'errors'))
  print(tables.markdown(rows))
  print(f'wrote {md} and {csv_path}')


if __name__ == '__main__':
  cli.start(run)
