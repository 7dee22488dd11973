"""Metrics: errors, Frechet distance, the error table and the comparison command."""

import csv
import json
import os
import shutil

import numpy as np
import pytest

from inpaint import engine
from inpaint import images as imgs
from inpaint import run as runlib
from metrics import compare_lib as compare
from metrics import errors
from metrics import frechet
from metrics import report_lib
from metrics import tables as measure_errors


def test_image_errors_whole_and_hole():
  rng = np.random.default_rng(0)
  orig = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
  m = np.ones((16, 16), np.float32)
  m[4:8, 4:8] = 0
  res = orig.copy()
  res[4:8, 4:8] = 0
  e = errors.image_errors(res, orig, m)
  hole = orig[4:8, 4:8].astype(float) / 255
  assert e['l1_hole'] == pytest.approx(hole.mean())
  assert e['l1'] == pytest.approx(hole.sum() / orig.size)
  assert e['psnr_hole'] == pytest.approx(10 * np.log10(1 / np.mean(hole ** 2)))
  assert e['psnr'] > e['psnr_hole'] and e['ssim'] < 1
  same = errors.image_errors(orig, orig, np.ones((16, 16)))
  assert same['psnr'] == np.inf and same['ssim'] == pytest.approx(1) and np.isnan(same['l1_hole'])


def test_frechet_distance():
  rng = np.random.default_rng(0)
  a = rng.standard_normal((4000, 4))
  assert frechet.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
  # Same covariance, means 2 apart in one coordinate: FD = 4.
  assert frechet.frechet_distance(a, a + np.array([2.0, 0, 0, 0])) == pytest.approx(4, abs=1e-6)
  # b = 2a: ||mu - 2mu||^2 + Tr(S + 4S - 2 * 2S) = ||mu||^2 + Tr(S) (sample mean, covariance).
  want = np.sum(a.mean(0) ** 2) + np.trace(np.cov(a.T))
  assert frechet.frechet_distance(a, 2 * a) == pytest.approx(want, rel=1e-6)
  # Its two parts: the mean term and the covariance term, and the spread of each side.
  t = frechet.frechet_terms(a, 2 * a)
  assert t['mean'] == pytest.approx(np.sum(a.mean(0) ** 2), rel=1e-6)
  assert t['cov'] == pytest.approx(np.trace(np.cov(a.T)), rel=1e-6)
  assert t['var_b'] == pytest.approx(4 * t['var_a'], rel=1e-9) and t['fd'] == t['mean'] + t['cov']
  shifted = frechet.frechet_terms(a, a + np.array([2.0, 0, 0, 0]))
  assert shifted['mean'] == pytest.approx(4) and shifted['cov'] == pytest.approx(0, abs=1e-6)


def test_real_accepted_counts_positive_logits_over_batches():
  import keras
  x = keras.Input((4, 4, 3))
  d = keras.Model(x, keras.layers.GlobalAveragePooling2D()(x)[:, :1])  # logit = mean red
  images = np.zeros((7, 4, 4, 3), np.uint8)
  images[:5] = 200  # above mid-grey: a positive logit, "real"
  assert frechet.real_accepted(d, images, batch_size=3) == pytest.approx(5 / 7)
  assert frechet.real_accepted(d, images[5:]) == 0.0


def test_gan_distances_on_tiny_models_with_progress(tiny_models, cropped_dir):
  from googlenet import train_lib as gtrain
  from inpaint import train_gan
  g, _, _ = train_gan.load_gan(tiny_models['dcgan'])
  net = gtrain.load_inference(tiny_models['googlenet'])
  lines = []
  res = frechet.gan_distances(g, net, cropped_dir, num=20, split='all', log=lines.append)
  assert res['num_generated'] == 20 and res['num_all'] == res['num_train'] + res['num_val']
  assert res['fd_generated_all'] > 0 and res['fd_train_val'] >= 0
  assert res['fd_mean_term'] + res['fd_cov_term'] == pytest.approx(res['fd_generated_all'])
  assert res['feature_var_generated'] > 0 and res['feature_var_all'] > 0
  assert len(lines) == 3 and all('eta' in l for l in (lines[0], lines[2]))
  assert f'FD {res["fd_generated_all"]:.2f}' in lines[1]


