"""The inpainting losses against numpy references, and the compiled loop."""

import numpy as np
import pytest
import scipy.signal
import tensorflow as tf

from googlenet import model as gm
from inpaint import dcgan
from inpaint import engine
from inpaint.engine import methods
from masks import generate as mg
from tests.conftest import TINY


@pytest.fixture(scope='module')
def nets():
  tf.keras.utils.set_random_seed(0)
  return (dcgan.build_generator(width=TINY), dcgan.build_discriminator(width=TINY),
          gm.build_googlenet(width=TINY, aux=False))


def _batch(n=2, seed=0, mask_type='center'):
  rng = np.random.default_rng(seed)
  y = rng.uniform(-1, 1, (n, 64, 64, 3)).astype(np.float32)
  m = np.stack([mg.make_mask(mask_type, 64, seed + i) for i in range(n)])
  return y, m


def _softplus(x):
  return np.logaddexp(0, x)


def test_weighted_mask_matches_yeh_reference():
  m = mg.make_mask('pattern', 64, seed=3)
  ref = m * scipy.signal.convolve2d(1 - m, np.ones((7, 7)) / 49, mode='same', boundary='symm')
  got = engine.weighted_mask(tf.constant(m[None, ..., None]), 7).numpy()[0, ..., 0]
  np.testing.assert_allclose(got, ref, atol=1e-6)
  assert got[m == 0].max() == 0  # Hole pixels carry no context weight.


def test_each_term_matches_numpy(nets):
  g_net, d_net, c_net = nets
  cfg = engine.Config(lamb=0.5, lambda_inp=2.0, lambda_sem=3.0, lambda_cat=4.0,
                      layer='inception_3b', layer_2='inception_4b')
  inp = engine.Inpainter(g_net, d_net, c_net, cfg)
  y, m = _batch()
  z = inp.initial_z(2)
  m4 = tf.constant(m[..., None])
  total, terms, g = inp.loss_terms(tf.constant(z), tf.constant(y), m4,
                                   engine.weighted_mask(m4))
  g = g.numpy()
  x = m[..., None] * y + (1 - m[..., None]) * g
  w = np.stack([mi * scipy.signal.convolve2d(1 - mi, np.ones((7, 7)) / 49, 'same', 'symm')
                for mi in m])[..., None]
  np.testing.assert_allclose(terms['context'], np.abs(w * (g - y)).sum(axis=(1, 2, 3)), rtol=1e-4)
  lg = d_net(g, training=False).numpy()[:, 0]
  lx = d_net(x, training=False).numpy()[:, 0]
  np.testing.assert_allclose(terms['prior'], 0.5 * _softplus(-lg), rtol=1e-4)
  np.testing.assert_allclose(terms['inpainting'], 2.0 * _softplus(-lx), rtol=1e-4)
  fm = gm.feature_model(c_net, ['inception_3b', 'inception_4b'])
  fg, fx = fm(g, training=False), fm(x, training=False)
  sem = sum(((fg[l].numpy() - fx[l].numpy()) ** 2).sum(axis=(1, 2, 3)) /
            (fx[l].numpy() ** 2).sum(axis=(1, 2, 3)) for l in ('inception_3b', 'inception_4b'))
  np.testing.assert_allclose(terms['semantic'], 3.0 * sem, rtol=1e-3)
  p = tf.nn.softmax(fg['logits']).numpy().astype(np.float64)
  q = tf.nn.softmax(fx['logits']).numpy().astype(np.float64)
  cat = (p * np.log(p / q) + q * np.log(q / p)).sum(axis=1)
  np.testing.assert_allclose(terms['categorical'], 4.0 * cat, rtol=1e-2, atol=1e-7)
  np.testing.assert_allclose(total, sum(terms[k] for k in engine.TERM_NAMES), rtol=1e-5)


