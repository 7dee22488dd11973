"""`python -m metrics.compare`: biharmonic vs Yeh vs semantic on the same val images.

Every method sees the same N images (seeded choice), the same masks, the same
GAN, iterations and initial z. Writes, under --out: one folder per run, the
error table (errors.md / errors.csv), a figure per mask type (rows = images;
columns = masked input, biharmonic, yeh, semantic, original) and settings.json.
"""

import dataclasses
import json
import os
import sys
import time

import numpy as np
from absl import app
from absl import flags
from PIL import Image

from inpaint import cli
from inpaint import data
from inpaint import engine
from inpaint import images as imgs
from inpaint import run as runlib
from metrics import measure_errors

FLAGS = flags.FLAGS
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_string('split', 'val', 'train | val | all.')
flags.DEFINE_integer('num', 64, 'Images per mask type (N).')
flags.DEFINE_integer('iters', 1500, 'Optimization iterations of yeh and semantic.')
flags.DEFINE_list('mask_types', ['center', 'left', 'random'], 'Mask types.')
flags.DEFINE_bool('ablation', True, 'Add the ablation rows on the left mask.')
flags.DEFINE_string('out', 'results/compare', 'Output folder.')
flags.DEFINE_integer('figure_rows', 8, 'Images shown per figure.')
flags.DEFINE_integer('seed', 0, 'Seed of the image choice, masks and z.')
flags.DEFINE_string('load_model', None, 'DCGAN folder (default: shipped).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet folder (default: shipped).')

METHODS = ('biharmonic', 'yeh', 'semantic')
# label -> engine overrides, run on the left mask only.
ABLATIONS = {
    'semantic_no_cat': {'lambda_cat': 0.0},
    'semantic_3b_4b': {'layer': 'inception_3b', 'layer_2': 'inception_4b'},
    'semantic_4b_4e': {'layer': 'inception_4b', 'layer_2': 'inception_4e'},
}


def runs(mask_types, ablation):
  for mask in mask_types:
    for m in METHODS:
      yield mask, m, m, {}
    if ablation and mask == 'left':
      for label, over in ABLATIONS.items():
        yield mask, label, 'semantic', over


def figure(out_dir: str, mask: str, labels, n_rows: int) -> str:
  cols = []
  base = os.path.join(out_dir, mask)
  for kind, label in [('masked', labels[0])] + [('result', l) for l in labels] + [('original', labels[0])]:
    cols.append(np.stack([np.asarray(Image.open(os.path.join(
        base, label, f'try00_img{i:04d}_{kind}.png')).convert('RGB')) for i in range(n_rows)]))
  return imgs.save_rows(os.path.join(out_dir, f'figure_{mask}.png'), cols)


def compare(out: str, num: int, iters: int, mask_types, ablation: bool, seed: int,
            data_dir=None, split='val', load_model=None, classifier_dir=None,
            figure_rows: int = 8, log=print) -> dict:
  """Runs every method on the same images; returns the settings with wall times."""
  # Fail early (before any long run) when there is no data: a comparison on
  # generated cars would not mean what the table says.
  data.detect_layout(data.resolve_data_dir(data_dir))
  settings = {'num': num, 'iters': iters, 'mask_types': list(mask_types), 'seed': seed,
              'split': split, 'data_dir': data.resolve_data_dir(data_dir),
              'engine_defaults': dataclasses.asdict(engine.Config()), 'runs': []}
  t_all = time.time()
  for mask, label, method, over in runs(mask_types, ablation):
    eng = dataclasses.replace(engine.Config(), method=method, iters=iters, seed=seed, **over)
    rc = runlib.RunConfig(engine=eng, data_dir=data_dir, split=split, mask_type=mask,
                          num_try=1, sample_batch=num, load_model=load_model,
                          classifier_dir=classifier_dir, seed=seed, label=label,
                          output_dir=os.path.join(out, mask, label))
    t = time.time()
    runlib.inpaint_dataset(rc, log=lambda s: None)
    dt = time.time() - t
    settings['runs'].append({'mask_type': mask, 'label': label, 'overrides': over,
                             'seconds': dt, 'seconds_per_image': dt / num})
    log(f'{mask:7s} {label:16s} {dt:7.1f}s ({dt / num:.2f}s per image)')
  settings['wall_seconds'] = time.time() - t_all
  rows = measure_errors.summarize(measure_errors.collect(out))
  measure_errors.write(rows, os.path.join(out, 'errors'))
  for mask in mask_types:
    figure(out, mask, list(METHODS), min(figure_rows, num))
  with open(os.path.join(out, 'settings.json'), 'w') as f:
    json.dump(settings, f, indent=2)
  log(measure_errors.markdown(rows))
  return settings


def run():
  for m in FLAGS.mask_types:
    cli.require_choice('mask_types', m, ('center', 'left', 'random', 'half', 'pattern'))
  cli.require_positive(num=FLAGS.num, iters=FLAGS.iters)
  compare(FLAGS.out, FLAGS.num, FLAGS.iters, FLAGS.mask_types, FLAGS.ablation, FLAGS.seed,
          FLAGS.data_dir, FLAGS.split, FLAGS.load_model, FLAGS.classifier_dir, FLAGS.figure_rows)


def main(argv):
  del argv
  cli.run_guarded(run)


if __name__ == '__main__':
  app.run(main)
