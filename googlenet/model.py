"""GoogLeNet (Inception v1, Szegedy et al., arXiv 1409.4842) with batch norm.

Follows conan7882/GoogLeNet-Inception's base network with ``bn=True``: every
conv is conv -> BN -> ReLU, LRN after pool1 and pool2, ImageNet strides. On a
64x64 input the spatial sizes are: conv1 32, pool1 16, pool2 8, inception_3x 8,
pool3 4, inception_4x 4, pool4 2, inception_5x 2.
"""

from typing import Dict, Sequence

import keras
import tensorflow as tf
from keras import layers

# name: (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), as in the paper's table 1.
INCEPTION_SPECS = {
    'inception_3a': (64, 96, 128, 16, 32, 32),
    'inception_3b': (128, 128, 192, 32, 96, 64),
    'inception_4a': (192, 96, 208, 16, 48, 64),
    'inception_4b': (160, 112, 224, 24, 64, 64),
    'inception_4c': (128, 128, 256, 24, 64, 64),
    'inception_4d': (112, 144, 288, 32, 64, 64),
    'inception_4e': (256, 160, 320, 32, 128, 128),
    'inception_5a': (256, 160, 320, 32, 128, 128),
    'inception_5b': (384, 192, 384, 48, 128, 128),
}
# Layers after which a 3x3 stride-2 max pool follows.
POOL_AFTER = {'inception_3b': 'pool3', 'inception_4e': 'pool4'}
AUX_AFTER = {'inception_4a': 'loss1', 'inception_4d': 'loss2'}
STEM_ENDPOINTS = ('conv1_7x7_s2', 'pool1', 'conv2_3x3_reduce', 'conv2_3x3', 'pool2')
ENDPOINTS = STEM_ENDPOINTS + tuple(
    n for name in INCEPTION_SPECS for n in ((name, POOL_AFTER[name]) if name in POOL_AFTER else (name,))
) + ('global_pool',)
BN_MOMENTUM = 0.9


@keras.saving.register_keras_serializable('googlenet')
class LRN(layers.Layer):
  """Local response normalization (AlexNet style), as after pool1 and pool2."""

  def __init__(self, depth_radius=2, bias=1.0, alpha=2e-5, beta=0.75, **kwargs):
    super().__init__(**kwargs)
    self.depth_radius, self.bias, self.alpha, self.beta = depth_radius, bias, alpha, beta

  def call(self, x):
    # In float32 whatever the compute dtype: the CPU kernel has no bfloat16 version.
    y = tf.nn.local_response_normalization(
        tf.cast(x, tf.float32), depth_radius=self.depth_radius, bias=self.bias,
        alpha=self.alpha, beta=self.beta)
    return tf.cast(y, x.dtype)

  def get_config(self):
    return {**super().get_config(), 'depth_radius': self.depth_radius, 'bias': self.bias,
            'alpha': self.alpha, 'beta': self.beta}


def _w(c, width):
  return max(1, int(round(c * width)))


def _conv_bn(x, filters, kernel, name, strides=1):
  x = layers.Conv2D(filters, kernel, strides=strides, padding='same', use_bias=False,
                    name=name)(x)
  x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=1e-3, name=f'{name}_bn')(x)
  return layers.ReLU(name=f'{name}_relu')(x)


def _inception(x, name, spec, width):
  c1, c3r, c3, c5r, c5, cp = (_w(c, width) for c in spec)
  b1 = _conv_bn(x, c1, 1, f'{name}_1x1')
  b3 = _conv_bn(_conv_bn(x, c3r, 1, f'{name}_3x3_reduce'), c3, 3, f'{name}_3x3')
  b5 = _conv_bn(_conv_bn(x, c5r, 1, f'{name}_5x5_reduce'), c5, 5, f'{name}_5x5')
  bp = layers.MaxPooling2D(3, 1, padding='same', name=f'{name}_pool')(x)
  bp = _conv_bn(bp, cp, 1, f'{name}_pool_proj')
  return layers.Concatenate(name=name)([b1, b3, b5, bp])


