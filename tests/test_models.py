"""Model shapes, layer names and exact parameter counts."""

import numpy as np
import pytest

from googlenet import model as gm
from inpaint import dcgan
from tests.conftest import TINY


def test_generator_full_size():
  g = dcgan.build_generator()
  # h0_linear 100*16384+16384 = 1,654,784; BN 4*1024 = 4,096 (gamma, beta, mean, var);
  # h1 3*3*1024*512+512 = 4,719,104; BN 2,048; h2 3*3*512*256+256 = 1,179,904; BN 1,024;
  # h3 3*3*256*128+128 = 295,040; BN 512; h4 3*3*128*3+3 = 3,459.   Sum: 7,859,971.
  assert g.count_params() == 7_859_971
  z = np.random.default_rng(0).uniform(-1, 1, (2, 100)).astype(np.float32)
  x = g(z, training=False).numpy()
  assert x.shape == (2, 64, 64, 3) and np.abs(x).max() <= 1.0
  for name in ('h0_linear', 'h0_batchnorm', 'h1_deconv2d', 'h3_relu', 'h4_deconv2d'):
    g.get_layer(name)


def test_discriminator_full_size():
  d = dcgan.build_discriminator()
  # h0 5*5*3*64+64 = 4,864; h1 5*5*64*128+128 = 204,928 + BN 512; h2 5*5*128*256+256 =
  # 819,456 + BN 1,024; h3 5*5*256*512+512 = 3,277,312 + BN 2,048; h4_linear 4*4*512+1 = 8,193.
  # Sum: 4,318,337.
  assert d.count_params() == 4_318_337
  assert d(np.zeros((3, 64, 64, 3), np.float32)).shape == (3, 1)
  assert d.get_layer('h0_conv2d').strides == (2, 2)


def _googlenet_params(n_class=196, aux=True):
  """Counts from the spec table: conv k*k*cin*cout (no bias, BN follows) + BN 4*cout."""
  def conv(k, cin, cout):
    return k * k * cin * cout + 4 * cout
  total = conv(7, 3, 64) + conv(1, 64, 64) + conv(3, 64, 192)
  cin, aux_in = 192, []
  for name, (c1, c3r, c3, c5r, c5, cp) in gm.INCEPTION_SPECS.items():
    total += (conv(1, cin, c1) + conv(1, cin, c3r) + conv(3, c3r, c3) + conv(1, cin, c5r) +
              conv(5, c5r, c5) + conv(1, cin, cp))
    cin = c1 + c3 + c5 + cp
    if name in gm.AUX_AFTER:
      aux_in.append(cin)
  total += cin * n_class + n_class  # loss3_classifier on 1024 pooled features.
  if aux:
    for c in aux_in:  # conv 1x1 128 + BN, fc 512, fc 512, classifier.
      total += conv(1, c, 128) + 128 * 512 + 512 + 512 * 512 + 512 + 512 * n_class + n_class
  return total


def test_googlenet_full_size_params_and_endpoints():
  net = gm.build_googlenet(aux=False)
  assert net.count_params() == _googlenet_params(aux=False) == 6_196_292
  full = gm.build_googlenet(aux=True)
  assert full.count_params() == _googlenet_params(aux=True) == 7_188_940
  x = np.zeros((2, 64, 64, 3), np.float32)
  logits, a1, a2 = full(x, training=False)
  assert logits.shape == a1.shape == a2.shape == (2, 196)
  feats = gm.feature_model(net, ['inception_3b', 'inception_4b', 'pool4'])(x)
  assert feats['inception_3b'].shape == (2, 8, 8, 480)
  assert feats['inception_4b'].shape == (2, 4, 4, 512)
  assert feats['pool4'].shape == (2, 2, 2, 832)
  assert feats['logits'].shape == (2, 196)


def test_feature_model_rejects_unknown_layer():
  net = gm.build_googlenet(width=TINY, aux=False)
  with pytest.raises(ValueError, match='inception_3a'):
    gm.feature_model(net, ['inception_9z'])


def test_tiny_variants_are_small_and_same_shape():
  assert dcgan.build_generator(width=TINY).count_params() < 200_000
  net = gm.build_googlenet(width=TINY)
  assert net.count_params() < 200_000
  assert [o.shape for o in net(np.zeros((1, 64, 64, 3), np.float32))] == [(1, 196)] * 3
