"""The benchmark's library (metrics.benchmark_lib) on tiny models: counts, what is timed, table.

Speed itself is measured by `python -m metrics.benchmark`, never asserted here: these
tests check that the benchmark times the work it says it times.
"""

import pytest

from googlenet import train_lib as gtrain
from inpaint import engine
from inpaint import run as runlib
from inpaint import train_gan
from metrics import benchmark_lib


def _models(tiny_models):
  g, d, _ = train_gan.load_gan(tiny_models['dcgan'])
  return g, d, gtrain.load_inference(tiny_models['googlenet'])


def test_loss_macs_count_each_network_its_terms_use(tiny_models):
  g, d, c = _models(tiny_models)
  yeh = benchmark_lib.loss_macs(g, d, c, engine.Config(method='yeh'))
  sem = benchmark_lib.loss_macs(g, d, c, engine.Config(method='semantic'))
  assert yeh == 2 * (benchmark_lib.macs(g) + 2 * benchmark_lib.macs(d)) > 0
  assert sem - yeh == 4 * benchmark_lib.macs(c) > 0
  no_d = engine.Config(method='yeh', lamb=0.0)  # No prior term: D never runs.
  assert benchmark_lib.loss_macs(g, d, c, no_d) == 2 * benchmark_lib.macs(g)


def test_compiled_timing_runs_the_iterations_it_divides_by(tiny_models):
  g, d, c = _models(tiny_models)
  inp = engine.Inpainter(g, d, c, engine.Config(method='yeh', restarts=2, start='random'))
  ran = []
  chunk = inp.chunk

  def counted(st, y, m, w, n):
    out = chunk(st, y, m, w, n)
    ran.append((int(out.it) - int(st.it), int(out.z.shape[0])))
    return out

  inp.chunk = counted
  assert benchmark_lib.time_compiled(inp, 3, 7) > 0
  # A warm-up chunk, then exactly the 7 timed iterations, on 3 images x 2 restarts.
  assert ran == [(2, 6), (7, 6)]
  assert inp.cfg.iters == engine.Config(method='yeh', restarts=2).resolved().iters  # Untouched.
  assert benchmark_lib.time_eager(inp, 2) > 0


def test_fill_timing_runs_the_method_with_its_defaults(tiny_models, monkeypatch):
  rc = runlib.RunConfig(load_model=tiny_models['dcgan'], encoder_dir=tiny_models['encoder'])
  models = runlib.Models(rc)
  calls = []
  real = runlib.inpaint_batch

  def counted(rc, models, y, m, **kw):
    calls.append((rc.engine.resolved().method, len(y), rc.engine.resolved().iters))
    return real(rc, models, y, m, **kw)

  monkeypatch.setattr(runlib, 'inpaint_batch', counted)
  row = benchmark_lib.time_fill(models, engine.DEFAULT, 2, reps=2)
  cfg = engine.Config().resolved()
  assert calls == [(cfg.method, 2, cfg.iters)] * 3  # A warm-up, then the timed calls.
  assert row['restarts'] == cfg.restarts and row['iters'] == cfg.iters
  assert row['sec_per_image'] > 0
  calls.clear()
  row = benchmark_lib.time_fill(models, 'one_pass', 4, reps=1)
  assert calls == [('one_pass', 4, None)] * 2 and row['iters'] == 0


def test_targets_and_table_come_from_the_fill_rows():
  fills = [{'method': m, 'batch': b, 'restarts': r, 'iters': i, 'sec_per_image': s}
           for m, b, r, i, s in ((engine.DEFAULT, 1, 8, 16, 3.0), (engine.DEFAULT, 64, 8, 16, 1.2),
                                 ('one_pass', 64, 0, 0, 0.03),
                                 ('random_start', 64, 8, 187, 12.0))]
  res = {'iters': 1500, 'matmul_gflops_fp32': 200.0, 'rows': [], 'fills': fills,
         **benchmark_lib._targets(fills)}  # pylint: disable=protected-access
  assert res['target_default_le_1.5s_per_image'] is True  # The batched row, not batch 1.
  assert res['target_one_pass_le_20ms_per_image'] is False
  assert res['speedup_default_vs_random_start'] == pytest.approx(10.0)
  lines = benchmark_lib.table(res).splitlines()
  assert f'| {engine.DEFAULT} | 64 | 8 x 16 | 1.200 |' in lines
  assert 'target_one_pass_le_20ms_per_image: False' in lines
  assert benchmark_lib._targets([]) == {}  # pylint: disable=protected-access


@pytest.mark.parametrize('mode', benchmark_lib.FULL_RES_MODES)
def test_full_resolution_timing_fills_the_named_hole(mode, monkeypatch):
  """The full-resolution row times one fill of a photo of the named size and hole share
  (the fill itself checks that the known pixels are kept)."""
  from inpaint import fullres  # pylint: disable=import-outside-toplevel
  calls = []
  real = fullres.paste_back if mode == 'paste_back' else fullres.fill_photo
  monkeypatch.setattr(fullres, mode if mode == 'paste_back' else 'fill_photo',
                      lambda photo, *a, **kw: calls.append(photo.shape) or real(photo, *a, **kw))
  row = benchmark_lib.full_res_here(120, 160, 0.05, mode)
  assert calls[-1] == (120, 160, 3) and len(calls) == 2  # A warm-up, then the timed fill.
  assert row['hole_fraction'] == pytest.approx(0.05, abs=0.005)
  assert row['seconds'] > 0 and row['peak_rss_mb'] >= row['peak_rss_growth_mb'] >= 0


def test_full_resolution_targets_read_the_detail_rows():
  small, large = benchmark_lib.FULL_RES_CASES[0][0], benchmark_lib.FULL_RES_CASES[1][0]
  rows = [{'case': small, 'mode': 'paste_back', 'seconds': 9.0, 'peak_rss_growth_mb': 10},
          {'case': small, 'mode': 'detail', 'seconds': 1.5, 'peak_rss_growth_mb': 10},
          {'case': large, 'mode': 'detail', 'seconds': 12.0, 'peak_rss_growth_mb': 2100}]
  got = benchmark_lib._full_res_targets(rows)  # pylint: disable=protected-access
  assert got == {'target_full_res_900x560_le_2s': True,
                 'target_full_res_12mp_le_20s_and_2gb': False}  # Memory over 2 GB.
