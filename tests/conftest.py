"""Shared fixtures: tiny models and small generated data folders."""

import os
import sys

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from googlenet import model as gmodel  # noqa: E402
from googlenet import train_lib as gtrain  # noqa: E402
from inpaint import ckpt  # noqa: E402
from inpaint import dcgan  # noqa: E402
from inpaint import distribute  # noqa: E402
from inpaint import encoder  # noqa: E402
from inpaint import encoder_train  # noqa: E402
from inpaint import networks  # noqa: E402
from inpaint import train_gan  # noqa: E402

# Two logical CPU devices for the tf.distribute tests (before TensorFlow starts);
# everything else runs on the first, as without the split.
distribute.split_cpu(2)

def pytest_configure(config):
  config.addinivalue_line('markers', 'cli: runs a command in its own process (each imports '
                          'TensorFlow); `pytest -m "not cli"` is the fast inner loop')


TINY = 0.0625  # Width multiplier of the test models: runs in seconds on a CPU.
IMG = 64


def write_image(path, size=(80, 60), mode='RGB', seed=0, fmt=None):
  rng = np.random.default_rng(seed)
  arr = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
  im = Image.fromarray(arr)
  if mode != 'RGB':
    im = im.convert(mode)
  os.makedirs(os.path.dirname(path), exist_ok=True)
  im.save(path, format=fmt)
  return path


def write_devkit(folder, annos, test_annos=None):
  """Writes devkit .mat files in the dataset's own structure."""
  import scipy.io
  dt = [('bbox_x1', 'O'), ('bbox_y1', 'O'), ('bbox_x2', 'O'), ('bbox_y2', 'O'),
        ('class', 'O'), ('fname', 'O')]
  rec = np.empty((1, len(annos)), dtype=dt)
  for i, a in enumerate(annos):
    rec[0, i] = (np.array([[a['bbox'][0]]]), np.array([[a['bbox'][1]]]),
                 np.array([[a['bbox'][2]]]), np.array([[a['bbox'][3]]]),
                 np.array([[a['class']]]), np.array([a['fname']]))
  os.makedirs(folder, exist_ok=True)
  scipy.io.savemat(os.path.join(folder, 'cars_train_annos.mat'), {'annotations': rec})
  names = np.empty((1, 3), dtype=object)
  for i in range(3):
    names[0, i] = np.array([f'Car {i}'])
  scipy.io.savemat(os.path.join(folder, 'cars_meta.mat'), {'class_names': names})


@pytest.fixture
def cropped_dir(tmp_path):
  """Pre-cropped layout: 3 classes x 10 images, plus a corrupt, a grayscale and a
  CMYK file, and one annotated image that is not on disk."""
  root = tmp_path / 'cars'
  annos = []
  for i in range(30):
    fname = f'{i + 1:05d}.jpg'
    write_image(str(root / 'cars_train_cropped' / fname), seed=i)
    annos.append({'fname': fname, 'class': i % 3 + 1, 'bbox': (0, 0, 10, 10)})
  write_image(str(root / 'cars_train_cropped' / '00031.jpg'), mode='L', seed=31)
  write_image(str(root / 'cars_train_cropped' / '00032.jpg'), mode='CMYK', seed=32, fmt='JPEG')
  (root / 'cars_train_cropped' / '00033.jpg').write_bytes(b'not a jpeg at all')
  annos += [{'fname': '00031.jpg', 'class': 1, 'bbox': (0, 0, 1, 1)},
            {'fname': '00032.jpg', 'class': 2, 'bbox': (0, 0, 1, 1)},
            {'fname': '00033.jpg', 'class': 3, 'bbox': (0, 0, 1, 1)},
            {'fname': '00099.jpg', 'class': 3, 'bbox': (0, 0, 1, 1)}]  # Withheld.
  write_devkit(str(root / 'devkit'), annos)
  return str(root)


def tiny_gan_config(**kw):
  return train_gan.Config(width=TINY, **kw)


@pytest.fixture(scope='session')
def tiny_models(tmp_path_factory):
  """Export folders of a tiny random DCGAN and GoogLeNet, like checkpoints/."""
  root = tmp_path_factory.mktemp('tiny_models')
  cfg = tiny_gan_config()
  g = dcgan.build_generator(cfg.z_dim, IMG, TINY)
  d = dcgan.build_discriminator(IMG, TINY)
  ckpt.export_weights(str(root / 'dcgan'), {'generator': g, 'discriminator': d},
                      train_gan.arch_config(cfg))
  gcfg = gtrain.Config(width=TINY)
  net = gmodel.build_googlenet(196, IMG, TINY, aux=False)
  ckpt.export_weights(str(root / 'googlenet'), {'googlenet': net}, gtrain.arch_config(gcfg))
  # The encoder records the generator as loaded (float16-rounded), as a real export does.
  g_loaded = networks.load(str(root / 'dcgan'), 'dcgan').models['generator']
  e = encoder.build_encoder(IMG, cfg.z_dim, TINY)
  ckpt.export_weights(str(root / 'encoder'), {'encoder': e},
                      encoder_train.arch_config(encoder_train.Config(width=TINY), g_loaded))
  return {'dcgan': str(root / 'dcgan'), 'googlenet': str(root / 'googlenet'),
          'encoder': str(root / 'encoder')}