def test_compare_resumes_and_measure_errors(tiny_models, tmp_path, cropped_dir, monkeypatch):
  out = str(tmp_path / 'cmp')
  base = runlib.RunConfig(data_dir=cropped_dir, split='all', load_model=tiny_models['dcgan'],
                          classifier_dir=tiny_models['googlenet'],
                          encoder_dir=tiny_models['encoder'])
  kw = dict(num=3, iters=4, mask_types=['left'], base=base, figure_rows=2)
  settings = compare.compare(out, log=lambda s: None, **kw)
  assert len(settings['runs']) == len(compare.ROWS)
  assert os.path.exists(os.path.join(out, 'figure_left.png'))
  with open(os.path.join(out, 'errors.csv')) as f:
    rows = list(csv.DictReader(f))
  # Every row, and the ground truth's own realism scores (the floor of FD at this n).
  assert {r['method'] for r in rows} == set(compare.ROWS) | {'original'}
  assert all(r['n'] == '3' and r['mask_type'] == 'left' for r in rows)
  scored = {r['method']: r for r in rows}
  assert float(scored['original']['perceptual']) == 0 and float(scored['yeh']['perceptual']) > 0
  assert all(float(r['fd']) > 0 and r['fd_se'] != '' for r in rows)
  with open(os.path.join(out, 'paired.md')) as f:
    paired = f.read()
  # Every row but yeh itself, each against yeh on the same 3 images.
  assert paired.count('| yeh | 3 |') == len(rows) - 1 and '| left | yeh | yeh |' not in paired
  with open(os.path.join(out, 'runs.md')) as f:
    assert f.read().count('| left |') == len(rows) - 1  # 'original' ran nothing.
  lines = []

  def no_models(*args, **kwargs):
    raise AssertionError('a cached row loaded its models')

  monkeypatch.setattr(runlib, 'Models', no_models)
  # Every row comes from the cache, also one whose completed images are gone (as in a
  # fresh checkout, which has the scores only): it is tabled, not run.
  os.remove(os.path.join(out, 'left', 'yeh', 'results.npz'))
  again = compare.compare(out, log=lines.append, **kw)
  assert sum('cached' in l for l in lines) == len(again['runs'])
  with open(os.path.join(out, 'errors.csv')) as f:
    assert list(csv.DictReader(f)) == rows
  # cached_only tables what is done and runs nothing: the center rows are left out.
  part = compare.compare(out, log=lambda s: None, cached_only=True,
                         **{**kw, 'mask_types': ['left', 'center']})
  assert len(part['runs']) == len(again['runs'])
  assert {m['mask_type'] for m in part['missing']} == {'center'}
  assert len(part['missing']) == len(compare.ROWS)
  with open(os.path.join(out, 'errors.csv')) as f:
    assert list(csv.DictReader(f)) == rows
  # against: each row paired with its own row of another folder of the same images. There,
  # random_start ran other models (still paired) and scored 3 dB less on its first image;
  # yeh ran other settings (not paired).
  other = str(tmp_path / 'other')
  shutil.copytree(out, other)
  for label, change in (('random_start', 'weights'), ('yeh', 'settings')):
    path = os.path.join(other, 'left', label, 'row.json')
    with open(path) as f:
      saved = json.load(f)
    if change == 'weights':
      saved['key']['weights'] = {'dcgan': 'other'}
      saved['images'][0]['psnr_hole'] -= 3.0
    else:
      saved['key']['settings']['iters'] += 1
    with open(path, 'w') as f:
      json.dump(saved, f)
  with open(os.path.join(other, 'left', 'exemplar', 'row.json'), 'w') as f:
    json.dump([1, 2], f)  # Not a row: left out with a line, no traceback.
  lines = []
  compare.compare(out, log=lines.append, cached_only=True, against=other, **kw)
  with open(os.path.join(out, 'paired_against.md')) as f:
    against = f.read()
  assert against.count('| against | 3 |') == len(rows) - 3 and '| left | yeh |' not in against
  assert '| left | random_start | against | 3 | +1.000 ± 1.000 | 33% |' in against
  assert '| left | biharmonic | against | 3 | +0.000 ± 0.000 | 0% |' in against
  assert sum('left/yeh' in l and 'not paired' in l for l in lines) == 1
  assert sum('no row left/exemplar' in l for l in lines) == 1
  with pytest.raises(FileNotFoundError, match='--against'):
    compare.compare(out, log=lambda s: None, cached_only=True, against=str(tmp_path / 'no'), **kw)
  monkeypatch.undo()
  # measure_errors tables the outputs of inpaint_main runs (tryNN.json).
  rc = runlib.RunConfig(engine=engine.Config(method='biharmonic'), data_dir=cropped_dir,
                        split='all', sample_batch=3, output_dir=str(tmp_path / 'bh'))
  runlib.inpaint_dataset(rc, log=lambda s: None)
  md = measure_errors.markdown(measure_errors.summarize(measure_errors.collect(str(tmp_path))))
  assert md.count('\n') == 3 and '| biharmonic |' in md


