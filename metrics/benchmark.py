"""`python -m metrics.benchmark`: speed of the inpainting loop and of training.

Prints a table and writes JSON with, for the full semantic loss and for Yeh's:
seconds per image at --iters iterations for several batch sizes with the
compiled loop, and for a plain eager per-image loop of the same losses (the
seed's style: one step, one host round trip), so the ratio comes from one run;
the analytic multiply-add count per image-iteration and the achieved GFLOP/s
against this machine's measured fp32 matmul rate; DCGAN seconds per training
step and GoogLeNet seconds per epoch at the shipped settings.

Timings of long loops are measured over --measure_iters iterations (after a
warm-up that includes tracing) and scaled linearly to --iters: every iteration
does the same work, so this only removes waiting.
"""

import json
import os

from absl import flags

from inpaint import cli
from metrics import speed

FLAGS = flags.FLAGS
flags.DEFINE_integer('iters', 1500, 'Iterations the per-image times are given for.')
flags.DEFINE_integer('measure_iters', 60, 'Iterations actually timed per compiled run.')
flags.DEFINE_integer('eager_iters', 20, 'Iterations actually timed for the eager loop.')
flags.DEFINE_list('batches', ['1', '16', '64'], 'Batch sizes of the compiled loop.')
flags.DEFINE_list('methods', ['semantic', 'yeh'], 'Loss sets to time (none: training only).')
flags.DEFINE_list('variants', ['fp32', 'xla', 'bf16'], 'Compiled-loop variants: fp32 (plain), '
                  'xla (jit_compile), bf16 (bfloat16 compute), xla_bf16.')
flags.DEFINE_bool('photos', True, 'Also time own photos, batched vs one at a time.')
flags.DEFINE_integer('photo_iters', 100, 'Iterations per photo batch in the photos row.')
flags.DEFINE_bool('training', True, 'Also time DCGAN and GoogLeNet training.')
flags.DEFINE_list('train_widths', ['0.5', '1.0'], 'DCGAN widths whose train step is timed.')
flags.DEFINE_list('train_variants', ['fp32', 'xla', 'bf16'], 'DCGAN train-step variants: fp32, '
                  'xla (jit_compile), bf16 (mixed_bfloat16).')
flags.DEFINE_integer('train_steps', 5, 'Timed DCGAN steps per variant (after 2 warm-up steps).')
flags.DEFINE_string('json', 'results/benchmark.json', 'Where the JSON goes.')
flags.DEFINE_string('load_model', None, 'DCGAN folder (default: shipped).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet folder (default: shipped).')


def run():
  settings = speed.Settings(
      iters=FLAGS.iters, measure_iters=FLAGS.measure_iters, eager_iters=FLAGS.eager_iters,
      batches=[int(b) for b in FLAGS.batches], methods=FLAGS.methods, variants=FLAGS.variants,
      photos=FLAGS.photos, photo_iters=FLAGS.photo_iters, training=FLAGS.training,
      train_widths=[float(w) for w in FLAGS.train_widths], train_variants=FLAGS.train_variants,
      train_steps=FLAGS.train_steps, load_model=FLAGS.load_model,
      classifier_dir=FLAGS.classifier_dir)
  res = speed.measure(settings, log=lambda line: print(line, flush=True))
  print('\n' + speed.table(res))
  os.makedirs(os.path.dirname(os.path.abspath(FLAGS.json)), exist_ok=True)
  with open(FLAGS.json, 'w') as f:
    json.dump(res, f, indent=2)
  print(f'wrote {FLAGS.json}')


if __name__ == '__main__':
  cli.start(run)
