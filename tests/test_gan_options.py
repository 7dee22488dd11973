"""DCGAN training options: DiffAugment, EMA of G, bf16 compute, snapshots."""

import os

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
  gan = train_gan.GAN(tiny_gan_config(compute_dtype='mixed_bfloat16'))
  assert all(v.dtype == tf.float32 for v in gan.generator.weights)
  real = np.random.default_rng(0).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
  d, g = gan.train_step(real)
  assert np.isfinite(float(d)) and np.isfinite(float(g))
  assert gan.sample(tf.zeros([2, 100])).dtype == tf.float32