def test_symmetric_kl_is_safe_for_extreme_logits():
  a = tf.constant([[1000.0, -1000.0, 0.0]])
  b = tf.constant([[-1000.0, 1000.0, 0.0]])
  v = engine.symmetric_kl(a, b).numpy()
  assert np.isfinite(v).all() and v[0] > 1000
  assert engine.symmetric_kl(a, a).numpy()[0] == 0


def test_zero_weight_removes_term_and_network(nets):
  g_net, d_net, c_net = nets
  y, m = _batch()
  inp = engine.Inpainter(g_net, d_net, c_net, engine.Config(lambda_sem=0, lambda_cat=0))
  assert inp.loss.features is None and inp.keys == ['context', 'prior', 'inpainting']
  m4 = tf.constant(m[..., None])
  _, terms, _ = inp.loss_terms(tf.constant(inp.initial_z(2)), tf.constant(y), m4,
                               engine.weighted_mask(m4))
  assert set(terms) == {'context', 'prior', 'inpainting'}
  yeh = engine.Inpainter(g_net, d_net, None, engine.Config(method='yeh'))
  assert yeh.loss.features is None and set(yeh.loss.weights) == {'context', 'prior'}
  no_d = engine.Inpainter(g_net, None, None, engine.Config(method='yeh', lamb=0))
  assert no_d.loss.discriminator is None


def test_loop_lowers_loss_and_keeps_best(nets):
  g_net, d_net, c_net = nets
  y, m = _batch(3)
  cfg = engine.Config(iters=30, print_freq=10, learning_rate=0.05, restarts=1, lambda_sem=30.0)
  inp = engine.Inpainter(g_net, d_net, c_net, cfg)
  z0 = inp.initial_z(3)
  m4 = tf.constant(m[..., None])
  w = engine.weighted_mask(m4, cfg.resolved().nsize)  # The window the loop uses.
  start, _, _ = inp.loss_terms(tf.constant(z0), tf.constant(y), m4, w)
  lines = []
  out = inp.inpaint(y, m, z0=z0, log=lines.append)
  assert len(lines) == 3 and 'sec_per_iter' in lines[-1]
  assert (out['loss'] < start.numpy()).all()
  again, _, g = inp.loss_terms(tf.constant(out['z']), tf.constant(y), m4, w)
  np.testing.assert_allclose(out['loss'], again.numpy(), rtol=1e-4)  # Best z's own loss.
  np.testing.assert_allclose(out['g'], g.numpy(), atol=1e-6)
  assert np.abs(out['z']).max() <= 1.0


def test_restarts_and_adam_keep_best_of_all(nets):
  g_net, d_net, _ = nets
  y, m = _batch(2)
  cfg = engine.Config(method='yeh', iters=10, print_freq=10, restarts=3, optimizer='adam')
  inp = engine.Inpainter(g_net, d_net, None, cfg)
  z0 = inp.initial_z(6)
  out = inp.inpaint(y, m, z0=z0, log=lambda s: None)
  singles = [engine.Inpainter(g_net, d_net, None, engine.Config(
      method='yeh', iters=10, print_freq=10, optimizer='adam')).inpaint(
          y, m, z0=z0[r * 2:(r + 1) * 2], log=lambda s: None)['loss'] for r in range(3)]
  np.testing.assert_allclose(out['loss'], np.min(singles, axis=0), rtol=1e-4)


def test_batch_of_one_equals_batch_of_eight(nets):
  g_net, d_net, c_net = nets
  y, m = _batch(8, seed=4, mask_type='random')
  cfg = engine.Config(iters=10, print_freq=10, restarts=1, lambda_sem=30.0)
  inp = engine.Inpainter(g_net, d_net, c_net, cfg)
  z0 = inp.initial_z(8)
  big = inp.inpaint(y, m, z0=z0, log=lambda s: None)
  one = inp.inpaint(y[5:6], m[5:6], z0=z0[5:6], log=lambda s: None)
  np.testing.assert_allclose(one['z'][0], big['z'][5], atol=1e-5)
  np.testing.assert_allclose(one['g'][0], big['g'][5], atol=1e-4)


