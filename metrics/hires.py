"""`python -m metrics.hires`: fills of photos at their own resolution, scored in the hole.

Prints, per mask kind (a box over a car part, a brush stroke), a table of hole PSNR,
detail ratio, seam score and seconds per photo for every row of metrics.hires_lib.ROWS,
and writes the per-photo scores to --out, the tables to <out>/<half>.md. Tune full-resolution settings on
--half=tune (--label names the setting's row); report on --half=report. The stage's
time and memory on large photos: `python -m metrics.benchmark` (full_res). This file
only parses flags.
"""

from absl import flags

from inpaint import cli
from inpaint import fullres
from inpaint import run as runlib
from inpaint.engine import config as engine_config
from masks import generate as mgen
from metrics import hires_lib

FLAGS = flags.FLAGS
_D = hires_lib.Settings()
_F = fullres.Settings()
flags.DEFINE_string('data_dir', None, 'Native-resolution car photos (default $CARS_HIRES_DIR).')
flags.DEFINE_enum('half', _D.half, list(hires_lib.HALVES), 'Which half of the photos.')
flags.DEFINE_integer('num', _D.num, 'Photos of that half.')
flags.DEFINE_list('masks', list(_D.masks), f'Mask kinds: {", ".join(mgen.PHOTO_MASKS)}.')
flags.DEFINE_list('rows', list(_D.rows), f'Rows: {", ".join(hires_lib.ROWS)}.')
flags.DEFINE_string('out', _D.out, 'Folder of the per-photo scores.')
flags.DEFINE_string('label', _D.label, 'Name of the full-resolution row (a tuning point).')
flags.DEFINE_integer('patch', _F.patch, 'Patch side.')
flags.DEFINE_float('guide_scale', _F.guide_scale, 'Periods kept from the 64x64 fill, in '
                   'generator pixels.')
flags.DEFINE_integer('em_iters', _F.em_iters, 'Search-and-vote rounds per level.')
flags.DEFINE_integer('sweeps', _F.sweeps, 'PatchMatch passes per round.')
flags.DEFINE_float('detail_sigma', _F.detail_sigma, 'Detail kept from the patches: finer than '
                   'a Gaussian of this many pixels.')
flags.DEFINE_integer('feather', _F.feather, 'Pixels over which the detail fades in from the '
                     'hole\'s edge.')
flags.DEFINE_bool('match_detail', _F.match_detail, 'Scale the detail to the ring around the hole.')
flags.DEFINE_bool('figure', False, 'Also write <out>/figure_<half>_<mask>.png: the first 6 '
                  'photos, crops of the hole at 1:1 (dataset pixels: keep it out of git).')
flags.DEFINE_bool('cached_only', False, 'Only print the tables of the scores already in --out.')
flags.DEFINE_string('method', engine_config.Config().method, 'The network fill of the '
                    'generator rows.')


def run():
  fill = fullres.Settings(patch=FLAGS.patch, guide_scale=FLAGS.guide_scale,
                          em_iters=FLAGS.em_iters, sweeps=FLAGS.sweeps,
                          detail_sigma=FLAGS.detail_sigma, match_detail=FLAGS.match_detail,
                          feather=FLAGS.feather)
  s = hires_lib.Settings(data_dir=FLAGS.data_dir, half=FLAGS.half, num=FLAGS.num,
                         masks=FLAGS.masks, rows=FLAGS.rows, out=FLAGS.out, label=FLAGS.label,
                         fill=fill, figure=FLAGS.figure)
  if FLAGS.cached_only:
    got = hires_lib.cached(s)
  else:
    got = hires_lib.run(s, runlib.RunConfig(engine=engine_config.Config(method=FLAGS.method)))
  print(hires_lib.write_tables(s, got))


if __name__ == '__main__':
  cli.start(run)
