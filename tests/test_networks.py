"""networks.load: one loader for either network, export or training run."""

import numpy as np
import pytest

from inpaint import ckpt
from inpaint import networks


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
