"""docs/*.md from their templates (docs/*.in.md) and the result files under metrics/results.

A template is markdown with directive lines, each replaced by what it names:

* `{{include <path>}}`: the file (a table written by metrics.compare or metrics.sweep);
* `{{tried}}`: the table of DCGAN training options tried (TRIED, measured in
  metrics/results/dcgan_runs.csv, the FD curves of those runs);
* `{{lineage}}`: the shipped generator's stages (inpaint/recipes with their FD);
* `{{encoder_curve}}`: the shipped encoder's loss at every tenth of its run
  (metrics/results/encoder_curve.csv, its curve.csv; encoder_curve_plot draws it);
* `{{summary}}`: the comparison's main rows, short (summary_table); README.md carries
  the same table between SUMMARY_START and SUMMARY_END (with_summary).

Nothing in a generated page's tables is typed by hand.
"""

import json
import os
import re
from typing import Dict, List, Sequence

from metrics import plot
from metrics import tables

RESULTS = os.path.join('metrics', 'results')
ERRORS_CSV = os.path.join(RESULTS, 'compare', 'errors.csv')
ENCODER_CURVE = os.path.join(RESULTS, 'encoder_curve.csv')
# The comparison rows the README shows, in this order (the rest: docs/results.md).
SUMMARY_ROWS = ('biharmonic', 'yeh', 'random_start', 'one_pass', 'search')
SUMMARY_START = '<!-- summary: written by python -m metrics.report from the comparison -->'
SUMMARY_END = '<!-- end of summary -->'
RUNS_CSV = os.path.join(RESULTS, 'dcgan_runs.csv')
# (option, what it does, [(curve, run)] in dcgan_runs.csv, kept?)
TRIED = (
    ('full width from scratch (`--width=1`)', 'the 2018 channel widths instead of half',
     [('from_scratch_width', 'full_bf16_diffaug_ema'), ('from_scratch_width', 'half_bf16_diffaug_ema')],
     'no: half width, better FD at equal wall time'),
    ('`--diffaug=color,translation,cutout`', 'DiffAugment on real and generated images before D',
     [('fine_tunes', 'lr 5e-5 +DiffAug'), ('fine_tunes', 'lr 5e-5')], 'yes (shipped)'),
    ('`--ema_decay=0.999` from step 0', 'EMA of G from the start instead of after 6,000 steps',
     [('scratch_ema', 'seed recipe + EMA')], 'EMA yes (shipped, from step 6,000)'),
    ('`--d_learning_rate` (two time-scale)', 'D at its own learning rate',
     [('fine_tunes', 'TTUR D 5e-5 G 1.25e-5 +DiffAug'), ('projected_d', 'G 5e-5 D 2e-4')],
     'yes (shipped with the projected D)'),
    ('mode seeking (`--mode_seeking=1`)', 'G penalized when distant latents give alike images',
     [('fine_tunes', 'mode seeking 1 +DiffAug')], 'removed'),
    ('consistency regularization (`--consistency=10`)', 'D penalized when an augmentation moves its logit',
     [('fine_tunes', 'bCR 10 +DiffAug (stopped)')], 'removed'),
    ('grown to full width (Net2WiderNet, `--init_from` + `--width=1`)', 'the half-width G and D widened, same function',
     [('fine_tunes', 'widened to full width +DiffAug'), ('fine_tunes_5e-5', 'full width 5e-5')],
     'option kept, not shipped'),
    ('batch 256', '4x the images per step', [('fine_tunes_5e-5', 'batch 256 5e-5')], 'no'),
    ('joint D batch (`--joint_d_batch`)', 'D sees real and generated images in one batch-norm batch',
     [('fine_tunes_5e-5', 'joint D batch 5e-5'), ('scratch_joint_d', 'joint from scratch')], 'removed'),
    ('spectral-norm D (`--d_norm=spectral`)', 'SN-DCGAN\'s D, no batch norm',
     [('scratch_ema', 'seed recipe + EMA + SN D'), ('spectral_d', 'shipped G + fresh SN D')],
     'option kept, not shipped'),
    ('minibatch stddev in D (`--d_mbstd=4`)', 'D sees the spread of each group of 4 images',
     [('mbstd', 'mbstd + lr 5e-5 + DiffAug')], 'removed'),
    ('residual G (`--g_res=1`)', 'a residual block after each upsampling of G',
     [('residual_g', 'res_lo_5e-5_diffaug'), ('residual_g', 'res_gate_2e-4_diffaug')], 'removed'),
    ('projected D (`--d_features=...`)', 'D reads frozen GoogLeNet layers instead of pixels',
     [('projected_d', 'G 5e-5 D 2e-4'), ('projected_d', 'Adam 2e-4')], 'yes (shipped G)'),
)


