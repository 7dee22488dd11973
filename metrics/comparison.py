"""Biharmonic vs Yeh vs semantic on the same images: runs, error table, figures.

Every method sees the same N images (seeded choice), the same masks, the same
GAN, iterations and initial z. Writes, under `out`: one folder per run, the
error table (errors.md / errors.csv), a figure per mask type (rows = images;
columns = masked input, biharmonic, yeh, semantic, original) and settings.json.
"""

import dataclasses
import json
import os
import time

import numpy as np
from PIL import Image

from inpaint import data
from inpaint import engine
from inpaint import images as imgs
from inpaint import run as runlib
from metrics import tables


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
            figure_rows: int = 8, source: str = 'data', log=print) -> dict:
  """Runs every method on the same images; returns the settings with wall times."""
  if source == 'data':
    # Fail early, before any long run, when there is no data.
    data.detect_layout(data.resolve_data_dir(data_dir))
  settings = {'source': source, 'num': num, 'iters': iters, 'mask_types': list(mask_types), 'seed': seed,
              'split': split,
              'engine_defaults': dataclasses.asdict(engine.Config()), 'runs': []}
  t_all = time.time()
  for mask, label, method, over in runs(mask_types, ablation):
    eng = dataclasses.replace(engine.Config(), method=method, iters=iters, seed=seed, **over)
    rc = runlib.RunConfig(engine=eng, data_dir=data_dir, split=split, mask_type=mask,
                          num_try=1, sample_batch=num, load_model=load_model,
                          classifier_dir=classifier_dir, seed=seed, label=label,
                          source='generated' if source == 'generated' else 'auto',
                          output_dir=os.path.join(out, mask, label))
    t = time.time()
    runlib.inpaint_dataset(rc, log=lambda s: None)
    dt = time.time() - t
    settings['runs'].append({'mask_type': mask, 'label': label, 'overrides': over,
                             'seconds': dt, 'seconds_per_image': dt / num})
    log(f'{mask:7s} {label:16s} {dt:7.1f}s ({dt / num:.2f}s per image)')
  settings['wall_seconds'] = time.time() - t_all
  rows = tables.summarize(tables.collect(out))
  tables.write(rows, os.path.join(out, 'errors'))
  for mask in mask_types:
    figure(out, mask, list(METHODS), min(figure_rows, num))
  with open(os.path.join(out, 'settings.json'), 'w') as f:
    json.dump(settings, f, indent=2)
  log(tables.markdown(rows))
  return settings
