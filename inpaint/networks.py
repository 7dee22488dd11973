"""The one loader of trained networks: any exported or training-run folder of the
DCGAN or the GoogLeNet -> built Keras models with their weights, plus the config.

Layer: beside googlenet.train_lib (it needs both model definitions, dcgan and
googlenet.model, and the checkpoint formats of inpaint.ckpt; neither the engine nor
a job). Where the shipped weights live is known by ckpt.shipped only.
"""

import os
from typing import Dict, NamedTuple, Optional

import keras

from googlenet import model as gmodel
from inpaint import ckpt
from inpaint import dcgan
from inpaint import encoder as enc

KINDS = ('dcgan', 'googlenet')
_ARCH = {'dcgan': 'dcgan', 'googlenet_bn': 'googlenet'}
# The layers that touch an image's colour channels: the first convolution of D, of the
# GoogLeNet and of the projected D's GoogLeNet stem (kernel [k, k, 3, C]: axis 2 is the
# input colour) and G's last layer (Conv2DTranspose kernel [k, k, 3, C], bias [3]).
_COLOUR_LAYERS = ('h0_conv2d', 'conv1_7x7_s2', 'h4_deconv2d')
# Architecture options of older DCGAN exports that measured no gain and were removed
# (docs/training.md); an export using one cannot be built.
RETIRED = ('g_res', 'd_mbstd')


class Loaded(NamedTuple):
  """models: {'generator', 'discriminator'} for a DCGAN, {'googlenet'} (the inference
  graph, image [N, S, S, 3] in [-1, 1] -> logits [N, n_class]) for a GoogLeNet."""
  models: Dict[str, keras.Model]
  config: dict


def arch(config: dict) -> dict:
  """The architecture keys of a saved config (what must match for weights to load)."""
  return {k: config[k] for k in ckpt.ARCH_KEYS if k in config}


def _all_layers(model: keras.Model):
  """Every layer of a model, nested models' layers included (the projected D's GoogLeNet)."""
  for layer in model.layers:
    yield layer
    if isinstance(layer, keras.Model):
      yield from _all_layers(layer)


def _to_true_colour(models: Dict[str, keras.Model]) -> None:
  """Makes networks trained on images stored with red and blue swapped (a config with
  channel_order 'bgr', as older exports have) read and write true colour, exactly: the
  swap is a permutation of the colour axis of the layers in _COLOUR_LAYERS."""
  for model in models.values():
    for layer in _all_layers(model):
      if layer.name in _COLOUR_LAYERS:
        for v in layer.weights:
          name = v.path.rsplit('/', 1)[-1]
          if name == 'kernel':
            v.assign(v.numpy()[:, :, ::-1])
          elif name == 'bias' and layer.name == _COLOUR_LAYERS[-1]:
            v.assign(v.numpy()[::-1])


def load(folder: Optional[str] = None, kind: Optional[str] = None) -> Loaded:
  """Builds the network a folder holds and loads its weights.

  Args:
    folder: an export folder (weights.npz, as under checkpoints/) or a training run
      (ckpt/); default: the shipped one of `kind`.
    kind: 'dcgan' | 'googlenet'; default: read from the folder's config.json.

  Raises:
    ckpt.CheckpointError: a missing, unreadable or mismatching folder, in one line.
  """
  if folder is None:
    if kind not in KINDS:
      raise ValueError(f'load() without a folder needs kind= one of {", ".join(KINDS)}')
    folder = ckpt.shipped(kind)
  config = ckpt.read_config(folder)
  found = _ARCH.get(config.get('arch', 'dcgan' if 'z_dim' in config else 'googlenet_bn'))
  if kind is not None and found != kind:
    raise ckpt.CheckpointError(f'{folder!r} holds a {found}, not a {kind}')
  is_export = os.path.exists(os.path.join(folder, ckpt.WEIGHTS))
  if found == 'dcgan':
    z_dim, size, width = config.get('z_dim', 100), config.get('img_size', 64), config.get('width', 1.0)
    retired = [k for k in RETIRED if config.get(k)]
    if retired:
      raise ckpt.CheckpointError(f'{folder!r} was built with {", ".join(retired)}, an option '
                                 'this version no longer has')
    g = dcgan.build_generator(z_dim, size, width)
    d = dcgan.build_discriminator(size, width, norm=config.get('d_norm', 'batch'),
                                 features=config.get('d_features', ''),
                                 features_width=config.get('d_features_width', 1.0))
    # A training run that kept an EMA of G samples from it (exports already hold it).
    g_key = 'generator_ema' if config.get('ema_decay', 0.0) > 0 and not is_export else 'generator'
    ckpt.restore_models(folder, arch(config), **{g_key: g, 'discriminator': d})
    return _loaded({'generator': g, 'discriminator': d}, config)
  n_class, size, width = config.get('n_class', 196), config.get('img_size', 64), config.get('width', 1.0)
  if is_export:
    net = gmodel.build_googlenet(n_class, size, width, aux=False)
    ckpt.import_weights(folder, {'googlenet': net}, arch(config))
    return _loaded({'googlenet': net}, config)
  full = gmodel.build_googlenet(n_class, size, width, aux=True)
  ckpt.restore_models(folder, arch(config), model=full)
  return _loaded({'googlenet': gmodel.inference_model(full)}, config)


def _loaded(models: Dict[str, keras.Model], config: dict) -> Loaded:
  """Loaded(models, config), converted to true colour when the config says 'bgr'."""
  order = config.pop('channel_order', 'rgb')
  if order not in ('rgb', 'bgr'):
    raise ckpt.CheckpointError(f'channel_order={order!r} in a model config; expected rgb or bgr')
  if order == 'bgr':
    _to_true_colour(models)
  return Loaded(models, config)


def check_generator(saved: dict, generator_sha: str, folder: str) -> None:
  """Raises CheckpointError when an encoder's config names another generator than the
  one (generator_sha = encoder.generator_hash) it is about to serve."""
  if saved.get('generator_sha') != generator_sha:
    raise ckpt.CheckpointError(
        f'the encoder in {folder!r} was trained against another generator (its weights '
        f'{saved.get("generator_sha")}, this one {generator_sha}): train one for it with '
        'python -m inpaint.encoder_main --generator=<its folder>')


def load_encoder(generator: keras.Model, folder: Optional[str] = None) -> keras.Model:
  """The encoder of an export or training-run folder (default: the shipped one), checked
  against the generator it will start.

  Raises:
    ckpt.CheckpointError: a missing or damaged folder, not an encoder, or an encoder
      trained against another generator, in one line.
  """
  folder = folder or ckpt.shipped('encoder')
  saved = ckpt.read_config(folder)
  if saved.get('arch') != enc.ARCH:
    raise ckpt.CheckpointError(f'{folder!r} holds no encoder (arch {saved.get("arch")!r})')
  check_generator(saved, enc.generator_hash(generator), folder)
  encoder = enc.build_encoder(saved['img_size'], saved['z_dim'], saved['width'])
  ckpt.restore_models(folder, None, encoder=encoder)
  return encoder
