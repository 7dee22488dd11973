"""Sweeps over inpainting settings on the 'tune' half of val (never the reported half).

Every point of the grid runs on the same seeded images, masks and initial z;
each point's result is Poisson-blended and scored like the comparison. Rows are
kept in a CSV that is rewritten after every point, so a sweep resumes where it
stopped (points already in the CSV are skipped). Points that differ only in how the
restarts make the fill (fill, fill_k) share one optimization run. Beside the errors,
each row has the mean perceptual distance to the ground truth and the FD of the
completed images against the train split (metrics.frechet.Realism; FD of few images
is biased upwards and noisy: compare rows of the same n only). Every image's scores go
to a second CSV (<out>_images.csv), so two points can be compared image by image
(paired(): the mean difference and its standard error).
"""

import csv
import dataclasses
import itertools
import os
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from inpaint import engine
from inpaint import outputs
from inpaint import run as runlib
from masks import generate as mgen
from metrics import errors
from metrics import frechet
from metrics import tables

# Grid keys that are not engine.Config fields.
RUN_KEYS = ('mask_type',)
# A point's method or preset by name (engine.methods), its settings then on top.
PRESET = 'preset'
# Settings that only say how finished restarts are combined: no new run needed.
FILL_KEYS = ('fill', 'fill_k')
TERM_COLUMNS = tuple(f"term_{t}" for t in engine.TERM_NAMES)
COLUMNS = (('point', 'mask_type', 'n') + errors.NAMES + ('perceptual', 'fd') + TERM_COLUMNS +
           ('clip_frac', 'iters_used', 'seconds_per_image'))
# Per-image scores (<out>_images.csv): what paired differences are computed from.
PAIRED_KEYS = ('psnr_hole', 'ssim', 'perceptual')
IMAGE_COLUMNS = ('point', 'mask_type', 'image') + PAIRED_KEYS


def _parse_value(field: dataclasses.Field, text: str):
  if field.default is None:  # Optional settings: resolved by the method when unset.
    kind = str(field.type)
    return text if 'str' in kind else float(text) if 'float' in kind else int(float(text))
  kind = field.type if isinstance(field.type, type) else type(field.default)
  if kind is bool:
    if text.lower() in ('1', 'true', 'yes'):
      return True
    if text.lower() in ('0', 'false', 'no'):
      return False
    raise ValueError(f'{field.name}={text!r} is not a boolean')
  return kind(float(text)) if kind is int else kind(text)


def parse_grid(specs: Iterable[str]) -> Dict[str, List]:
  """['lambda_sem=0,1e2', 'mask_type=left'] -> {'lambda_sem': [0.0, 100.0], ...}.

  Raises:
    ValueError: an unknown field (naming the valid ones) or a bad value.
  """
  fields = {f.name: f for f in dataclasses.fields(engine.Config)}
  grid = {}
  for spec in specs:
    if '=' not in spec:
      raise ValueError(f'grid entry {spec!r} is not field=value[,value...]')
    name, values = spec.split('=', 1)
    name = name.strip()
    if name in RUN_KEYS:
      grid[name] = [v.strip() for v in values.split(',')]
      continue
    if name == PRESET:
      grid[name] = [v.strip() for v in values.split(',')]
      for v in grid[name]:
        engine.for_preset(v)  # An unknown name raises, naming the choices.
      continue
    if name not in fields:
      raise ValueError(f'unknown setting {name!r}; choose from '
                       f'{", ".join(sorted(list(fields) + list(RUN_KEYS) + [PRESET]))}')
    grid[name] = [_parse_value(fields[name], v.strip()) for v in values.split(',')]
  return grid


def points(grid: Dict[str, List]) -> List[Dict]:
  """The cartesian product of the grid, in a stable order (no grid: no point)."""
  if not grid:
    return []
  names = list(grid)
  return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def parse_point(spec: str) -> Dict:
  """'method=yeh;nsize=63' -> {'method': 'yeh', 'nsize': 63} (one point, ';' between settings)."""
  return {k: v[0] for k, v in parse_grid([p for p in spec.split(';') if p.strip()]).items()}


def point_name(point: Dict) -> str:
  return ' '.join(f'{k}={v:g}' if isinstance(v, float) else f'{k}={v}'
                  for k, v in sorted(point.items()) if k not in RUN_KEYS) or 'base'