def test_compare_generated_source_needs_no_data(tiny_models, tmp_path, monkeypatch):
  monkeypatch.delenv('CARS_DATA_DIR', raising=False)
  out = str(tmp_path / 'gen')
  base = runlib.RunConfig(data_dir=str(tmp_path / 'none'), load_model=tiny_models['dcgan'],
                          classifier_dir=tiny_models['googlenet'],
                          encoder_dir=tiny_models['encoder'])
  compare.compare(out, num=2, iters=2, mask_types=['center'], base=base, figure_rows=2,
                  source='generated', log=lambda s: None)
  assert os.path.exists(os.path.join(out, 'figure_generated_center.png'))


def test_figure_headers_wrap_instead_of_cutting():
  for name in ('semantic_context_only', 'semantic_seed', 'semantic_3b_4b', 'x' * 25, 'yeh'):
    lines = imgs.header_lines(name, 11)
    assert all(len(l) <= 11 for l in lines), lines
    assert ''.join(lines).replace('_', '') == name.replace('_', '')  # Nothing is lost.
  cols = [np.zeros((3, 64, 64, 3), np.uint8)] * 2
  one = imgs.rows_image(cols, ['a', 'b'])
  three = imgs.rows_image(cols, ['a', 'semantic_context_only'])
  assert three.shape[0] > one.shape[0] and three.shape[1] == one.shape[1]
  assert three[:20].min() < 255  # The header is drawn.


def test_paired_differences_are_image_by_image():
  base = [{'psnr_hole': v, 'ssim': 0.5} for v in (10.0, 12.0, 14.0, 16.0)]
  better = [{'psnr_hole': v + d, 'ssim': 0.5 + d / 100} for v, d in zip((10.0, 12.0, 14.0, 16.0),
                                                                        (1.0, 3.0, -1.0, 1.0))]
  groups = {('yeh', 'left'): base, ('semantic', 'left'): better,
            ('short', 'left'): better[:2]}  # Not the same images: not paired.
  [row] = measure_errors.paired(groups, 'yeh')
  d = np.array([1.0, 3.0, -1.0, 1.0])
  assert row['method'] == 'semantic' and row['n'] == 4
  assert row['psnr_hole'] == pytest.approx(d.mean())
  assert row['psnr_hole_se'] == pytest.approx(d.std(ddof=1) / 2)
  assert row['psnr_hole_better'] == 0.75 and row['ssim'] == pytest.approx(0.01)
  assert '+1.000 ± 0.816 | 75%' in measure_errors.paired_markdown([row])
  # Against the same rows of another comparison: each method with its own row there.
  rows = measure_errors.paired(groups, 'before', base_groups={('semantic', 'left'): base,
                                                              ('yeh', 'left'): better})
  assert [(r['method'], r['baseline']) for r in rows] == [('semantic', 'before'),
                                                          ('yeh', 'before')]
  assert rows[0]['psnr_hole'] == pytest.approx(d.mean())
  assert rows[1]['psnr_hole'] == pytest.approx(-d.mean())


def test_blurred_keeps_zero_sigma_and_smooths():
  rng = np.random.default_rng(0)
  images = rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
  same = frechet.blurred(images, 0)
  assert same.dtype == np.float32 and np.allclose(same, images / 127.5 - 1, atol=1e-6)
  soft = frechet.blurred(images, 1.5)
  assert soft.shape == images.shape and soft.min() >= -1 and soft.max() <= 1
  # Blur averages neighbours: less spread within each image, the same mean colour.
  assert soft.std(axis=(1, 2)).max() < 0.6 * same.std(axis=(1, 2)).min()
  assert np.allclose(soft.mean(axis=(1, 2)), same.mean(axis=(1, 2)), atol=0.02)
  # Each image is blurred on its own: a flat image stays flat beside a noisy one.
  flat = np.concatenate([images[:1], np.full((1, 16, 16, 3), 200, np.uint8)])
  assert np.allclose(frechet.blurred(flat, 2.0)[1], 200 / 127.5 - 1, atol=1e-5)