def read_runs(path: str = RUNS_CSV) -> Dict[tuple, List[dict]]:
  """{(curve, run): rows sorted by step} of the FD curves file."""
  out: Dict[tuple, List[dict]] = {}
  for r in tables.read_csv(path):
    out.setdefault((r['curve'], r['run']), []).append(r)
  return {k: sorted(v, key=lambda r: int(r['step'])) for k, v in out.items()}


def _curve(rows: Sequence[dict]) -> str:
  fd = [float(r['fd_generated_val']) for r in rows]
  best = min(range(len(fd)), key=fd.__getitem__)
  return (f'{fd[0]:.1f} -> best {fd[best]:.1f} (step {int(rows[best]["step"]):,}) -> '
          f'{fd[-1]:.1f} at {int(rows[-1]["step"]):,}')


def tried_table(runs: Dict[tuple, List[dict]]) -> str:
  """TRIED as markdown; 'measured' is each run's FD (2,000 generated vs val) first ->
  best -> last snapshot, from the curves file."""
  return tables.markdown_table(
      ['option', 'what it does', 'measured: FD first -> best -> last, per run', 'kept?'],
      ([option, what, '; '.join(f'{run}: {_curve(runs[(curve, run)])}' for curve, run in keys),
        kept] for option, what, keys, kept in TRIED))


def lineage_table(recipes: str = os.path.join('inpaint', 'recipes'),
                  lineage_json: str = os.path.join(RESULTS, 'fd_lineage.json'),
                  shipped_fd: str = os.path.join(RESULTS, 'fd.json')) -> str:
  """The recipes in order, each with its steps (its flagfile) and the FD of its export
  where measured (fd_lineage.json; the last: fd.json)."""
  with open(lineage_json) as f:
    fds = {r['what']: r['fd'] for r in json.load(f)['rows']}
  with open(shipped_fd) as f:
    fds['dcgan_5_projected'] = json.load(f)['fd_generated_val']
  rows = []
  for name in sorted(n[:-6] for n in os.listdir(recipes)
                     if n.startswith('dcgan_') and n.endswith('.flags')):
    with open(os.path.join(recipes, name + '.flags')) as f:
      text = f.read()
    steps = int(re.search(r'--iters=(\d+)', text).group(1))
    what = ' '.join(l[2:] for l in text.splitlines() if l.startswith('# '))
    rows.append([f'`{name}`', f'{steps:,}', f'{fds[name]:.2f}' if name in fds else '(not scored)',
                 what])
  return tables.markdown_table(
      ['recipe', 'steps', 'FD of its export (2,000 vs val)', 'what changes'], rows)


