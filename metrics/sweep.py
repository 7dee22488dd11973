"""`python -m metrics.sweep`: a grid over inpainting settings on the tune half of val.

Example: python -m metrics.sweep --grid=lambda_sem=0,1e2,1e4 --grid=lambda_cat=0,10
  --set=iters=400 --mask_type=left --num=32
A point may name a method or preset (engine.methods): --point='preset=random_start'.
Writes <out>.csv (resumable: points already there are skipped) and <out>.md, sorted
by hole PSNR. See metrics.sweep_lib. This file only parses flags.
"""

import dataclasses
import os

from absl import flags

from inpaint import checks
from inpaint import cli
from inpaint import engine
from inpaint import run as runlib
from masks import generate as mgen
from metrics import sweep_lib
from metrics import tables

FLAGS = flags.FLAGS
flags.DEFINE_multi_string('grid', [], 'setting=v1,v2,... (any engine setting, or mask_type); '
                          'repeat for a cartesian product.')
flags.DEFINE_multi_string('point', [], 'One point besides the grid: setting=value;setting=value '
                          '(repeat for more points).')
flags.DEFINE_multi_string('set', [], 'setting=value applied to every point (e.g. iters=400).')
flags.DEFINE_string('mask_type', 'left', 'Mask type when the grid has no mask_type.')
flags.DEFINE_integer('num', 32, 'Images per point (from the tune half of val).')
flags.DEFINE_integer('seed', 0, 'Seed of the image choice, masks and z.')
flags.DEFINE_float('random_missing', mgen.RANDOM_MISSING, 'Share of pixels the random mask '
                   'drops (the seed: 0.7; Yeh et al.: 0.8).')
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_string('load_model', None, 'DCGAN folder (default: shipped).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet folder (default: shipped).')
flags.DEFINE_string('encoder_dir', None, 'Encoder folder (default: shipped).')
flags.DEFINE_string('out', 'results/sweep', 'Output prefix (.csv, .md).')
flags.DEFINE_string('reference', None, 'A point (setting=value;...) that the table compares '
                    'every row of the same mask against, image by image (paired hole-PSNR '
                    'difference ± standard error).')
flags.DEFINE_list('merge', [], 'Instead of running: join these sweep CSVs (e.g. halves run on '
                  'two cores) into --out.csv and --out.md.')


def run():
  if FLAGS.merge:
    rows, image_rows = [], []
    for path in FLAGS.merge:
      if not os.path.exists(path):
        raise cli.UsageError(f'--merge: {path!r} does not exist')
      rows += tables.read_csv(path)
      image_rows += tables.read_csv(sweep_lib.images_path(path))
    rows.sort(key=lambda r: (r['mask_type'], -float(r['psnr_hole'])))
    sweep_lib.write_rows(rows, FLAGS.out + '.csv')
    sweep_lib.write_rows(image_rows, sweep_lib.images_path(FLAGS.out + '.csv'),
                        sweep_lib.IMAGE_COLUMNS)
  else:
    rows = _sweep()
    image_rows = tables.read_csv(sweep_lib.images_path(FLAGS.out + '.csv'))
  reference = None
  if FLAGS.reference is not None:
    try:
      reference = sweep_lib.point_name(sweep_lib.parse_point(FLAGS.reference))
    except ValueError as e:
      raise cli.UsageError(f'--reference: {e}') from None
  table = sweep_lib.markdown(rows, image_rows, reference)
  with open(FLAGS.out + '.md', 'w') as f:
    f.write(table)
  print(table)
  print(f'wrote {FLAGS.out}.csv and {FLAGS.out}.md')


def _sweep():
  cli.require_positive(num=FLAGS.num)
  cli.require_choice('mask_type', FLAGS.mask_type, mgen.MASK_TYPES)
  try:
    grid = sweep_lib.parse_grid(FLAGS.grid)
    extra = [sweep_lib.parse_point(p) for p in FLAGS.point]
    fixed = {k: v[0] for k, v in sweep_lib.parse_grid(FLAGS.set).items()}
  except ValueError as e:
    raise cli.UsageError(str(e)) from None
  if not grid and not extra:
    raise cli.UsageError('nothing to sweep: give --grid=setting=v1,v2 and/or --point=...')
  for m in (grid.get('mask_type', []) + [p['mask_type'] for p in extra if 'mask_type' in p] +
            [fixed.pop('mask_type', FLAGS.mask_type)]):
    cli.require_choice('mask_type', m, mgen.MASK_TYPES)
  eng = dataclasses.replace(engine.Config(), seed=FLAGS.seed, **fixed)
  try:
    eng.validate()
  except checks.ConfigError as e:
    raise cli.flag_error(e) from None
  base = runlib.RunConfig(engine=eng, data_dir=FLAGS.data_dir, split='val', subset='tune',
                          mask_type=FLAGS.mask_type, load_model=FLAGS.load_model,
                          classifier_dir=FLAGS.classifier_dir, encoder_dir=FLAGS.encoder_dir,
                          seed=FLAGS.seed,
                          random_missing=FLAGS.random_missing)
  return sweep_lib.sweep(grid, base, FLAGS.num, FLAGS.out + '.csv', extra_points=extra)


if __name__ == '__main__':
  cli.start(run)
