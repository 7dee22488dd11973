"""`python -m metrics.compare`: every method on the same held-out val images.

Rows: biharmonic, exemplar, yeh (as published), yeh_wide, semantic (the defaults,
which have no GoogLeNet terms) and semantic_seed (the seed's configuration). Images
come from the 'report' half of val, never used by sweeps. See metrics.comparison for
what is written; it resumes. This file only parses flags.
"""

from absl import flags

from inpaint import cli
from masks import generate as mgen
from metrics import comparison

FLAGS = flags.FLAGS
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_string('split', 'val', 'train | val | all.')
flags.DEFINE_integer('num', 64, 'Images per mask type (N).')
flags.DEFINE_integer('iters', 1500, 'Optimization budget per image of yeh and semantic: a row '
                     'with R restarts runs iters // R iterations.')
flags.DEFINE_float('random_missing', mgen.RANDOM_MISSING, 'Share of pixels the random mask '
                   'drops (the seed: 0.7; Yeh et al.: 0.8).')
flags.DEFINE_list('mask_types', ['center', 'left', 'random'], 'Mask types.')
flags.DEFINE_string('out', 'results/compare', 'Output folder.')
flags.DEFINE_integer('figure_rows', 8, 'Images shown per figure.')
flags.DEFINE_integer('seed', 0, 'Seed of the image choice, masks and z.')
flags.DEFINE_list('labels', None, 'Only these rows (default: all of '
                  f'{", ".join(comparison.ROWS)}).')
flags.DEFINE_bool('cached_only', False, 'Only table the rows already computed in --out (a '
                  'partial table while the rest runs, or when it was stopped); run nothing.')
flags.DEFINE_string('against', None, 'The --out of an earlier comparison on the same images '
                    '(e.g. other models): pair every row with its row there (paired_against.md).')
flags.DEFINE_string('load_model', None, 'DCGAN folder (default: shipped).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet folder (default: shipped).')
flags.DEFINE_enum('source', 'data', ['data', 'generated'], 'data: real images (the table); '
                  'generated: cars drawn from the DCGAN as ground truth (a figure that '
                  'contains no dataset image, e.g. for the README).')


def run():
  for m in FLAGS.mask_types:
    cli.require_choice('mask_types', m, ('center', 'left', 'random', 'half', 'pattern'))
  cli.require_positive(num=FLAGS.num, iters=FLAGS.iters)
  if not 0 < FLAGS.random_missing < 1:
    raise cli.UsageError(f'--random_missing={FLAGS.random_missing} must be in (0, 1)')
  for label in FLAGS.labels or []:
    cli.require_choice('labels', label, tuple(comparison.ROWS))
  comparison.compare(FLAGS.out, FLAGS.num, FLAGS.iters, FLAGS.mask_types,
                     FLAGS.seed, FLAGS.data_dir, FLAGS.split, FLAGS.load_model,
                     FLAGS.classifier_dir, FLAGS.figure_rows, FLAGS.source, FLAGS.labels,
                     cached_only=FLAGS.cached_only, against=FLAGS.against,
                     random_missing=FLAGS.random_missing)


if __name__ == '__main__':
  cli.start(run)
