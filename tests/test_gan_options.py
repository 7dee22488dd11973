"""DCGAN training options: DiffAugment, EMA of G, bf16 compute, snapshots."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from inpaint import ckpt
from inpaint import diffaug
from inpaint import train_gan
from tests.conftest import tiny_gan_config


def test_policy_parsing():
  assert diffaug.parse_policy('color, translation,cutout') == ('color', 'translation', 'cutout')
  assert diffaug.parse_policy('') == ()
  with pytest.raises(ValueError, match='color, translation, cutout'):
    diffaug.parse_policy('color,rotate')


def test_translation_shifts_whole_pixels_with_zero_fill():
  x = tf.random.uniform([6, 16, 16, 3], 0.5, 1.0)  # No zeros in the input.
  out = diffaug.diff_augment(x, ('translation',), tf.random.Generator.from_seed(0)).numpy()
  xn = x.numpy()
  for i in range(6):
    found = False
    for dy in range(-2, 3):
      for dx in range(-2, 3):
        ref = np.zeros_like(xn[i])
        src = xn[i][max(0, -dy):16 - max(0, dy), max(0, -dx):16 - max(0, dx)]
        ref[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
        found |= np.array_equal(ref, out[i])
    assert found, i


def test_cutout_zeroes_one_half_size_square():
  x = tf.ones([8, 16, 16, 1])
  out = diffaug.diff_augment(x, ('cutout',), tf.random.Generator.from_seed(1)).numpy()
  for img in out[..., 0]:
    ys, xs = np.nonzero(img == 0)
    assert len(ys) <= 64  # At most 8x8; less where the square leaves the image.
    if len(ys):
      assert len(ys) == (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)  # A rectangle.


def test_augmentation_is_differentiable():
  x = tf.Variable(tf.random.uniform([4, 16, 16, 3], -1, 1))
  rng = tf.random.Generator.from_seed(2)
  with tf.GradientTape() as tape:
    y = diffaug.diff_augment(x, diffaug.POLICIES, rng)
    loss = tf.reduce_sum(y ** 2)
  g = tape.gradient(loss, x)
  assert g is not None and float(tf.reduce_sum(tf.abs(g))) > 0


def test_ema_generator_follows_and_is_what_export_ships(cropped_dir, tmp_path):
  cfg = tiny_gan_config(data_dir=cropped_dir, iters=3, batch_size=4, save_freq=3, sample_freq=3,
                        print_freq=1, output_root=str(tmp_path), diffaug='color,translation,cutout',
                        ema_decay=0.9)
  gan = train_gan.GAN(cfg)
  real = np.random.default_rng(0).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
  for _ in range(3):
    gan.train_step(real)
  g = [w.numpy() for w in gan.generator.weights]
  e = [w.numpy() for w in gan.generator_ema.weights]
  assert any(not np.array_equal(a, b) for a, b in zip(g, e))  # An average, not a copy.
  assert int(gan.ema_updates.numpy()) == 3
  run = train_gan.train(cfg)
  assert os.path.exists(os.path.join(run, 'snapshots', '0000003', ckpt.WEIGHTS))
  out = str(tmp_path / 'export')
  train_gan.export(run, out)
  conf = ckpt.read_config(out)
  assert conf['ema_used'] and conf['recipe']['diffaug'] == 'color,translation,cutout'
  g_run, _, _ = train_gan.load_gan(run)  # The run's EMA generator.
  g_exp, _, _ = train_gan.load_gan(out)
  z = np.random.default_rng(1).uniform(-1, 1, (2, 100)).astype(np.float32)
  np.testing.assert_allclose(g_exp(z, training=False), g_run(z, training=False), atol=0.05)


def test_bf16_training_keeps_float32_variables():
  gan = train_gan.GAN(tiny_gan_config(compute_dtype='bfloat16'))
  assert all(v.dtype == tf.float32 for v in gan.generator.weights)
  real = np.random.default_rng(0).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
  d, g = gan.train_step(real)
  assert np.isfinite(float(d)) and np.isfinite(float(g))
  assert gan.sample(tf.zeros([2, 100])).dtype == tf.float32


@pytest.mark.parametrize('kind', ['generator', 'discriminator'])
def test_widen_keeps_the_function_and_breaks_the_symmetry(kind):
  from inpaint import dcgan
  build = {'generator': lambda w: dcgan.build_generator(100, 64, w),
           'discriminator': lambda w: dcgan.build_discriminator(64, w)}[kind]
  narrow, wide = build(0.0625), build(0.125)
  rng = np.random.default_rng(0)
  for v in narrow.weights:  # Non-trivial batch-norm parameters and statistics.
    v.assign(v + (0.0 if 'variance' in v.path else rng.normal(0, 0.1, v.shape).astype(np.float32)))
  assert dcgan.widen(narrow, wide, np.random.default_rng(1)) == 2
  x = (rng.uniform(-1, 1, (8, 100)) if kind == 'generator'
       else rng.uniform(-1, 1, (8, 64, 64, 3))).astype(np.float32)
  for training in (False, True):
    np.testing.assert_allclose(wide(x, training=training), narrow(x, training=training),
                               atol=2e-5, rtol=1e-4)
  # The two copies of a hidden channel read the same input but write with different
  # weights, so they are no longer interchangeable.
  second = wide.get_layer('h2_deconv2d' if kind == 'generator' else 'h2_conv2d').weights[0].numpy()
  axis = 3 if kind == 'generator' else 2
  half = second.shape[axis] // 2
  a, b = np.split(second, 2, axis=axis)
  assert half and not np.allclose(a, b)
  with pytest.raises(ValueError, match='integer multiple'):
    dcgan.widen(narrow, build(0.09375), np.random.default_rng(1))


def test_training_can_start_from_a_narrower_export(cropped_dir, tmp_path, tiny_models):
  from tests.conftest import TINY
  cfg = tiny_gan_config(data_dir=cropped_dir, iters=1, batch_size=4, save_freq=1,
                        sample_freq=1, print_freq=1, output_root=str(tmp_path),
                        init_from=tiny_models['dcgan'])
  cfg.width = 2 * TINY
  run = train_gan.train(cfg)
  g, _, conf = train_gan.load_gan(run)
  assert conf['width'] == 2 * TINY and g.get_layer('h1_deconv2d').weights[0].shape[-1] == \
      2 * round(1024 * TINY)
  cfg.width = 1.5 * TINY
  with pytest.raises(ckpt.CheckpointError, match='cannot start --width'):
    train_gan.train(cfg)


def test_spectral_d_has_unit_norm_layers_and_per_image_logits():
  from inpaint import dcgan
  from tests.conftest import TINY
  keras.utils.set_random_seed(0)  # The power iteration's start vector: not the test order's.
  d = dcgan.build_discriminator(64, TINY, norm='spectral')
  assert not any('batchnorm' in lay.name for lay in d.layers)
  rng = np.random.default_rng(0)
  for lay in ('h1_conv2d', 'h4_linear'):  # Largest singular values far above 1 (~10-60).
    kernel = d.get_layer(lay).layer.kernel
    kernel.assign(rng.normal(0, 1, kernel.shape).astype(np.float32))
  x = rng.uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
  for _ in range(20):  # One power iteration per training call.
    d(x, training=True)
  for lay in ('h1_conv2d', 'h4_linear'):
    k = d.get_layer(lay).layer.kernel.numpy()
    assert np.linalg.svd(k.reshape(-1, k.shape[-1]), compute_uv=False)[0] == pytest.approx(1, abs=0.02)
  # No batch statistics: an image's logit does not depend on the rest of the batch (up
  # to the one more power iteration each training call makes, ~1e-3 relative here).
  np.testing.assert_allclose(d(x[:1], training=True), d(x, training=True)[:1], rtol=1e-2,
                             atol=1e-3)
  np.testing.assert_allclose(d(x[:1], training=False), d(x, training=False)[:1], atol=1e-5)
  with pytest.raises(ValueError, match='spectral'):
    dcgan.build_discriminator(64, TINY, norm='layer')
  with pytest.raises(ValueError, match='cannot be widened'):
    dcgan.widen(d, dcgan.build_discriminator(64, 2 * TINY, norm='spectral'), rng)


def test_spectral_d_trains_exports_and_resumes_only_as_itself(cropped_dir, tmp_path, tiny_models):
  cfg = tiny_gan_config(data_dir=cropped_dir, iters=2, batch_size=4, save_freq=2, sample_freq=2,
                        print_freq=1, output_root=str(tmp_path), d_norm='spectral',
                        init_from=tiny_models['dcgan'])
  cfg.validate()
  run = train_gan.train(cfg)  # G from the batch-norm export, D fresh.
  assert ckpt.read_config(run)['d_norm'] == 'spectral'
  out = str(tmp_path / 'export')
  train_gan.export(run, out)
  g, d, conf = train_gan.load_gan(out)
  assert conf['d_norm'] == 'spectral' and d.get_layer('h4_linear').name == 'h4_linear'
  assert 'vector_u' in ' '.join(v.path for v in d.weights)
  _, d_run, _ = train_gan.load_gan(run)
  x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype(np.float32)
  np.testing.assert_allclose(d(x, training=False), d_run(x, training=False), atol=0.05, rtol=0.05)
  cfg.iters, cfg.load_model, cfg.init_from, cfg.d_norm = 3, run, None, 'batch'
  with pytest.raises(ckpt.CheckpointError, match='d_norm'):
    train_gan.train(cfg)
  with pytest.raises(checks_error(), match='d_norm'):
    tiny_gan_config(d_norm='group').validate()


def checks_error():
  from inpaint import checks
  return checks.ConfigError


def _warm_start_and_export(cropped_dir, tmp_path, tiny_models, **options):
  """Two steps from the tiny export with `options`, then an export of the run.

  Returns:
    (the run's Config, the run folder, load_gan of the export); the run's saved config
    holds every option.
  """
  cfg = tiny_gan_config(data_dir=cropped_dir, iters=2, batch_size=4, save_freq=2, sample_freq=2,
                        print_freq=1, output_root=str(tmp_path), init_from=tiny_models['dcgan'],
                        **options)
  cfg.validate()
  run = train_gan.train(cfg)
  saved = ckpt.read_config(run)
  assert {k: saved[k] for k in options} == options
  out = str(tmp_path / 'export')
  train_gan.export(run, out)
  return cfg, run, train_gan.load_gan(out)


def test_projected_d_reads_frozen_classifier_features_and_trains_only_its_heads(
    cropped_dir, tmp_path, tiny_models):
  from inpaint import dcgan
  from inpaint import networks
  from tests.conftest import TINY
  classifier = networks.load(tiny_models['googlenet'], 'googlenet').models['googlenet']
  layers = 'conv2_3x3,inception_3b'
  d = dcgan.build_discriminator(64, TINY, features=layers, features_width=TINY)
  assert dcgan.copy_features(classifier, d) > 0
  # The frozen features are the classifier's own activations.
  x = np.random.default_rng(0).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
  from googlenet import model as gmodel
  want = gmodel.feature_model(classifier, ['inception_3b'])(x)['inception_3b']
  np.testing.assert_allclose(d.get_layer('features')(x)[1], want, atol=1e-5)
  assert d(x, training=True).shape == (4, 1)
  trained = {v.path for v in d.trainable_variables}
  frozen = {v.path for v in d.get_layer('features').weights} | {
      v.path for v in d.weights if '_ccm' in v.path}
  assert trained and frozen and not trained & frozen
  with pytest.raises(ValueError, match='another width'):
    dcgan.copy_features(classifier, dcgan.build_discriminator(64, TINY, features=layers))
  with pytest.raises(ValueError, match='at least 4x4'):  # 2x2 at 64 pixels.
    dcgan.build_discriminator(64, TINY, features='inception_5b', features_width=TINY)
  # A train step moves the heads and leaves the features (and their BN statistics) alone.
  options = dict(d_features=layers, d_features_width=TINY, d_features_from=tiny_models['googlenet'])
  gan = train_gan.GAN(tiny_gan_config(batch_size=4, **options))
  train_gan.load_d_features(gan, gan.cfg)
  before = {v.path: v.numpy().copy() for v in gan.discriminator.weights}
  gan.train_step(tf.constant(x))
  moved = {v.path for v in gan.discriminator.weights if not np.array_equal(v.numpy(), before[v.path])}
  assert moved & trained and not moved & frozen  # The heads' weights and BN statistics.
  # Through a run, its export and a resume with another D.
  cfg, run, (g, d2, conf) = _warm_start_and_export(cropped_dir, tmp_path, tiny_models, **options)
  assert conf['d_features'] == layers
  np.testing.assert_allclose(d2.get_layer('features')(x)[1], want, rtol=2e-2, atol=2e-2)
  # Resumed, the run still knows where it began, and its export lists that stage.
  cfg.iters, cfg.load_model, cfg.init_from = 3, run, None
  train_gan.train(cfg)
  assert ckpt.read_config(run)['init_from'] == tiny_models['dcgan']
  train_gan.export(run, str(tmp_path / 'export3'))
  assert ckpt.read_config(str(tmp_path / 'export3')).get('lineage')
  # The same G can ship with a pixel D taken from another export (inpainting's prior).
  train_gan.export(run, str(tmp_path / 'export4'), d_from=tiny_models['dcgan'])
  g4, d4, conf4 = train_gan.load_gan(str(tmp_path / 'export4'))
  g3, _, _ = train_gan.load_gan(str(tmp_path / 'export3'))
  _, d_pixel, _ = train_gan.load_gan(tiny_models['dcgan'])
  assert conf4['d_features'] == '' and conf4['d_from']['folder'] and conf4.get('lineage')
  assert not any(layer.name == 'features' for layer in d4.layers)
  z = np.random.default_rng(1).uniform(-1, 1, (4, 100)).astype(np.float32)
  np.testing.assert_allclose(g4(z, training=False), g3(z, training=False), atol=1e-6)
  np.testing.assert_allclose(d4(x, training=False), d_pixel(x, training=False), rtol=2e-2, atol=2e-2)
  wide = str(tmp_path / 'wide')
  ckpt.export_weights(wide, {'generator': dcgan.build_generator(100, 64, 2 * TINY),
                             'discriminator': dcgan.build_discriminator(64, 2 * TINY)},
                      train_gan.arch_config(train_gan.Config(width=2 * TINY)))
  with pytest.raises(ckpt.CheckpointError, match='width'):
    train_gan.export(run, str(tmp_path / 'export5'), d_from=wide)
  cfg.iters, cfg.d_features = 4, ''
  with pytest.raises(ckpt.CheckpointError, match='d_features'):
    train_gan.train(cfg)
  for bad in ({'d_features': 'conv9'}, {'d_features': layers, 'd_norm': 'spectral'}):
    with pytest.raises(checks_error(), match='d_features'):
      tiny_gan_config(**bad).validate()