def _mean_row(name: str, mask_type: str, per_image: List[dict], out: dict, secs: float) -> dict:
  n = len(per_image)
  row = {'point': name, 'mask_type': mask_type, 'n': n}
  for k in errors.NAMES + ('perceptual',):
    vals = np.array([r[k] for r in per_image], np.float64)
    vals = vals[np.isfinite(vals)]
    row[k] = round(float(vals.mean()), 4) if len(vals) else float('nan')
  for t in engine.TERM_NAMES:
    v = out['terms'].get(t)
    row[f'term_{t}'] = '' if v is None else f'{float(np.mean(v)):.4g}'
  row['clip_frac'] = round(float(np.mean(out.get('clip_frac', [0.0]))), 4)
  row['iters_used'] = round(float(np.mean(out.get('iters_used', [0]))), 1)
  row['seconds_per_image'] = round(secs / n, 3)
  return row


def sweep(grid: Dict[str, List], base: runlib.RunConfig, num: int, csv_path: str,
          log=print, extra_points: Sequence[Dict] = ()) -> List[dict]:
  """Runs every grid point and extra point (skipping those already in csv_path) on the
  tune subset.

  Args:
    grid: {setting: [values]} (engine.Config fields, plus mask_type).
    extra_points: single points ({setting: value}) run besides the grid.
    base: the settings every point starts from; its subset must be 'tune'.
    num: images per point.
    csv_path: the resumable table.

  Returns:
    All rows (old and new), sorted by hole PSNR, best first.
  """
  if base.subset != 'tune':
    raise ValueError(f'sweeps run on the tune subset only (got {base.subset!r}): reported '
                     'numbers must come from images that were not used for tuning')
  rows = tables.read_csv(csv_path)
  image_rows = tables.read_csv(images_path(csv_path))
  done = {(r['point'], r['mask_type']) for r in rows}
  todo = []
  for p in points(grid) + list(extra_points):
    key = (point_name(p), p.get('mask_type', base.mask_type))
    if key not in done:
      done.add(key)
      todo.append(p)
  log(f'{len(todo)} point(s) to run, {len(rows)} already in {csv_path}')
  images: Dict[str, Tuple] = {}
  models = None
  realism = frechet.Realism(data_dir=base.data_dir, split='train', seed=base.seed)
  last = None  # (run key, engine result, seconds) of the latest optimization run.
  t_start = time.time()
  for i, p in enumerate(todo):
    over = {k: v for k, v in p.items() if k not in RUN_KEYS + (PRESET,)}
    mask_type = p.get('mask_type', base.mask_type)
    if PRESET in p:
      eng = engine.for_preset(p[PRESET], seed=base.engine.seed,
                              print_freq=base.engine.print_freq, **over)
    else:
      eng = dataclasses.replace(base.engine, **over)
    eng.validate()
    rc = dataclasses.replace(base, engine=eng, mask_type=mask_type, sample_batch=num, num_try=1)
    if eng.networks():
      models = runlib.Models(rc, eng.networks()) if models is None else models.load(eng.networks())
    if mask_type not in images:
      y, real = runlib.pick_images(rc, num, log=lambda s: None)
      if not real:
        raise ValueError('no dataset found: a sweep needs the real val images')
      images[mask_type] = (y, mgen.make_masks(mask_type, num, rc.img_size, rc.seed,
                                              rc.random_missing))
    y, m = images[mask_type]
    run_key = (mask_type, point_name({k: v for k, v in p.items() if k not in FILL_KEYS}))
    if last is not None and last[0] == run_key and 'g_restarts' in last[1]:
      out, secs = dict(last[1]), last[2]
      out['g'], out['spread'] = engine.combine(out['g_restarts'], out['loss_restarts'], m,
                                               eng.fill, eng.fill_k)
      out['result'] = runlib.blend_batch(y, out['g'], m, rc.is_blend)
    else:
      t = time.time()
      out = runlib.inpaint_batch(rc, models, y, m, log=lambda s: None)
      secs = time.time() - t
      last = (run_key, out, secs)
    per_image = outputs.score(out['result'], y, m)
    for r, d in zip(per_image, realism.perceptual(out['result'], y)):
      r['perceptual'] = float(d)
    row = _mean_row(point_name(p), mask_type, per_image, out, secs)
    row['fd'] = round(realism.fd(out['result'], bootstrap=0)['fd'], 2)
    rows.append(row)
    image_rows += [dict({k: round(r[k], 4) for k in PAIRED_KEYS}, point=row['point'],
                        mask_type=mask_type, image=j) for j, r in enumerate(per_image)]
    write_rows(image_rows, images_path(csv_path), IMAGE_COLUMNS)
    write_rows(rows, csv_path)
    elapsed = time.time() - t_start
    eta = elapsed / (i + 1) * (len(todo) - i - 1)
    log(f'[{i + 1}/{len(todo)}] {mask_type} {row["point"]}: psnr_hole={row["psnr_hole"]:.3f} '
        f'ssim={row["ssim"]:.4f} perceptual={row["perceptual"]:.4f} fd={row["fd"]:.1f} '
        f'clip={row["clip_frac"]:.3f} ({secs:.0f}s, eta {eta / 60:.1f} min)')
  return sorted(rows, key=lambda r: (r['mask_type'], -float(r['psnr_hole'])))