def summary_table(errors_csv: str = ERRORS_CSV, labels: Sequence[str] = SUMMARY_ROWS) -> str:
  """The comparison's rows `labels` per mask: hole PSNR and SSIM (mean ± std), perceptual
  distance, FD (± its standard error) and seconds per image, from its errors.csv."""
  rows = {(r['mask_type'], r['method']): r for r in tables.read_csv(errors_csv)}
  masks = list(dict.fromkeys(m for m, _ in rows))
  body = []
  for mask in masks:
    for label in labels:
      r = rows.get((mask, label))
      if r is None:
        continue
      f = {k: float(r[k]) if r.get(k) not in ('', None) else float('nan') for k in (
          'psnr_hole', 'psnr_hole_std', 'ssim', 'ssim_std', 'perceptual', 'fd', 'fd_se',
          'seconds_per_image')}
      body.append([mask, label, f'{f["psnr_hole"]:.2f} ± {f["psnr_hole_std"]:.2f}',
                   f'{f["ssim"]:.3f} ± {f["ssim_std"]:.3f}', f'{f["perceptual"]:.3f}',
                   f'{f["fd"]:.1f} ± {f["fd_se"]:.1f}', f'{f["seconds_per_image"]:.2f}'])
  return tables.markdown_table(['mask', 'method', 'PSNR hole (dB)', 'SSIM', 'perceptual', 'FD',
                                's / image'], body)


def encoder_curve_table(path: str = ENCODER_CURVE, points: int = 10) -> str:
  """The encoder's losses (averaged over the last progress interval) at about `points`
  evenly spaced steps, the last one included."""
  rows = tables.read_csv(path)
  keep = sorted({round(i * (len(rows) - 1) / points) for i in range(points + 1)})
  return tables.markdown_table(
      ['step', 'minutes', 'loss', 'image L1 (whole image, [-1, 1])', 'z L1 (G\'s samples)'],
      ([f'{int(rows[i]["step"]):,}', f'{float(rows[i]["minutes"]):.0f}', rows[i]['loss'],
        rows[i]['image_l1'], rows[i]['z_l1']] for i in keep))


def encoder_curve_plot(path: str = ENCODER_CURVE,
                       png: str = os.path.join(RESULTS, 'encoder_curve.png')) -> str:
  """Draws the encoder's loss curve (image L1 and z L1 against the step) to png."""
  rows = tables.read_csv(path)
  series = {k: [(float(r['step']), float(r[k])) for r in rows] for k in ('image_l1', 'z_l1')}
  return plot.line_plot(series, png, 'training step', 'L1', 'The encoder\'s training losses')


def with_summary(readme: str, root: str = '.') -> str:
  """README text with the block between SUMMARY_START and SUMMARY_END rewritten.

  Raises:
    ValueError: the README has no such block.
  """
  start, end = readme.find(SUMMARY_START), readme.find(SUMMARY_END)
  if start < 0 or end < start:
    raise ValueError(f'the README has no block between {SUMMARY_START!r} and {SUMMARY_END!r}')
  table = summary_table(os.path.join(root, ERRORS_CSV))
  return readme[:start] + SUMMARY_START + '\n\n' + table + '\n' + readme[end:]


def render(template: str, root: str = '.') -> str:
  """The template's text with every directive line replaced (module docstring).

  Raises:
    FileNotFoundError: an included file is missing.
  """
  out = []
  for line in template.splitlines():
    m = re.fullmatch(r'\{\{(include (\S+)|tried|lineage|summary|encoder_curve)\}\}',
                     line.strip())
    if not m:
      out.append(line)
    elif m.group(2):
      with open(os.path.join(root, m.group(2))) as f:
        out.append(f.read().rstrip('\n'))
    elif m.group(1) == 'encoder_curve':
      out.append(encoder_curve_table(os.path.join(root, ENCODER_CURVE)).rstrip('\n'))
    elif m.group(1) == 'summary':
      out.append(summary_table(os.path.join(root, ERRORS_CSV)).rstrip('\n'))
    elif m.group(1) == 'tried':
      out.append(tried_table(read_runs(os.path.join(root, RUNS_CSV))).rstrip('\n'))
    else:
      out.append(lineage_table(os.path.join(root, 'inpaint', 'recipes'),
                               os.path.join(root, RESULTS, 'fd_lineage.json'),
                               os.path.join(root, RESULTS, 'fd.json')).rstrip('\n'))
  return '\n'.join(out) + '\n'
