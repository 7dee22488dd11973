"""The shipped models under checkpoints/ (real-data checks skip without $CARS_DATA_DIR)."""

import os

import numpy as np
import pytest

from googlenet import train_lib as gtrain
from inpaint import ckpt
from inpaint import engine
from inpaint import run as runlib
from inpaint import train_gan

HAVE_GAN = train_gan.shipped_available()
HAVE_NET = os.path.exists(os.path.join(gtrain.SHIPPED, ckpt.WEIGHTS))
HAVE_ENC = os.path.exists(os.path.join(ckpt.shipped('encoder'), ckpt.WEIGHTS))
HAVE_DATA = bool(os.environ.get('CARS_DATA_DIR'))
MB = 1024 * 1024


@pytest.mark.skipif(not (HAVE_GAN and HAVE_NET), reason='no shipped models yet')
def test_shipped_weights_are_lean_and_load():
  dcgan_size = os.path.getsize(os.path.join(train_gan.SHIPPED, ckpt.WEIGHTS))
  assert dcgan_size <= 60 * MB
  g, d, conf = train_gan.load_gan()
  z = np.random.default_rng(0).uniform(-1, 1, (16, conf['z_dim'])).astype(np.float32)
  x = g(z, training=False).numpy()
  assert x.shape == (16, 64, 64, 3) and np.abs(x).max() <= 1
  assert x.std(axis=0).mean() > 0.1  # Samples differ from each other (no collapse).
  assert d(x, training=False).shape == (16, 1)
  net = gtrain.load_inference()
  assert net.output_shape == (None, 196)
  ref = gtrain.load_inference(ckpt.shipped('fd_reference'))  # The frozen FD network loads.
  img = np.zeros((1, 64, 64, 3), np.float32)
  assert not np.allclose(ref(img).numpy(), net(img).numpy())  # ... and is not the new one.


@pytest.mark.skipif(not (HAVE_NET and HAVE_DATA), reason='needs the shipped GoogLeNet and $CARS_DATA_DIR')
def test_shipped_googlenet_clears_the_bar_on_val():
  top1, top5, n = gtrain.evaluate(gtrain.Config(eval_split='val'))
  assert n > 500 and top1 >= 0.50 and top5 >= top1  # Shipped: 0.551 (0.495, 0.412 before).


@pytest.mark.skipif(not (HAVE_GAN and HAVE_ENC), reason='no shipped encoder yet')
def test_shipped_encoder_serves_the_shipped_generator():
  """It loads for the shipped G, and its codes of G's own cars under every training mask
  kind are far closer to their true codes than random codes are (2/3 apart on average)."""
  from inpaint import dcgan
  from inpaint import encoder as enc
  from inpaint import networks
  from masks import generate as mgen
  g, _, _ = train_gan.load_gan()
  e = networks.load_encoder(g)
  z = dcgan.sample_z(123, 64, 100)
  m = mgen.training_masks(np.random.default_rng(5), 64, 64)
  code = enc.encode(e, g(z, training=False).numpy(), m)
  assert np.abs(code).max() <= 1 and np.abs(code - z).mean() < 0.5
  assert os.path.getsize(os.path.join(ckpt.shipped('encoder'), ckpt.WEIGHTS)) <= 10 * MB


@pytest.mark.skipif(not (HAVE_GAN and HAVE_NET and HAVE_ENC and HAVE_DATA),
                    reason='needs shipped models and data')
def test_real_val_images_default_inpainting_runs(tmp_path):
  rc = runlib.RunConfig(engine=engine.Config(iters=20, print_freq=20), sample_batch=4,
                        mask_type='center', output_dir=str(tmp_path))
  [s] = runlib.inpaint_dataset(rc, log=lambda s: None)
  assert s['source'] == 'dataset' and len(s['images']) == 4
  assert all(np.isfinite(r['loss']) for r in s['images'])
  assert s['mean_psnr'] > 10


PROJECTED = os.path.join(os.path.dirname(train_gan.SHIPPED), 'dcgan_projected')


@pytest.mark.skipif(not (HAVE_NET and os.path.exists(os.path.join(PROJECTED, ckpt.WEIGHTS))),
                    reason='no projected-D generator shipped')
def test_projected_generator_loads_with_the_classifiers_features_and_all_fit_60_mb():
  g, d, conf = train_gan.load_gan(PROJECTED)
  assert conf['d_features'] and conf['ema_used']
  z = np.random.default_rng(0).uniform(-1, 1, (16, conf['z_dim'])).astype(np.float32)
  x = g(z, training=False).numpy()
  assert x.shape == (16, 64, 64, 3) and x.std(axis=0).mean() > 0.1
  assert d(x, training=False).shape == (16, 1)
  # D's frozen features are the shipped classifier's (float16 in the export).
  net = gtrain.load_inference()
  k = d.get_layer('features').get_layer('conv1_7x7_s2').kernel.numpy()
  np.testing.assert_allclose(k, net.get_layer('conv1_7x7_s2').kernel.numpy(), atol=1e-3)
  root = os.path.dirname(train_gan.SHIPPED)
  total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(root) for f in fs)
  assert total <= 60 * MB


@pytest.mark.skipif(not (HAVE_GAN and HAVE_DATA), reason='needs the shipped DCGAN and data')
def test_a_val_car_fills_the_same_through_the_dataset_and_as_an_own_photo(tmp_path):
  """True colour end to end: the dataset's images and a user's photo of the same car go
  into the shipped models the same way and come out with the same fill."""
  from PIL import Image
  from inpaint import data
  from inpaint import photos
  from masks import generate as mgen
  rc = runlib.RunConfig(engine=engine.Config(method='yeh', iters=30, print_freq=30),
                        mask_type='left', subset='report')
  y, real = runlib.pick_images(rc, 3, log=lambda s: None)
  assert real
  m = mgen.make_masks('left', 3, 64, 0)
  models = runlib.load_models(rc)
  z0 = np.repeat(models.inpainter(rc.engine).initial_z(1), 3, axis=0)  # As for photos.
  fill = runlib.inpaint_batch(rc, models, y, m, log=lambda s: None, z0=z0)['g']
  (tmp_path / 'photos').mkdir()
  (tmp_path / 'masks').mkdir()
  for i in range(3):  # White = fill.
    Image.fromarray(data.to_uint8(y[i])).save(tmp_path / 'photos' / f'car{i}.png')
    Image.fromarray(((1 - m[i]) * 255).astype(np.uint8)).save(tmp_path / 'masks' / f'car{i}.png')
  rc.image, rc.mask = str(tmp_path / 'photos'), str(tmp_path / 'masks')
  rc.output_dir = str(tmp_path / 'out')
  photos.inpaint_photos(rc, log=lambda s: None)
  for i in range(3):
    got = np.asarray(Image.open(tmp_path / 'out' / f'car{i}_img0000_gz.png'), np.int16)
    assert np.abs(got - data.to_uint8(fill[i])).max() <= 1
