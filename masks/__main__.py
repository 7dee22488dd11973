"""`python -m masks --mask_type=<type> --num=<n> --out=<dir>`: write mask PNGs.

PNG convention: white (255) = pixels to fill, black (0) = pixels to keep.
"""

import os

from absl import flags

from inpaint import cli
from masks import generate

FLAGS = flags.FLAGS
flags.DEFINE_string('mask_type', 'center', f'One of {", ".join(generate.MASK_TYPES)}.')
flags.DEFINE_integer('num', 1, 'Number of masks.')
flags.DEFINE_string('out', None, 'Output folder (default masks_<mask_type>).')
flags.DEFINE_integer('img_size', 64, 'Mask side in pixels.')
flags.DEFINE_integer('seed', 0, 'Seed of mask 0; mask i uses seed + i.')
flags.DEFINE_float('random_missing', generate.RANDOM_MISSING, 'Share of pixels the random mask '
                   'drops (the seed: 0.7; Yeh et al.: 0.8).')


def run():
  cli.require_choice('mask_type', FLAGS.mask_type, generate.MASK_TYPES)
  cli.require_positive(num=FLAGS.num, img_size=FLAGS.img_size)
  out = cli.writable_dir(FLAGS.out or f'masks_{FLAGS.mask_type}', 'out')
  if not 0 < FLAGS.random_missing < 1:
    raise cli.UsageError(f'--random_missing={FLAGS.random_missing} must be in (0, 1)')
  masks = generate.make_masks(FLAGS.mask_type, FLAGS.num, FLAGS.img_size, FLAGS.seed,
                              FLAGS.random_missing)
  try:
    for i, m in enumerate(masks):
      generate.mask_to_png(m, os.path.join(out, f'mask_{i:04d}.png'))
  except OSError as e:
    raise cli.UsageError(f'cannot write masks to {out!r}: {e.strerror or e}') from None
  print(f'wrote {len(masks)} {FLAGS.mask_type} masks to {out} '
        f'(white = fill, mean hole fraction {1 - masks.mean():.3f})')


if __name__ == '__main__':
  cli.start(run)
