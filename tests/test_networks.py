"""networks.load: one loader for either network, export or training run."""

import json
import os
import shutil

import numpy as np
import pytest

from inpaint import ckpt
from inpaint import dcgan
from inpaint import networks

TINY = 0.0625


def test_loads_either_network_by_its_config(tiny_models):
  gan = networks.load(tiny_models['dcgan'])
  assert set(gan.models) == {'generator', 'discriminator'} and gan.config['arch'] == 'dcgan'
  z = np.zeros((2, gan.config['z_dim']), np.float32)
  assert gan.models['generator'](z).shape == (2, 64, 64, 3)
  net = networks.load(tiny_models['googlenet'], 'googlenet').models['googlenet']
  assert net(np.zeros((1, 64, 64, 3), np.float32)).shape == (1, 196)


def test_the_wrong_kind_is_one_clear_error(tiny_models):
  with pytest.raises(ckpt.CheckpointError, match='holds a googlenet, not a dcgan'):
    networks.load(tiny_models['googlenet'], 'dcgan')
  with pytest.raises(ValueError, match='dcgan, googlenet'):
    networks.load(None)


def _bgr_copy(folder, tmp_path, name):
  """A copy of an export whose config says its images were stored with red and blue swapped."""
  out = tmp_path / name
  shutil.copytree(folder, out)
  conf = json.loads((out / 'config.json').read_text())
  (out / 'config.json').write_text(json.dumps({**conf, 'channel_order': 'bgr'}))
  return str(out)


def test_a_red_blue_swapped_export_loads_as_true_colour(tiny_models, tmp_path):
  """The same weights read as trained on swapped images: on true-colour input the loaded
  networks give what the stored ones give on swapped input, and G writes true colour."""
  rng = np.random.default_rng(0)
  x = rng.uniform(-1, 1, (3, 64, 64, 3)).astype(np.float32)
  z = rng.uniform(-1, 1, (3, 100)).astype(np.float32)
  projected = tmp_path / 'projected'
  ckpt.export_weights(str(projected), {
      'generator': dcgan.build_generator(100, 64, TINY),
      'discriminator': dcgan.build_discriminator(64, TINY, features='conv2_3x3',
                                                 features_width=TINY)},
      {'arch': 'dcgan', 'width': TINY, 'img_size': 64, 'z_dim': 100,
       'd_features': 'conv2_3x3', 'd_features_width': TINY})
  for folder in (tiny_models['dcgan'], str(projected)):
    stored = networks.load(folder).models
    rgb = networks.load(_bgr_copy(folder, tmp_path, os.path.basename(folder) + '_bgr'))
    assert 'channel_order' not in rgb.config
    g_old = stored['generator'](z, training=False).numpy()
    assert np.abs(rgb.models['generator'](z, training=False).numpy() - g_old[..., ::-1]).max() < 1e-6
    d_old = stored['discriminator'](x[..., ::-1], training=False).numpy()
    d_new = rgb.models['discriminator'](x, training=False).numpy()
    assert np.allclose(d_new, d_old, rtol=1e-4, atol=1e-5)
    assert not np.allclose(rgb.models['discriminator'](x[..., ::-1], training=False).numpy(),
                           d_old, rtol=1e-4, atol=1e-5)
  net = networks.load(tiny_models['googlenet']).models['googlenet']
  rgb = networks.load(_bgr_copy(tiny_models['googlenet'], tmp_path, 'g_bgr')).models['googlenet']
  assert np.allclose(rgb(x, training=False), net(x[..., ::-1], training=False), rtol=1e-4, atol=1e-5)


def test_a_swapped_training_run_does_not_resume(tmp_path):
  with pytest.raises(ckpt.CheckpointError, match='red and blue swapped'):
    ckpt.check_resumable({'channel_order': 'bgr', 'width': 1.0}, {'width': 1.0}, str(tmp_path))
  ckpt.check_resumable({'width': 1.0}, {'width': 1.0}, str(tmp_path))
  with pytest.raises(ckpt.CheckpointError, match='channel_order'):
    networks._loaded({}, {'channel_order': 'grb'})


def test_an_export_with_a_retired_option_is_one_clear_error(tiny_models, tmp_path):
  out = tmp_path / 'res'
  shutil.copytree(tiny_models['dcgan'], out)
  conf = json.loads((out / 'config.json').read_text())
  (out / 'config.json').write_text(json.dumps({**conf, 'g_res': 1}))
  with pytest.raises(ckpt.CheckpointError, match='g_res, an option'):
    networks.load(str(out))
