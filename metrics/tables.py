"""Result tables: the one Markdown table writer and CSV reader; error tables (mean and
standard deviation per method and mask type) and paired differences.

PSNR in dB on [0, 1] pixels, L1 as mean absolute error on [0, 1] pixels, SSIM on RGB.
"""

import csv
import glob
import json
import os
import sys
from collections import defaultdict
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

from metrics import errors

# Per-image scores a table summarizes: the errors, and the perceptual distance to the
# ground truth (metrics.frechet.Realism) where it was measured.
SCORES = errors.NAMES + ('perceptual',)
# Per-set values a table shows when a row has them: FD of the completed images (and its
# bootstrap standard error), seconds per image.
SET_VALUES = ('fd', 'fd_se', 'seconds_per_image')



def markdown_table(head: Sequence[str], rows: Iterable[Sequence]) -> str:
  """The one Markdown table writer: a header, a separator, one line per row."""
  lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
  lines += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows]
  return '\n'.join(lines) + '\n'


def write_json(value, path: str) -> None:
  """value as JSON at path (its folder made), and a line saying so."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  with open(path, 'w') as f:
    json.dump(value, f, indent=2)
  print(f'wrote {path}')


def read_csv(path: str) -> List[dict]:
  """The one CSV reader of result files: a list of row dicts ([] when there is no file)."""
  if not os.path.exists(path):
    return []
  with open(path, newline='') as f:
    return list(csv.DictReader(f))


def collect(results_dir: str) -> Dict[Tuple[str, str], List[dict]]:
  """{(method, mask_type): [per-image rows]} from every try*.json below results_dir."""
  groups = defaultdict(list)
  for path in sorted(glob.glob(os.path.join(results_dir, '**', 'try*.json'), recursive=True)):
    try:
      with open(path) as f:
        s = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
      print(f'warning: skipping unreadable {path} ({e})', file=sys.stderr)
      continue
    if not isinstance(s, dict):
      print(f'warning: skipping {path} (not an inpainting summary)', file=sys.stderr)
      continue
    label = s.get('label') or s.get('method', '?')
    for row in s.get('images', []):
      if 'psnr' in row:
        groups[(label, s.get('mask_type', '?'))].append(row)
  return groups


def _value(v):
  if v == 'inf':
    return np.inf
  return np.nan if v is None else float(v)


def summarize(groups, per_set=None) -> List[dict]:
  """Mean and std of every score in SCORES per (method, mask_type); per_set: optional
  {(method, mask_type): {name in SET_VALUES: value}} joined into the rows."""
  rows = []
  for (method, mask_type), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    row = {'mask_type': mask_type, 'method': method, 'n': len(items)}
    row.update({k: v for k, v in ((per_set or {}).get((method, mask_type)) or {}).items()
                if k in SET_VALUES})
    for k in SCORES:
      if not any(k in r for r in items):
        continue
      vals = np.array([_value(r.get(k)) for r in items])
      vals = vals[np.isfinite(vals)]
      row[k] = float(vals.mean()) if len(vals) else float('nan')
      row[f'{k}_std'] = float(vals.std()) if len(vals) else float('nan')
    rows.append(row)
  return rows


_HEADS = {'psnr': 'PSNR (dB)', 'psnr_hole': 'PSNR hole (dB)', 'ssim': 'SSIM', 'l1': 'L1',
          'l1_hole': 'L1 hole', 'perceptual': 'perceptual', 'fd': 'FD', 'seconds_per_image':
          's/image'}


def markdown(rows: List[dict]) -> str:
  """Mean ± std per score (FD: ± its bootstrap standard error); columns only for what
  some row has."""
  cols = [k for k in SCORES + ('fd', 'seconds_per_image') if any(k in r for r in rows)]

  def cell(r, k):
    if k not in r:
      return ''
    if k == 'fd':
      return f'{r["fd"]:.1f} ± {r.get("fd_se", float("nan")):.1f}'
    if k == 'seconds_per_image':
      return f'{r[k]:.2f}'
    return f'{r[k]:.3f} ± {r[k + "_std"]:.3f}'

  return markdown_table(['mask', 'method', 'n'] + [_HEADS[k] for k in cols],
                        ([r['mask_type'], r['method'], r['n']] + [cell(r, k) for k in cols]
                         for r in rows))


def write(rows: List[dict], prefix: str) -> Tuple[str, str]:
  os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
  with open(prefix + '.md', 'w') as f:
    f.write(markdown(rows))
  fields = (['mask_type', 'method', 'n'] + [x for k in SCORES for x in (k, f'{k}_std')] +
            list(SET_VALUES))
  with open(prefix + '.csv', 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=fields, restval='')
    w.writeheader()
    w.writerows(rows)
  return prefix + '.md', prefix + '.csv'


PAIRED = ('psnr_hole', 'ssim')
_TITLES = {'psnr_hole': 'PSNR hole (dB)', 'ssim': 'SSIM', 'psnr': 'PSNR (dB)', 'l1': 'L1',
           'l1_hole': 'L1 hole'}


def paired(groups, baseline: str, names=PAIRED, base_groups=None) -> List[dict]:
  """Every method against `baseline` on the same images, per mask type.

  Per metric: the mean per-image difference (method - baseline), its standard error
  (std with ddof 1 / sqrt(n)) and the share of images where the method scores higher.
  A method is paired only when it has as many images as the baseline (same images, same
  order, as metrics.compare_lib runs them); images where either value is not finite drop out.
  With `base_groups` ({(method, mask_type): per-image rows}, e.g. the same comparison with
  other models), every method is paired with its own row there instead, and `baseline`
  only names that side.
  """
  rows = []
  for (label, mask_type), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    if base_groups is None:
      base = None if label == baseline else groups.get((baseline, mask_type))
    else:
      base = base_groups.get((label, mask_type))
    if base is None or len(base) != len(items):
      continue
    row = {'mask_type': mask_type, 'method': label, 'baseline': baseline, 'n': len(items)}
    for k in names:
      a = np.array([_value(r.get(k)) for r in items])
      b = np.array([_value(r.get(k)) for r in base])
      d = (a - b)[np.isfinite(a) & np.isfinite(b)]
      row[k] = float(d.mean()) if len(d) else float('nan')
      row[f'{k}_se'] = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float('nan')
      row[f'{k}_better'] = float(np.mean(d > 0)) if len(d) else float('nan')
    rows.append(row)
  return rows


def paired_markdown(rows: List[dict], names=PAIRED) -> str:
  head = ['mask', 'method', 'vs', 'n'] + [h for k in names for h in (
      f'{_TITLES.get(k, k)} difference', 'images better')]
  return markdown_table(head, ([r['mask_type'], r['method'], r['baseline'], r['n']] + [
      c for k in names for c in (f'{r[k]:+.3f} ± {r[k + "_se"]:.3f}', f'{r[k + "_better"]:.0%}')]
      for r in rows))
