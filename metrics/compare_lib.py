"""The methods side by side on the same images: error table, figures, settings.

Every row sees the same N images (seeded choice from the 'report' half of val,
disjoint from the 'tune' half that sweeps use), the same masks, the same GAN and the
same compute per image: a row with R restarts runs iters // R iterations each. Results
are scored in memory: errors, a perceptual distance to the ground truth and the FD of
the completed images (metrics.frechet.Realism, on the frozen reference GoogLeNet); the
'original' row is the FD of the ground-truth images themselves, the floor at this N.
Each finished row is cached under `out/<mask>/<label>/` (row.json: its settings and per-image scores, kept in
git; results.npz: the completed images, never committed), so an interrupted comparison
resumes where it stopped and a committed table is rebuilt with --cached_only. Writes
the error table (errors.md / errors.csv), a figure per mask type (column headers = rows
of the table; several blocks of image rows) and settings.json.
"""

import dataclasses
import json
import os
import time
from typing import List, Optional, Sequence

import numpy as np

from inpaint import ckpt
from inpaint import data
from inpaint import engine
from inpaint import images as imgs
from inpaint import outputs
from inpaint import run as runlib
from inpaint.engine import methods
from masks import generate as mgen
from metrics import frechet
from metrics import tables

# The rows: method and preset names (engine.methods), in table order.
ROWS = ('biharmonic', 'exemplar', 'yeh', 'yeh_wide', 'random_start', 'original_2018',
        'one_pass', 'search')
FIGURE_ROWS = ROWS


def plan(mask_types: Sequence[str], labels: Optional[Sequence[str]] = None):
  """[(mask, label, method, overrides)] in run order."""
  return [(mask, label) + methods.preset(label) for mask in mask_types
          for label in ROWS if labels is None or label in labels]


def _fingerprints(rc, networks: Sequence[str]) -> dict:
  """Content hashes of the models a row uses: a cached row is reused only with the same
  weights (the shipped paths stay the same when new models are shipped)."""
  out = {}
  if methods.GENERATOR in networks:
    out['dcgan'] = ckpt.fingerprint(ckpt.resolve_gan(rc.load_model, rc.dataset))
  if methods.CLASSIFIER in networks:
    out['googlenet'] = ckpt.fingerprint(rc.classifier_dir or ckpt.shipped('googlenet'))
  if methods.ENCODER in networks:
    out['encoder'] = ckpt.fingerprint(rc.encoder_dir or ckpt.shipped('encoder'))
  return out


def _cached(folder: str, key: dict):
  """(row, result or None) of a finished row run with `key`, else None. row.json (the
  per-image scores) is kept in git; results.npz (the completed images, which hold
  dataset pixels) only on the machine that ran the row: without it the row is tabled but
  left out of the figure."""
  path = os.path.join(folder, 'row.json')
  if not os.path.exists(path):
    return None
  with open(path) as f:
    saved = json.load(f)
  if saved.get('key') != key:
    return None
  npz = os.path.join(folder, 'results.npz')
  if not os.path.exists(npz):
    return saved, None
  with np.load(npz) as z:
    return saved, data.to_float(z['result']).numpy()


def _save(folder: str, key: dict, per_image: List[dict], result: np.ndarray, seconds: float,
          extra: dict) -> dict:
  os.makedirs(folder, exist_ok=True)
  row = {'key': key, 'images': per_image, 'seconds': seconds, **extra}
  np.savez_compressed(os.path.join(folder, 'results.npz'), result=data.to_uint8(result))
  with open(os.path.join(folder, 'row.json'), 'w') as f:
    json.dump(row, f, indent=2, default=float)
  return row


def runs_markdown(runs: List[dict]) -> str:
  """The cost and the optimizer's state of every row: wall time per image, iterations,
  and the share of z's coordinates on the [-1, 1] clip bound at the end."""
  return tables.markdown_table(
      ['mask', 'method', 's per image', 'iterations', 'z on bound'],
      ([r['mask_type'], r['label'], f'{r["seconds_per_image"]:.2f}',
        f'{r.get("iters_used") or 0:.0f}', f'{r.get("clip_frac") or 0:.1%}']
       for r in sorted(runs, key=lambda r: (r['mask_type'], r['label']))))


# The rows every row is paired against, image by image: Yeh et al. as published
# (paired.md) and the random-start search the learned start replaced (paired_random_start.md).
PAIRED_WITH = {'': 'yeh', '_random_start': 'random_start'}