def test_every_restart_is_returned_and_makes_the_fill(nets):
  g_net, d_net, _ = nets
  y, m = _batch(2)
  cfg = engine.Config(method='yeh', iters=10, print_freq=10, restarts=3, fill='mean')
  inp = engine.Inpainter(g_net, d_net, None, cfg)
  out = inp.inpaint(y, m, log=lambda s: None)
  assert out['g_restarts'].shape == (3, 2, 64, 64, 3) and out['loss_restarts'].shape == (3, 2)
  np.testing.assert_allclose(out['loss'], out['loss_restarts'].min(axis=0))
  # Each restart's G(z) is what the network makes of that restart's best z.
  assert not np.allclose(out['g_restarts'][0], out['g_restarts'][1])
  np.testing.assert_allclose(out['g'], out['g_restarts'].mean(axis=0), atol=1e-6)
  hole = m < 0.5
  assert out['spread'][~hole].max() == 0 and out['spread'][hole].min() > 0
  np.testing.assert_allclose(out['spread'][hole],
                             out['g_restarts'].std(axis=0).mean(axis=-1)[hole], atol=1e-6)


def test_combine_ranks_restarts_by_loss():
  rng = np.random.default_rng(0)
  g = rng.uniform(-1, 1, (4, 2, 8, 8, 3)).astype(np.float32)
  losses = np.array([[3.0, np.nan], [1.0, 2.0], [2.0, 0.5], [4.0, 1.0]])
  m = np.ones((2, 8, 8), np.float32)
  m[:, 2:6, 2:6] = 0
  best, spread = engine.combine(g, losses, m, 'best')
  np.testing.assert_array_equal(best, np.stack([g[1, 0], g[2, 1]]))
  mean2, _ = engine.combine(g, losses, m, 'mean', k=2)
  np.testing.assert_allclose(mean2, np.stack([(g[1, 0] + g[2, 0]) / 2, (g[2, 1] + g[3, 1]) / 2]),
                             atol=1e-6)
  mean3, _ = engine.combine(g, losses, m, 'mean', k=3)  # A NaN loss ranks last.
  np.testing.assert_allclose(mean3[1], g[[2, 3, 1], 1].mean(axis=0), atol=1e-6)
  assert spread[m > 0.5].max() == 0
  with pytest.raises(ValueError, match='best, mean'):
    engine.combine(g, losses, m, 'mode')


def test_mean_of_identical_restarts_equals_best(nets):
  g_net, d_net, _ = nets
  y, m = _batch(2)
  fills = {}
  for fill in ('best', 'mean'):
    cfg = engine.Config(method='yeh', iters=10, print_freq=10, restarts=3, fill=fill)
    inp = engine.Inpainter(g_net, d_net, None, cfg)
    z0 = np.tile(inp.initial_z(2), (3, 1))  # Every restart starts from the same z.
    fills[fill] = inp.inpaint(y, m, z0=z0, log=lambda s: None)
  np.testing.assert_allclose(fills['mean']['g'], fills['best']['g'], atol=1e-6)
  assert fills['mean']['spread'].max() < 1e-6


def test_batched_restarts_equal_one_image_at_a_time(nets):
  g_net, d_net, c_net = nets
  y, m = _batch(4, seed=2, mask_type='pattern')
  cfg = engine.Config(iters=10, print_freq=10, restarts=3, fill='mean', fill_k=2)
  inp = engine.Inpainter(g_net, d_net, c_net, cfg)
  z0 = inp.initial_z(12)  # Restart r of image i at row r * 4 + i.
  big = inp.inpaint(y, m, z0=z0, log=lambda s: None)
  one = inp.inpaint(y[2:3], m[2:3], z0=z0[2::4], log=lambda s: None)
  np.testing.assert_allclose(one['g'][0], big['g'][2], atol=1e-4)
  np.testing.assert_allclose(one['spread'][0], big['spread'][2], atol=1e-4)
  np.testing.assert_allclose(one['loss_restarts'][:, 0], big['loss_restarts'][:, 2], rtol=1e-4)