def _aux_head(x, name, n_class, width, dropout):
  x = layers.GlobalAveragePooling2D(keepdims=True, name=f'{name}_ave_pool')(x)
  x = _conv_bn(x, _w(128, width), 1, f'{name}_conv')
  x = layers.Flatten(name=f'{name}_flatten')(x)
  x = layers.Dense(_w(512, width), activation='relu', name=f'{name}_fc')(x)
  x = layers.Dropout(dropout, name=f'{name}_drop_fc')(x)
  x = layers.Dense(_w(512, width), activation='relu', name=f'{name}_fc_2')(x)
  x = layers.Dropout(dropout, name=f'{name}_drop_fc_2')(x)
  return layers.Dense(n_class, name=f'{name}_classifier')(x)


def build_googlenet(n_class: int = 196, img_size: int = 64, width: float = 1.0,
                    keep_prob: float = 0.4, aux: bool = True) -> keras.Model:
  """Builds GoogLeNet.

  Args:
    n_class: number of classes.
    img_size: input side; images are [B, img_size, img_size, 3] in [-1, 1].
    width: multiplier on every channel count (1.0 = the paper's; tests use less).
    keep_prob: dropout keep probability before the classifiers (the paper's 0.4).
    aux: add the two auxiliary heads (training only).

  Returns:
    A functional model: image -> logits [B, n_class] (the 'loss3_classifier'
    layer); with `aux`, a list [logits, aux1_logits, aux2_logits].
  """
  dropout = 1.0 - keep_prob
  inp = keras.Input((img_size, img_size, 3), name='image')
  x = _conv_bn(inp, _w(64, width), 7, 'conv1_7x7_s2', strides=2)
  x = layers.MaxPooling2D(3, 2, padding='same', name='pool1')(x)
  x = LRN(name='lrn1')(x)
  x = _conv_bn(x, _w(64, width), 1, 'conv2_3x3_reduce')
  x = _conv_bn(x, _w(192, width), 3, 'conv2_3x3')
  x = LRN(name='lrn2')(x)
  x = layers.MaxPooling2D(3, 2, padding='same', name='pool2')(x)
  aux_logits = []
  for name, spec in INCEPTION_SPECS.items():
    x = _inception(x, name, spec, width)
    if aux and name in AUX_AFTER:
      aux_logits.append(_aux_head(x, AUX_AFTER[name], n_class, width, dropout))
    if name in POOL_AFTER:
      x = layers.MaxPooling2D(3, 2, padding='same', name=POOL_AFTER[name])(x)
  x = layers.GlobalAveragePooling2D(name='global_pool')(x)
  x = layers.Dropout(dropout, name='dropout')(x)
  logits = layers.Dense(n_class, name='loss3_classifier')(x)
  outputs = [logits] + aux_logits if aux else logits
  return keras.Model(inp, outputs, name='googlenet')


def inference_model(model: keras.Model) -> keras.Model:
  """The main path only (image -> logits), sharing `model`'s layers."""
  return keras.Model(model.input, model.get_layer('loss3_classifier').output,
                     name='googlenet_inference')


def feature_model(model: keras.Model, endpoints: Sequence[str]) -> keras.Model:
  """image [B, S, S, 3] in [-1, 1] -> {endpoint: tensor, 'logits': [B, n_class]}.

  Raises:
    ValueError: naming an unknown endpoint and the valid ones.
  """
  outputs: Dict[str, keras.KerasTensor] = {}
  for name in endpoints:
    if name not in ENDPOINTS:
      raise ValueError(f'unknown GoogLeNet layer {name!r}; choose one of {", ".join(ENDPOINTS)}')
    outputs[name] = model.get_layer(name).output
  outputs['logits'] = model.get_layer('loss3_classifier').output
  return keras.Model(model.input, outputs, name='googlenet_features')
