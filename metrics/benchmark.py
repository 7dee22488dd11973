"""`python -m metrics.benchmark`: speed of the inpainting loop and of training.

Prints a table and writes JSON with: seconds per 64x64 image of whole fills with each
method's defaults (--fill_methods: start codes, search, restarts combined, blend) at
several batch sizes, and the CPU's vector instruction sets; for the loss sets of
--methods, seconds per image at --iters iterations for several batch sizes with the
compiled loop, and for a plain eager per-image loop of the same losses (the
seed's style: one step, one host round trip), so the ratio comes from one run;
the analytic multiply-add count per image-iteration and the achieved GFLOP/s
against this machine's measured fp32 matmul rate; DCGAN seconds per training
step and GoogLeNet seconds per epoch at the shipped settings.

Timings of long loops are measured over --measure_iters iterations (after a
warm-up that includes tracing) and scaled linearly to --iters: every iteration
does the same work, so this only removes waiting.
"""

from absl import flags

from inpaint import cli
from metrics import benchmark_lib
from metrics import tables

FLAGS = flags.FLAGS
_D = benchmark_lib.Settings()  # Every default comes from the library's settings.
flags.DEFINE_integer('iters', _D.iters, 'Iterations the per-image loop times are given for.')
flags.DEFINE_integer('measure_iters', _D.measure_iters, 'Iterations actually timed per '
                     'compiled run.')
flags.DEFINE_integer('eager_iters', _D.eager_iters, 'Iterations actually timed for the eager loop.')
flags.DEFINE_list('batches', [str(b) for b in _D.batches], 'Batch sizes of the compiled loop.')
flags.DEFINE_list('methods', list(_D.methods), 'Loss sets (methods) whose loop is timed at '
                  '--iters (none: skip).')
flags.DEFINE_list('fill_methods', list(_D.fill_methods), 'Methods or presets whose whole fill '
                  'is timed with their defaults (none: skip).')
flags.DEFINE_list('fill_batches', [str(b) for b in _D.fill_batches], 'Batch sizes of the fill '
                  'timings.')
flags.DEFINE_list('variants', list(_D.variants), 'Compiled-loop variants: fp32 (plain), '
                  'xla (jit_compile), bf16 (bfloat16 compute), xla_bf16.')
flags.DEFINE_bool('photos', _D.photos, 'Also time own photos, batched vs one at a time.')
flags.DEFINE_integer('photo_iters', _D.photo_iters, 'Iterations per photo batch in the photos row.')
flags.DEFINE_bool('page', _D.page, 'Also time the page\'s default fill of a 900x560 photo.')
flags.DEFINE_bool('training', _D.training, 'Also time DCGAN and GoogLeNet training.')
flags.DEFINE_list('train_widths', [str(w) for w in _D.train_widths], 'DCGAN widths whose train '
                  'step is timed.')
flags.DEFINE_list('train_variants', list(_D.train_variants), 'DCGAN train-step variants: fp32, '
                  'xla (jit_compile), bf16 (bfloat16).')
flags.DEFINE_integer('train_steps', _D.train_steps, 'Timed DCGAN steps per variant (after 2 '
                     'warm-up steps).')
flags.DEFINE_string('json', 'results/benchmark.json', 'Where the JSON goes.')
flags.DEFINE_string('load_model', _D.load_model, 'DCGAN folder (default: shipped).')
flags.DEFINE_string('classifier_dir', _D.classifier_dir, 'GoogLeNet folder (default: shipped).')


def run():
  settings = benchmark_lib.Settings(
      iters=FLAGS.iters, measure_iters=FLAGS.measure_iters, eager_iters=FLAGS.eager_iters,
      batches=[int(b) for b in FLAGS.batches], variants=FLAGS.variants,
      methods=[m for m in FLAGS.methods if m != 'none'],
      fill_methods=[m for m in FLAGS.fill_methods if m != 'none'],
      fill_batches=[int(b) for b in FLAGS.fill_batches],
      photos=FLAGS.photos, photo_iters=FLAGS.photo_iters, page=FLAGS.page,
      training=FLAGS.training,
      train_widths=[float(w) for w in FLAGS.train_widths], train_variants=FLAGS.train_variants,
      train_steps=FLAGS.train_steps, load_model=FLAGS.load_model,
      classifier_dir=FLAGS.classifier_dir)
  res = benchmark_lib.measure(settings, log=lambda line: print(line, flush=True))
  print('\n' + benchmark_lib.table(res))
  tables.write_json(res, FLAGS.json)


if __name__ == '__main__':
  cli.start(run)
