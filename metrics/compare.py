"""`python -m metrics.compare`: every method on the same held-out val images.

Rows: the methods and presets of metrics.compare_lib.ROWS (engine.methods says what each
is). Images come from the 'report' half of val, never used by sweeps. See metrics.compare_lib for
what is written; it resumes. This file only parses flags.
"""

from absl import flags

from inpaint import cli
from inpaint import engine
from inpaint import run as runlib
from masks import generate as mgen
from metrics import compare_lib

FLAGS = flags.FLAGS
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_string('split', 'val', 'train | val | all.')
flags.DEFINE_integer('num', 64, 'Images per mask type (N).')
flags.DEFINE_integer('iters', engine.ITER_BUDGET, 'Optimization budget per image of the rows '
                     'that search from a random start: a row with R restarts runs iters // R '
                     'iterations (the learned-start rows keep their own budget).')
flags.DEFINE_float('random_missing', mgen.RANDOM_MISSING, 'Share of pixels the random mask '
                   'drops (the seed: 0.7; Yeh et al.: 0.8).')
flags.DEFINE_list('mask_types', ['center', 'left', 'random'], 'Mask types.')
flags.DEFINE_string('out', 'results/compare', 'Output folder.')
flags.DEFINE_integer('figure_rows', 8, 'Images shown per figure.')
flags.DEFINE_integer('seed', 0, 'Seed of the image choice, masks and z.')
flags.DEFINE_list('labels', None, 'Only these rows (default: all of '
                  f'{", ".join(compare_lib.ROWS)}).')
flags.DEFINE_bool('cached_only', False, 'Only table the rows already computed in --out (a '
                  'partial table while the rest runs, or when it was stopped); run nothing.')
flags.DEFINE_string('against', None, 'The --out of an earlier comparison on the same images '
                    '(e.g. other models): pair every row with its row there (paired_against.md).')
flags.DEFINE_string('load_model', None, 'DCGAN folder (default: shipped).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet folder (default: shipped).')
flags.DEFINE_string('encoder_dir', None, 'Encoder folder (default: shipped).')
flags.DEFINE_enum('source', 'data', ['data', 'generated'], 'data: real images (the table); '
                  'generated: cars drawn from the DCGAN as ground truth (a figure that '
                  'contains no dataset image, e.g. for the README).')


def run():
  for m in FLAGS.mask_types:
    cli.require_choice('mask_types', m, mgen.MASK_TYPES)
  cli.require_positive(num=FLAGS.num, iters=FLAGS.iters)
  if not 0 < FLAGS.random_missing < 1:
    raise cli.UsageError(f'--random_missing={FLAGS.random_missing} must be in (0, 1)')
  for label in FLAGS.labels or []:
    cli.require_choice('labels', label, compare_lib.ROWS)
  base = runlib.RunConfig(data_dir=FLAGS.data_dir, split=FLAGS.split, seed=FLAGS.seed,
                          load_model=FLAGS.load_model, classifier_dir=FLAGS.classifier_dir,
                          encoder_dir=FLAGS.encoder_dir, random_missing=FLAGS.random_missing)
  compare_lib.compare(FLAGS.out, FLAGS.num, FLAGS.iters, FLAGS.mask_types, base,
                     FLAGS.figure_rows, FLAGS.source, FLAGS.labels,
                     cached_only=FLAGS.cached_only, against=FLAGS.against)


if __name__ == '__main__':
  cli.start(run)
