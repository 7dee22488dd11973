"""`python -m masks --mask_type=<type> --num=<n> --out=<dir>`: write mask PNGs.

PNG convention: white (255) = pixels to fill, black (0) = pixels to keep.
"""

import os
import sys

from absl import app
from absl import flags

from masks import generate

FLAGS = flags.FLAGS
flags.DEFINE_string('mask_type', 'center', f'One of {", ".join(generate.MASK_TYPES)}.')
flags.DEFINE_integer('num', 1, 'Number of masks.')
flags.DEFINE_string('out', None, 'Output folder (default masks_<mask_type>).')
flags.DEFINE_integer('img_size', 64, 'Mask side in pixels.')
flags.DEFINE_integer('seed', 0, 'Seed of mask 0; mask i uses seed + i.')


def _fail(msg):
  print(f'error: {msg}', file=sys.stderr)
  sys.exit(2)


def main(argv):
  del argv
  if FLAGS.mask_type not in generate.MASK_TYPES:
    _fail(f'--mask_type={FLAGS.mask_type!r} is not valid; '
          f'choose one of {", ".join(generate.MASK_TYPES)}')
  for name in ('num', 'img_size'):
    if FLAGS[name].value <= 0:
      _fail(f'--{name}={FLAGS[name].value} must be positive')
  out = FLAGS.out or f'masks_{FLAGS.mask_type}'
  if os.path.exists(out) and not os.path.isdir(out):
    _fail(f'--out={out!r} is a file, not a folder')
  masks = generate.make_masks(FLAGS.mask_type, FLAGS.num, FLAGS.img_size, FLAGS.seed)
  try:
    for i, m in enumerate(masks):
      generate.mask_to_png(m, os.path.join(out, f'mask_{i:04d}.png'))
  except OSError as e:
    _fail(f'cannot write masks to {out!r}: {e.strerror or e}')
  print(f'wrote {len(masks)} {FLAGS.mask_type} masks to {out} '
        f'(white = fill, mean hole fraction {1 - masks.mean():.3f})')


if __name__ == '__main__':
  app.run(main)