def test_all_known_returns_input_and_all_missing_runs(nets):
  g_net, d_net, c_net = nets
  y, _ = _batch(2)
  inp = engine.Inpainter(g_net, d_net, c_net, engine.Config(iters=5, print_freq=5,
                                                           start='random'))
  out = inp.inpaint(y, np.ones((2, 64, 64), np.float32), log=lambda s: None)
  assert out['iters'] == 0 and np.array_equal(out['composite'], y)
  out = inp.inpaint(y, np.zeros((2, 64, 64), np.float32), log=lambda s: None)
  assert np.all(out['terms']['context'] == 0) and np.isfinite(out['loss']).all()


def test_nan_loss_keeps_a_result(nets):
  g_net, d_net, _ = nets
  y, m = _batch(2)
  y[0, 0, 0, 0] = np.nan  # A known pixel is NaN: image 0's loss is NaN throughout.
  inp = engine.Inpainter(g_net, d_net, None, engine.Config(method='yeh', iters=5, print_freq=5))
  out = inp.inpaint(y, m, log=lambda s: None)
  assert out['nan'].tolist() == [True, False]
  assert np.isfinite(out['g']).all()


def test_method_defaults_resolve_from_the_registry():
  assert engine.Config().resolved().nsize == 15  # The default search: the sweep's best.
  assert engine.Config(method='yeh').resolved().nsize == 7  # Yeh as published.
  assert engine.Config(method='yeh', nsize=31).resolved().nsize == 31
  assert engine.original().resolved().nsize == 7
  # Every search method states every per-method setting; the budget sets the iterations.
  for m in engine.METHODS.values():
    if m.searches:
      assert set(methods.PER_METHOD) <= set(m.defaults), m.name
  assert engine.Config(method='yeh', restarts=3).resolved().iters == engine.ITER_BUDGET // 3
  assert engine.for_preset('random_start').resolved().iters == engine.ITER_BUDGET // 8
  assert engine.Config().resolved().start == 'learned'
  assert engine.Config(method='semantic').weights()['semantic'] > 0
  assert methods.CLASSIFIER in engine.Config(method='semantic').networks()
  assert methods.ENCODER not in engine.Config(start='random').networks()
  assert engine.Config(method='one_pass').networks() == (methods.GENERATOR, methods.ENCODER)


def test_cache_key_holds_only_what_the_method_uses():
  yeh = engine.Config(method='yeh')
  # A term that is off (and its layers), and print_freq, leave its key alone; its window
  # does not, and neither does a term turned on (a method gives defaults, flags win).
  assert yeh.key() == engine.Config(method='yeh', layer='inception_5b', print_freq=7).key()
  assert yeh.key() != engine.Config(method='yeh', lambda_sem=30.0).key()
  assert yeh.key() != engine.Config(method='yeh', nsize=63).key()
  assert yeh.key()['restarts'] == 1 and yeh.key()['nsize'] == 7  # Resolved.
  default = engine.Config()
  assert 'layer' not in default.key()  # No GoogLeNet terms by default: the layers do nothing.
  assert default.key() == engine.Config(layer='inception_5b').key()
  assert 'z_init' not in default.key() and 'start_noise' in default.key()  # A learned start.
  assert 'start_noise' not in yeh.key() and 'start' not in yeh.key()  # A random one.
  original = engine.original()
  assert original.key() != engine.for_preset('original_2018', layer='inception_5b').key()
  assert engine.Config(method='biharmonic', lamb=1.0).key() == {'method': 'biharmonic'}


def test_config_validation():
  with pytest.raises(ValueError, match='inception_3a'):
    engine.Config(layer='conv9').validate()
  with pytest.raises(ValueError, match='search, one_pass, semantic, yeh, biharmonic, exemplar'):
    engine.Config(method='magic').validate()