def test_blur_distances_on_tiny_models(tiny_models, cropped_dir):
  from googlenet import train_lib as gtrain
  net = gtrain.load_inference(tiny_models['googlenet'])
  res = frechet.blur_distances(net, [0, 2.0], cropped_dir, num=12)
  assert [r['sigma'] for r in res['rows']] == [0.0, 2.0] and res['num_train'] == 12
  sharp, soft = res['rows']
  assert sharp['fd'] == pytest.approx(sharp['mean'] + sharp['cov'])
  assert sharp['var_b'] == soft['var_b'] and soft['fd'] != pytest.approx(sharp['fd'])


def test_fd_curve_scores_new_snapshots_only_and_keeps_old_rows(tiny_models, cropped_dir,
                                                               tmp_path):
  from googlenet import train_lib as gtrain
  from inpaint import ckpt
  from inpaint import data
  from inpaint import train_gan
  from metrics import fd_curve_lib
  g, d, conf = train_gan.load_gan(tiny_models['dcgan'])
  run_dir = tmp_path / 'run'

  def snap(step):
    ckpt.export_weights(str(run_dir / 'snapshots' / f'{step:07d}'),
                        {'generator': g, 'discriminator': d},
                        {**conf, 'step': step, 'seconds': 30.0 * step})

  for step in (10, 20, 30):
    snap(step)
  assert [os.path.basename(s) for s in fd_curve_lib.pick(fd_curve_lib.snapshots(str(run_dir)), 2)] == [
      '0000010', '0000030']
  assert len(fd_curve_lib.pick(fd_curve_lib.snapshots(str(run_dir)), 1)) == 3
  with pytest.raises(ckpt.CheckpointError, match='no snapshots'):
    fd_curve_lib.snapshots(str(tmp_path))
  csv_path = str(tmp_path / 'out' / 'curve.csv')
  # A row of an older CSV, without the newer columns, is kept as it is.
  fd_curve_lib.write_rows(csv_path, [{'run': 'old', 'step': 5, 'seconds': 1.0,
                                'fd_generated_val': 99.0}])
  real = frechet.RealFeatures(gtrain.load_inference(tiny_models['googlenet']), cropped_dir)
  train_images = data.load_arrays(cropped_dir, 'train', real.classifier.input_shape[1])[0]
  lines = []
  rows = fd_curve_lib.score_runs([('tiny', str(run_dir))], real, train_images, csv_path, num=12,
                           every=2, log=lines.append)
  new = [r for r in rows if r['run'] == 'tiny']
  assert [r['step'] for r in new] == [10, 30] and len(lines) == 2
  for r in new:  # Same weights in each snapshot: same scores.
    assert r['fd_generated_val'] == new[0]['fd_generated_val'] > 0
    assert 0 <= r['fd_mean_term'] <= r['fd_generated_val']
    assert r['feature_var_generated'] > 0 and r['feature_var_val'] > 0
    assert 0 <= r['d_real_train'] <= 1 and r['num_val'] == real.num
  assert 'feature variance' in lines[0]
  snap(40)  # The run grew: only the new last snapshot is scored on the next call.
  rows = fd_curve_lib.score_runs([('tiny', str(run_dir))], real, train_images, csv_path, num=12,
                           every=2, log=lines.append)
  assert len(lines) == 3 and [int(r['step']) for r in rows] == [5, 10, 30, 40]
  assert rows[0]['fd_mean_term'] == '' and float(rows[0]['fd_generated_val']) == 99.0
  assert fd_curve_lib.series(rows)['tiny'] == [(5.0, float(rows[1]['fd_generated_val'])),
                                         (15.0, float(rows[1]['fd_generated_val'])),
                                         (20.0, float(rows[1]['fd_generated_val']))]
  assert os.path.exists(fd_curve_lib.write_plot(rows, str(tmp_path / 'curve.png'), 12))


def test_docs_pages_are_written_from_their_templates(monkeypatch):
  """docs/*.md is what `python -m metrics.report` writes from docs/*.in.md and the
  committed results: a changed result or template without the page rewritten fails."""
  monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  for page in ('results', 'training'):
    with open(os.path.join('docs', f'{page}.in.md')) as f:
      text = report_lib.render(f.read())
    assert '{{' not in text
    with open(os.path.join('docs', f'{page}.md')) as f:
      assert f.read() == text, f'docs/{page}.md is stale: run python -m metrics.report'
  # The README's results table is the comparison's, rewritten with the pages.
  with open('README.md') as f:
    readme = f.read()
  assert report_lib.with_summary(readme) == readme, 'README.md results are stale: run ' \
      'python -m metrics.report'
  assert '| left | yeh |' in report_lib.summary_table()