def images_path(csv_path: str) -> str:
  """Where a sweep table's per-image scores are: results/x.csv -> results/x_images.csv."""
  return (csv_path[:-4] if csv_path.endswith('.csv') else csv_path) + '_images.csv'


def write_rows(rows: Sequence[dict], csv_path: str, columns: Sequence[str] = COLUMNS) -> None:
  os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)
  tmp = csv_path + '.tmp'
  with open(tmp, 'w', newline='') as f:
    w = csv.DictWriter(f, columns)
    w.writeheader()
    w.writerows(rows)
  os.replace(tmp, csv_path)


def paired(image_rows: Sequence[dict], point: str, reference: str, mask_type: str,
           key: str = 'psnr_hole') -> Optional[Tuple[float, float, int]]:
  """point - reference on the same images, one mask type (metrics.tables.paired).

  Returns:
    (mean difference, its standard error, number of images), or None when either point
    has no per-image scores for that mask (or they were scored on different images).
  """
  def scores(name):
    return sorted((r for r in image_rows if r['point'] == name and r['mask_type'] == mask_type),
                  key=lambda r: int(r['image']))
  a, b = scores(point), scores(reference)
  if len(a) < 2 or [r['image'] for r in a] != [r['image'] for r in b]:
    return None
  row, = tables.paired({(point, mask_type): a}, reference, (key,), {(point, mask_type): b})
  return row[key], row[f'{key}_se'], row['n']


def markdown(rows: Sequence[dict], image_rows: Sequence[dict] = (),
             reference: Optional[str] = None) -> str:
  """One table, rows sorted by mask type, then hole PSNR (best first). With a reference
  point (a point name) and per-image scores, a column gives each row's paired hole-PSNR
  difference against the reference on the same mask, mean ± standard error."""
  terms = [c for c in TERM_COLUMNS if any(r.get(c) not in ('', None) for r in rows)]
  deltas = [paired(image_rows, r['point'], reference, r['mask_type'])
            if reference is not None and r['point'] != reference else None for r in rows]
  delta_head = [f'PSNR hole - ({reference})'] if any(deltas) else []
  head = (['mask', 'point', 'n', 'PSNR', 'PSNR hole'] + delta_head +
          ['SSIM', 'L1 hole', 'perceptual', 'FD'] +
          [c[5:] for c in terms] + ['z on bound', 'iters used', 's/image'])
  body = []
  for r, d in zip(rows, deltas):
    body.append([r['mask_type'], r['point'], r['n']] +
            [f'{float(r[k]):.3f}' for k in ('psnr', 'psnr_hole')] +
            [f'{d[0]:+.3f} ± {d[1]:.3f}' if d else ''][:len(delta_head)] +
            [f'{float(r[k]):.3f}' for k in ('ssim', 'l1_hole')] +
            [f'{float(r[k]):.4f}' if r.get(k) not in ('', None) else '' for k in ('perceptual',)] +
            [r.get('fd', '')] +
            [r[c] for c in terms] +
            [f'{float(r["clip_frac"]):.3f}', r['iters_used'], r['seconds_per_image']])
  return tables.markdown_table(head, body)