def _write_paired_and_runs(groups, runs, out: str, suffix: str) -> None:
  """paired<name><suffix>.md (each row against a PAIRED_WITH row, image by image) and
  runs<suffix>.md (runs_markdown)."""
  for name, base in PAIRED_WITH.items():
    with open(os.path.join(out, f'paired{name}{suffix}.md'), 'w') as f:
      f.write(tables.paired_markdown(tables.paired(groups, base)))
  with open(os.path.join(out, f'runs{suffix}.md'), 'w') as f:
    f.write(runs_markdown(runs))


# What may differ between a row and its row in an `against` comparison: the models.
_MODEL_KEYS = ('weights', 'load_model', 'classifier_dir', 'encoder_dir')


def _rows_against(folder: str, groups, keys, log) -> dict:
  """{(label, mask): per-image rows} of the rows in another comparison folder that ran
  the same images with the same settings (the models may differ); the others are logged."""
  other = {}
  for (label, mask) in groups:
    path = os.path.join(folder, mask, label, 'row.json')
    try:
      with open(path) as f:
        saved = json.load(f)
    except (OSError, ValueError):
      saved = None
    if not isinstance(saved, dict) or not isinstance(saved.get('images'), list):
      log(f'against: no row {mask}/{label} in {folder}')
      continue
    mine, theirs = keys[(label, mask)], saved.get('key', {})
    if any(mine.get(k) != theirs.get(k) for k in set(mine) | set(theirs)
           if k not in _MODEL_KEYS):
      log(f'against: {mask}/{label} in {folder} ran other images or settings: not paired')
      continue
    other[(label, mask)] = saved['images']
  return other


def _load_models(rc, models: dict, needs: Sequence[str]) -> None:
  """Loads the networks `needs` names into `models['gan']` (a run.Models) unless there."""
  if models.get('gan') is None:
    models['gan'] = runlib.Models(rc, needs)
  else:
    models['gan'].load(needs)


def _inputs(rc, models: dict, mask: str, num: int, seed: int):
  """(y [num, 64, 64, 3] in [-1, 1], masks [num, 64, 64], real) for one mask type: held-out
  cars, or generated ones when there is no data (the generator is then loaded here)."""
  y, real = runlib.pick_images(rc, num, log=lambda s: None)
  if y is None:
    _load_models(rc, models, (methods.GENERATOR,))
    y = runlib.generated_images(models['gan'].generator, num, rc.z_dim, seed)
  return y, mgen.make_masks(mask, num, rc.img_size, seed, rc.random_missing), real


def _run_row(rc, models, y, m, folder: str, key: dict, realism: frechet.Realism, real: bool):
  """Runs one row and saves it; returns (row dict, result [N, 64, 64, 3] in [-1, 1])."""
  t = time.time()
  res = runlib.inpaint_batch(rc, models, y, m, log=lambda s: None)
  seconds = time.time() - t
  row = _save(folder, key, scored(res['result'], y, m, realism), res['result'], seconds,
              {'clip_frac': float(np.mean(res.get('clip_frac', [0.0]))),
               'iters_used': float(np.mean(res.get('iters_used', [0]))),
               **(realism.fd(res['result']) if real else {})})
  return row, res['result']


def scored(result, y, m, realism: frechet.Realism) -> List[dict]:
  """outputs.score's per-image errors plus the perceptual distance to the ground truth."""
  rows = outputs.score(result, y, m)
  for r, d in zip(rows, realism.perceptual(result, y)):
    r['perceptual'] = float(d)
  return rows


