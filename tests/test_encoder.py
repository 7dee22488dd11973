"""The encoder: its model, the learned start and the one-pass fill, its trainer and the
SavedModel export (tiny models, generated data)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from inpaint import ckpt
from inpaint import data
from inpaint import dcgan
from inpaint import encoder as enc
from inpaint import encoder_train
from inpaint import engine
from inpaint import networks
from inpaint import run as runlib
from inpaint import serving
from masks import generate as mgen

TINY = 0.0625


def _nets(tiny_models):
  gan = networks.load(tiny_models['dcgan'], 'dcgan').models
  e = networks.load_encoder(gan['generator'], tiny_models['encoder'])
  return gan['generator'], gan['discriminator'], e


def _batch(n=4, seed=0):
  rng = np.random.default_rng(seed)
  y = rng.uniform(-1, 1, (n, 64, 64, 3)).astype(np.float32)
  m = mgen.training_masks(rng, n, 64)
  return y, m


def test_encoder_codes_are_in_the_prior_box_and_ignore_the_hole():
  e = enc.build_encoder(64, 100, TINY)
  # Large weights push the tanh to its bounds: the codes still stay in [-1, 1].
  e.get_layer('z_linear').kernel.assign(e.get_layer('z_linear').kernel * 1e3)
  y, m = _batch(8)
  z = enc.encode(e, 50 * y, m)
  assert z.shape == (8, 100) and np.all(np.abs(z) <= 1.0) and np.abs(z).max() > 0.99
  y2 = np.where(m[..., None] > 0.5, y, -y)  # Other pixels in the holes only.
  np.testing.assert_array_equal(enc.encode(e, y2, m), enc.encode(e, y, m))


def test_mismatched_generator_is_refused_in_one_line(tiny_models):
  other = dcgan.build_generator(100, 64, TINY)  # Fresh random weights: another generator.
  with pytest.raises(ckpt.CheckpointError) as err:
    networks.load_encoder(other, tiny_models['encoder'])
  msg = str(err.value)
  assert 'another generator' in msg and '\n' not in msg
  g, _, _ = _nets(tiny_models)
  with pytest.raises(ckpt.CheckpointError, match='holds no encoder'):
    networks.load_encoder(g, tiny_models['dcgan'])


def test_learned_start_with_zero_iterations_is_the_one_pass_fill(tiny_models):
  g, d, e = _nets(tiny_models)
  y, m = _batch(3)
  one = engine.one_pass(e, g, y, m)
  cfg = engine.Config(restarts=1, iters=0, fill='best')
  out = engine.Inpainter(g, d, None, cfg, encoder=e).inpaint(y, m, log=lambda s: None)
  np.testing.assert_allclose(out['g'], one['g'], atol=1e-6)
  np.testing.assert_allclose(out['z'], one['z'], atol=1e-7)
  assert not out['nan'].any()


def test_learned_start_codes_center_on_the_encoder_and_stay_in_the_box(tiny_models):
  g, _, e = _nets(tiny_models)
  y, m = _batch(2)
  z = engine.learned_codes(e, y, m, restarts=4, noise=0.5, seed=0).reshape(4, 2, -1)
  np.testing.assert_array_equal(z[0], enc.encode(e, y, m))  # Restart 0: E's code itself.
  assert np.all(np.abs(z) <= 1.0) and np.abs(z[1:] - z[:1]).mean() > 0.1
  np.testing.assert_array_equal(z, engine.learned_codes(e, y, m, 4, 0.5, 0).reshape(4, 2, -1))


def test_learned_start_batched_equals_one_at_a_time(tiny_models):
  g, d, e = _nets(tiny_models)
  y, m = _batch(4, seed=3)
  cfg = engine.Config(restarts=3, iters=5, fill='mean', print_freq=5)
  inp = engine.Inpainter(g, d, None, cfg, encoder=e)
  big = inp.inpaint(y, m, log=lambda s: None)
  one = inp.inpaint(y[2:3], m[2:3], log=lambda s: None)
  np.testing.assert_allclose(big['g'][2], one['g'][0], atol=1e-5)
  np.testing.assert_allclose(big['loss_restarts'][:, 2], one['loss_restarts'][:, 0], rtol=1e-4)


def test_one_pass_method_blends_and_keeps_the_known_pixels(tiny_models):
  rc = runlib.RunConfig(engine=engine.Config(method='one_pass'),
                        load_model=tiny_models['dcgan'], encoder_dir=tiny_models['encoder'])
  models = runlib.load_models(rc)
  assert models.encoder is not None and models.classifier is None
  y, m = _batch(2)
  out = runlib.inpaint_batch(rc, models, y, m)
  assert out['result'].shape == y.shape and np.all(np.abs(out['result']) <= 1)
  known = m > 0.5
  # Poisson blending keeps every known pixel exactly.
  np.testing.assert_allclose(out['result'][known], y[known], atol=1e-6)


def _train_cfg(cropped_dir, tiny_models, tmp_path, **kw):
  return encoder_train.Config(data_dir=cropped_dir, generator=tiny_models['dcgan'], width=TINY,
                              batch_size=4, iters=4, print_freq=1, save_freq=2,
                              save_dir=str(tmp_path / 'runs'), **kw)


def test_trainer_resumes_exactly_and_exports(cropped_dir, tiny_models, tmp_path):
  lines = []
  straight = encoder_train.train(_train_cfg(cropped_dir, tiny_models, tmp_path / 'a'),
                                 log=lines.append)
  assert any(l.startswith('step 4/4') and 'eta=' in l for l in lines)
  # Stopped, saved, after 2 steps (as --max_minutes stops a run), then resumed to the end.
  half = encoder_train.train(_train_cfg(cropped_dir, tiny_models, tmp_path / 'b'),
                             stop_after=2)
  assert not os.path.exists(os.path.join(half, 'export'))
  lines = []
  resumed = encoder_train.train(_train_cfg(cropped_dir, tiny_models, tmp_path / 'b', load=half),
                                log=lines.append)
  assert lines[0].startswith('continue training the encoder at step 2 of 4')
  a, _ = encoder_train.load_run(straight)
  b, _ = encoder_train.load_run(resumed)
  for va, vb in zip(a.weights, b.weights):
    np.testing.assert_allclose(va.numpy(), vb.numpy(), rtol=1e-5, atol=1e-6)
  # One curve row per progress line, none twice after the resume.
  curve = encoder_train.read_curve(os.path.join(resumed, encoder_train.CURVE))
  assert [int(r['step']) for r in curve] == [1, 2, 3, 4]
  saved = ckpt.read_config(os.path.join(straight, 'export'))
  g = networks.load(tiny_models['dcgan'], 'dcgan').models['generator']
  assert saved['generator_sha'] == enc.generator_hash(g) and saved['step'] == 4
  assert os.path.exists(os.path.join(straight, 'logs'))
  networks.load_encoder(g, os.path.join(straight, 'export'))  # Loads for its generator.


def test_trainer_refuses_val_and_odd_batches():
  with pytest.raises(Exception, match='split'):
    encoder_train.Config(split='val').validate()
  with pytest.raises(Exception, match='batch_size'):
    encoder_train.Config(batch_size=5).validate()


def test_training_masks_cover_every_kind():
  m = mgen.training_masks(np.random.default_rng(0), 200, 64)
  holes = 1 - m.mean(axis=(1, 2))
  assert m.shape == (200, 64, 64) and set(np.unique(m)) <= {0.0, 1.0}
  assert holes.min() > 0.01 and holes.max() >= 0.5  # Strokes to half images and more.
  assert np.any(np.isclose(holes, 0.25)) and np.any(np.isclose(holes, 0.5))


_FRESH = '''
import json, sys
import numpy as np
import tensorflow as tf
assert not any(m.split('.')[0] in ('inpaint', 'masks', 'metrics', 'googlenet') for m in sys.modules)
d = np.load(sys.argv[2])
out = tf.saved_model.load(sys.argv[1]).signatures['serving_default'](
    image=tf.constant(d['image']), mask=tf.constant(d['mask']))
np.save(sys.argv[3], list(out.values())[0].numpy())
assert not any(m.split('.')[0] in ('inpaint', 'masks', 'metrics', 'googlenet') for m in sys.modules)
'''


@pytest.mark.cli
def test_savedmodel_serves_the_one_pass_pixels_in_a_fresh_process(tiny_models, tmp_path):
  g, _, e = _nets(tiny_models)
  folder = serving.export_one_pass(e, g, str(tmp_path / 'one_pass'))
  rng = np.random.default_rng(1)
  image = rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
  m = mgen.training_masks(rng, 3, 64)
  np.savez(tmp_path / 'in.npz', image=image, mask=m[..., None].astype(np.uint8))
  subprocess.run([sys.executable, '-c', _FRESH, folder, str(tmp_path / 'in.npz'),
                  str(tmp_path / 'out.npy')], check=True, cwd=str(tmp_path),
                 env={**os.environ, 'PYTHONPATH': ''}, capture_output=True)
  served = np.load(tmp_path / 'out.npy')
  ours = data.to_uint8(engine.one_pass(e, g, data.to_float(image).numpy(), m)['composite'])
  assert served.dtype == np.uint8 and served.shape == image.shape
  assert np.abs(served.astype(int) - ours).max() <= 1
  np.testing.assert_array_equal(served[m > 0.5], image[m > 0.5])
  json.dumps({'ok': True})