def test_reconstruct_lowers_feature_error(nets):
  g_net, _, c_net = nets
  y, _ = _batch(2)
  out = engine.reconstruct(g_net, c_net, 'inception_3a', y,
                           engine.Config(iters=20, print_freq=20, learning_rate=0.05),
                           log=lambda s: None)
  assert out['g'].shape == y.shape and (out['loss'] < 1.5).all()
  assert list(out['terms']) == ['semantic']
  soft = engine.reconstruct(g_net, c_net, 'softmax', y, engine.Config(iters=5, print_freq=5),
                            log=lambda s: None)
  assert soft['g'].shape == y.shape and np.isfinite(soft['loss']).all()


class _PixelLoss:
  """A loss of another shape than the seed's: the squared error on every pixel."""
  keys = ['pixels']
  uses_context = False

  def __init__(self, generator, discriminator, classifier, cfg):
    del discriminator, classifier, cfg
    self.generator = generator

  def __call__(self, z, y, m, w):
    del m, w
    g = self.generator(z, training=False)
    err = tf.reduce_sum(tf.square(g - y), axis=[1, 2, 3])
    return err, {'pixels': err}, g


def test_the_loop_takes_another_loss(nets):
  """Reconstruction and inpainting share one loop: any loss object can drive it."""
  g_net, _, _ = nets
  y = g_net(tf.constant(dcgan.sample_z(7, 2, g_net.input_shape[-1]))).numpy()
  _, m = _batch(2)
  cfg = engine.Config(method='yeh', iters=30, print_freq=10, learning_rate=0.05,
                      early_stop_patience=0)
  inp = engine.Inpainter(g_net, None, None, cfg, loss=_PixelLoss)
  z0 = inp.initial_z(2)
  start, _, _ = inp.loss_terms(tf.constant(z0), tf.constant(y), None, None)
  out = inp.inpaint(y, m, z0=z0, log=lambda s: None)
  assert list(out['terms']) == ['pixels'] and out['iters'] == 30
  assert (out['loss'] < start.numpy()).all()


def test_bfloat16_compute_close_to_float32(nets):
  g_net, d_net, c_net = nets
  y, m = _batch(2)
  outs = {}
  for dt in ('float32', 'bfloat16'):
    inp = engine.Inpainter(g_net, d_net, c_net, engine.Config(iters=1, print_freq=1,
                                                              compute_dtype=dt))
    m4 = tf.constant(m[..., None])
    z = tf.constant(inp.initial_z(2))
    outs[dt] = inp.loss_terms(z, tf.constant(y), m4, engine.weighted_mask(m4))
  assert outs['bfloat16'][2].dtype == tf.float32
  for k in ('context', 'prior', 'inpainting'):
    np.testing.assert_allclose(outs['bfloat16'][1][k], outs['float32'][1][k], rtol=0.05)


def test_plain_context_and_window_size():
  m = tf.constant(mg.make_mask('left', 64)[None, ..., None])
  assert np.array_equal(engine.weighted_mask(m, 7, weighted=False).numpy(), m.numpy())
  narrow = engine.weighted_mask(m, 7).numpy()[0, :, :, 0]
  wide = engine.weighted_mask(m, 63).numpy()[0, :, :, 0]
  # A 7-wide window sees the hole only near its edge; a 63-wide one from almost everywhere.
  assert (narrow[:, 40:] == 0).all() and (wide[:, 40:60] > 0).all()


def test_known_positions_pool_the_mask():
  m = tf.constant(mg.make_mask('left', 64)[None, ..., None])
  keep = engine.known_positions(m, 4, 0.5).numpy()[0, :, :, 0]
  assert keep[:, :2].sum() == 0 and keep[:, 2:].min() == 1
  assert engine.known_positions(m, 4, 0.0).numpy().min() == 1


