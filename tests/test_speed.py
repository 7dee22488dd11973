"""The benchmark's library (metrics.speed) on tiny models: counts, timings, table.

Speed itself is measured by `python -m metrics.benchmark`, never asserted here.
"""

from googlenet import train_lib as gtrain
from inpaint import engine
from inpaint import train_gan
from metrics import speed


def _models(tiny_models):
  g, d, _ = train_gan.load_gan(tiny_models['dcgan'])
  return g, d, gtrain.load_inference(tiny_models['googlenet'])


def test_loss_macs_count_the_classifier_only_for_semantic(tiny_models):
  g, d, c = _models(tiny_models)
  yeh, sem = speed.loss_macs(g, d, c, 'yeh'), speed.loss_macs(g, d, c, 'semantic')
  assert yeh == 2 * (speed.macs(g) + 2 * speed.macs(d)) > 0
  assert sem - yeh == 4 * speed.macs(c) > 0


def test_timings_are_positive_and_leave_the_config_as_asked(tiny_models):
  g, d, c = _models(tiny_models)
  inp = engine.Inpainter(g, d, c, engine.Config(method='yeh'))
  assert speed.time_compiled(inp, 2, 3) > 0
  assert inp.cfg.iters == 3
  assert speed.time_eager(inp, 2) > 0


def test_table_has_one_line_per_row_and_the_targets():
  rows = [{'method': m, 'loop': loop, 'batch': b, 'sec_per_image': s, 'gflops': 50.0}
          for m, loop, b, s in (('semantic', 'compiled fp32', 64, 12.0),
                                ('semantic', 'eager per-image', 1, 420.0))]
  res = {'iters': 1500, 'matmul_gflops_fp32': 200.0, 'rows': rows,
         **speed._targets(rows, [64])}  # pylint: disable=protected-access
  assert res['target_semantic_b64_le_15s'] and res['speedup_vs_eager_semantic'] == 35.0
  lines = speed.table(res).splitlines()
  assert '| semantic | compiled fp32 | 64 | 12.00 | 50.0 | 25% |' in lines
  assert 'speedup_vs_eager_semantic: 35.0' in lines
  assert speed._targets(rows, [16]) == {}  # pylint: disable=protected-access