def compare(out: str, num: int, iters: int, mask_types, base: runlib.RunConfig,
            figure_rows: int = 8, source: str = 'data', labels=None, log=print,
            cached_only: bool = False, against: Optional[str] = None) -> dict:
  """Runs every row on the same images; returns the settings with wall times.

  Args:
    base: what every row shares: data (data_dir, split), models (load_model,
      classifier_dir, encoder_dir), seed and random_missing.
    iters: the budget per image of the rows that search from a random start.

  With cached_only, rows not yet in `out` are skipped (and listed in settings['missing'])
  instead of run. With `against` (the `out` of an earlier comparison on the same images,
  e.g. with other models), every row is also paired with its own row there:
  paired_against.md.
  """
  if against and not os.path.isdir(against):
    raise FileNotFoundError(f'--against {against}: no such comparison folder')
  if source == 'data':
    # Fail early, before any long run, when there is no data.
    data.detect_layout(data.resolve_data_dir(base.data_dir))
  todo = plan(mask_types, labels)
  seed = base.seed
  settings = {'source': source, 'num': num, 'iters': iters, 'mask_types': list(mask_types),
              'random_missing': base.random_missing,
              'seed': seed, 'split': base.split, 'subset': 'report' if source == 'data' else None,
              'engine_defaults': dataclasses.asdict(engine.Config()),
              'rows': {label: {'method': m, 'overrides': o} for _, label, m, o in todo},
              'runs': [], 'missing': []}
  groups, results, keys, per_set = {}, {}, {}, {}
  models, inputs = {}, {}
  # FD against the train split: disjoint from the val images being completed.
  realism = frechet.Realism(data_dir=base.data_dir, split='train', seed=seed)
  t_all = time.time()
  for i, (mask, label, method, over) in enumerate(todo):
    eng = engine.for_preset(label, seed=seed).resolved()
    if methods.get(method).searches and eng.start == 'random':
      # The random starts get the same compute per image: R restarts run iters // R each
      # (a learned start keeps its own, smaller budget).
      eng = dataclasses.replace(eng, iters=max(1, iters // eng.restarts))
    rc = dataclasses.replace(base, engine=eng, mask_type=mask, sample_batch=num, label=label,
                             subset='report' if source == 'data' else None,
                             source='generated' if source == 'generated' else 'auto')
    if mask not in inputs:
      inputs[mask] = _inputs(rc, models, mask, num, seed)
    y, m, real = inputs[mask]
    needs = eng.networks()
    key = {'settings': eng.key(), 'num': num, 'source': source, 'split': base.split,
           'random_missing': base.random_missing if mask == 'random' else None,
           'load_model': base.load_model, 'classifier_dir': base.classifier_dir,
           **({'encoder_dir': base.encoder_dir} if methods.ENCODER in needs else {}),
           'weights': _fingerprints(rc, needs)}
    keys[(label, mask)] = key
    folder = os.path.join(out, mask, label)
    hit = _cached(folder, key)
    if not hit and cached_only:
      log(f'[{i + 1}/{len(todo)}] {mask:7s} {label:22s} not run yet: left out')
      settings['missing'].append({'mask_type': mask, 'label': label})
      continue
    if hit:
      row, result = hit
      log(f'[{i + 1}/{len(todo)}] {mask:7s} {label:22s} cached ({row["seconds"]:.1f}s)')
    else:
      # Models are loaded only for a row that runs (a cached table loads none).
      if needs:
        _load_models(rc, models, needs)
      row, result = _run_row(rc, models.get('gan'), y, m, folder, key, realism, real)
      done = time.time() - t_all
      eta = done / (i + 1) * (len(todo) - i - 1)
      log(f'[{i + 1}/{len(todo)}] {mask:7s} {label:22s} {row["seconds"]:7.1f}s '
          f'({row["seconds"] / num:.2f}s per image) eta {eta / 60:.0f} min')
    groups[(label, mask)] = row['images']
    if result is not None:
      results[(label, mask)] = result
    per_set[(label, mask)] = {'seconds_per_image': row['seconds'] / num,
                              **{k: row[k] for k in ('fd', 'fd_se') if k in row}}
    settings['runs'].append({'mask_type': mask, 'label': label, 'seconds': row['seconds'],
                             'seconds_per_image': row['seconds'] / num,
                             'clip_frac': row.get('clip_frac'),
                             'iters_used': row.get('iters_used')})
  settings['wall_seconds'] = time.time() - t_all
  for mask in mask_types:
    # The floor, for every mask with a row: the ground truth's own scores at this N.
    if mask in inputs and inputs[mask][2] and any(m == mask for _, m in groups):
      y, m, _ = inputs[mask]
      groups[('original', mask)] = scored(y, y, m, realism)
      per_set[('original', mask)] = {k: v for k, v in realism.fd(y).items() if k in ('fd', 'fd_se')}
  rows = tables.summarize(groups, per_set)
  suffix = '' if source == 'data' else '_generated'
  tables.write(rows, os.path.join(out, f'errors{suffix}'))
  _write_paired_and_runs(groups, settings['runs'], out, suffix)
  if against:
    other = _rows_against(against, groups, keys, log)
    with open(os.path.join(out, f'paired_against{suffix}.md'), 'w') as f:
      f.write(tables.paired_markdown(tables.paired(groups, 'against', base_groups=other)))
  for mask in mask_types:
    y, m, _ = inputs[mask]
    shown = [l for l in FIGURE_ROWS if (l, mask) in results]
    k = min(figure_rows, num)
    masked = m[:k, ..., None] * y[:k] + (1 - m[:k, ..., None])
    cols = [masked] + [results[(l, mask)][:k] for l in shown] + [y[:k]]
    imgs.save_rows(os.path.join(out, f'figure{suffix}_{mask}.png'), cols,
                   headers=['masked'] + shown + ['original'], max_rows=max(1, (k + 1) // 2))
  with open(os.path.join(out, f'settings{suffix}.json'), 'w') as f:
    json.dump(settings, f, indent=2, default=float)
  log(tables.markdown(rows))
  return settings