def test_masked_semantic_compares_known_pixels_only(nets):
  g_net, d_net, c_net = nets
  cfg = engine.Config(lamb=0, lambda_inp=0, lambda_cat=0, lambda_sem=1.0,
                      semantic_input='masked', layer='inception_3b', layer_2='inception_3b')
  inp = engine.Inpainter(g_net, None, c_net, cfg)
  y, m = _batch(2, mask_type='left')
  m4 = tf.constant(m[..., None])
  z = tf.constant(inp.initial_z(2))
  _, terms, g = inp.loss_terms(z, tf.constant(y), m4, engine.weighted_mask(m4))
  fm = gm.feature_model(c_net, ['inception_3b'])
  a = fm(m[..., None] * g.numpy(), training=False)['inception_3b'].numpy()
  b = fm(m[..., None] * y, training=False)['inception_3b'].numpy()
  ref = ((a - b) ** 2).sum(axis=(1, 2, 3)) / (b ** 2).sum(axis=(1, 2, 3))
  np.testing.assert_allclose(terms['semantic'], ref, rtol=1e-3)
  # The hole's content does not matter to it.
  y2 = y.copy()
  y2[m == 0] = 0.7
  _, t2, _ = inp.loss_terms(z, tf.constant(y2), m4, engine.weighted_mask(m4))
  np.testing.assert_allclose(t2['semantic'], terms['semantic'], rtol=1e-5)


def test_normal_init_is_clipped_and_seeded(nets):
  g_net, _, _ = nets
  inp = engine.Inpainter(g_net, None, None, engine.Config(method='yeh', lamb=0, z_init='normal'))
  z = inp.initial_z(50)
  assert np.abs(z).max() <= 1 and (np.abs(z) == 1).mean() > 0.2  # ~32% of N(0,1) beyond 1.
  assert np.array_equal(z, inp.initial_z(50))


def test_early_stop_freezes_converged_images(nets):
  g_net, d_net, _ = nets
  y, m = _batch(2)
  # Image 0's known pixels are G(z0) itself: it starts at its optimum and stops;
  # image 1 is noise, far from anything G makes, and keeps improving for a while.
  cfg = engine.Config(method='yeh', lamb=0, iters=60, print_freq=20, learning_rate=0.01,
                      early_stop_tol=0.0, early_stop_patience=5)
  inp = engine.Inpainter(g_net, None, None, cfg)
  z0 = inp.initial_z(2)
  y[0] = g_net(z0[:1], training=False).numpy()[0]
  lines = []
  out = inp.inpaint(y, m, z0=z0, log=lines.append)
  assert out['iters_used'][0] <= 10 < out['iters_used'][1]
  np.testing.assert_allclose(out['z'][0], z0[0], atol=1e-6)  # Stopped before it moved.
  assert 'active=' in lines[0]
  # Once every image has stopped, the loop ends before --iters.
  cfg2 = engine.Config(method='yeh', lamb=0, iters=200, print_freq=20, early_stop_tol=0.5,
                       early_stop_patience=3)
  out2 = engine.Inpainter(g_net, None, None, cfg2).inpaint(y, m, z0=z0, log=lambda s: None)
  assert out2['iters'] < 200 and out2['iters_used'].max() < 200


def test_early_stop_defaults_per_method():
  # Measured for the random-start search (docs/results.md); Yeh as published and the
  # short search from the learned start run every iteration.
  assert engine.for_preset('random_start').resolved().early_stop_patience == 100
  assert engine.Config().resolved().early_stop_patience == 0
  assert engine.Config(method='yeh').resolved().early_stop_patience == 0
  assert engine.original().resolved().early_stop_patience == 0


def test_on_chunk_sees_current_best(nets):
  g_net, d_net, _ = nets
  y, m = _batch(2)
  seen = []
  inp = engine.Inpainter(g_net, d_net, None, engine.Config(method='yeh', iters=9, print_freq=3))
  out = inp.inpaint(y, m, log=lambda s: None, on_chunk=seen.append)
  assert [s['iters'] for s in seen] == [3, 6, 9]
  np.testing.assert_allclose(seen[-1]['g'], out['g'], atol=1e-6)
  assert out['clip_frac'].shape == (2,) and (out['clip_frac'] <= 1).all()
