"""Inpainting jobs: dataset images, own photos, layer reconstruction; and their outputs."""

import dataclasses
import json
import os
import time
from typing import Callable, Iterator, List, Optional

import numpy as np
import tensorflow as tf

from inpaint import baseline
from inpaint import blend
from inpaint import checks
from inpaint import ckpt
from inpaint import data
from inpaint import dcgan
from inpaint import engine as engine_lib
from inpaint.engine import methods
from inpaint import images as imgs
from inpaint import networks
from inpaint import outputs
from masks import generate as mgen


@dataclasses.dataclass
class RunConfig:
  """Everything `python -m inpaint.inpaint_main` can be told."""
  engine: engine_lib.Config = dataclasses.field(default_factory=engine_lib.Config)
  dataset: str = 'cars'
  data_dir: Optional[str] = None
  split: str = 'val'
  mask_type: str = 'center'
  img_size: int = 64
  num_try: int = 1
  sample_batch: int = 16
  is_blend: bool = True
  # Photos (--image, the page): complete the hole at the photo's own resolution
  # (inpaint.fullres); False pastes back the upsampled 64x64 fill.
  detail: bool = True
  load_model: Optional[str] = None
  encoder_dir: Optional[str] = None  # The encoder (default: the shipped checkpoints/encoder).
  classifier: str = 'googlenet'
  classifier_dir: Optional[str] = None
  n_class: int = 196
  z_dim: int = 100
  output_dir: Optional[str] = None
  image: Optional[str] = None
  mask: Optional[str] = None
  reconstruct: Optional[str] = None
  seed: int = 0
  label: Optional[str] = None  # Names the run in tables (default: the method).
  subset: Optional[str] = None  # 'tune' | 'report': a disjoint half of the split (data.subset_indices).
  random_missing: float = mgen.RANDOM_MISSING  # Share of pixels the random mask drops.
  source: str = 'auto'  # 'auto': the data when found, else generated cars; 'generated'.

  def validate(self) -> None:
    """Raises checks.ConfigError naming the first field (here or in .engine) that is wrong."""
    self.engine.validate()
    checks.choice(self, 'mask_type', mgen.MASK_TYPES)
    checks.choice(self, 'split', data.SPLITS)
    checks.choice(self, 'classifier', ('googlenet',))
    checks.positive(self, 'img_size', 'num_try', 'sample_batch', 'z_dim', 'n_class')
    if not 0 < self.random_missing < 1:
      raise checks.ConfigError('random_missing', self.random_missing, 'must be in (0, 1)')
    for layer in (self.reconstruct or '').split(',') if self.reconstruct else []:
      checks.check_choice('reconstruct', layer, engine_lib.RECONSTRUCT_LAYERS)
    if self.mask and not self.image:
      raise checks.ConfigError('mask', self.mask, 'needs an image (a file or folder) to apply to')

  def out_dir(self) -> str:
    """Where this job writes: --output_dir, else the seed's folders."""
    if self.output_dir:
      return self.output_dir
    if self.reconstruct:
      return os.path.join(self.dataset, 'reconstruct', self.reconstruct.replace(',', '+'))
    if self.image:
      return os.path.join(self.dataset, 'inpaint', 'own')
    base = os.path.join(self.dataset, 'inpaint', self.mask_type)  # The default: the 2018 folder.
    return os.path.join(base, self.engine.method) if self.engine.method != methods.DEFAULT else base


class Models:
  """The networks one job needs (engine.Config.networks()), loaded once."""

  def __init__(self, rc: RunConfig, needs=(methods.GENERATOR, methods.DISCRIMINATOR),
               strategy=None):
    self.rc = rc
    self.strategy = strategy
    self.generator = self.discriminator = self.classifier = self.encoder = None
    self.load(needs)
    self._inpainter = None

  def load(self, needs) -> 'Models':
    """Loads whichever of `needs` (engine.methods network names) is not loaded yet."""
    rc = self.rc
    if self.generator is None and set(needs) & {methods.GENERATOR, methods.DISCRIMINATOR,
                                                methods.ENCODER}:
      self._load_gan(rc)
    if methods.CLASSIFIER in needs and self.classifier is None:
      folder = rc.classifier_dir or ckpt.shipped('googlenet')
      if not os.path.exists(os.path.join(folder, ckpt.CONFIG)):
        raise ckpt.CheckpointError(f'no trained GoogLeNet in {folder!r}; pass --classifier_dir '
                                   'or use --method=yeh')
      self.classifier = networks.load(folder, 'googlenet').models['googlenet']
      if self.classifier.output_shape[-1] != rc.n_class:
        raise ckpt.CheckpointError(f'--n_class={rc.n_class} but the GoogLeNet in {folder!r} has '
                                   f'{self.classifier.output_shape[-1]} classes')
    if methods.ENCODER in needs and self.encoder is None:
      self.encoder = networks.load_encoder(self.generator, rc.encoder_dir)
    return self

  def _load_gan(self, rc: RunConfig) -> None:
    folder = ckpt.resolve_gan(rc.load_model, rc.dataset)
    if rc.load_model is None and not os.path.exists(os.path.join(folder, ckpt.WEIGHTS)):
      raise ckpt.CheckpointError('no trained DCGAN is shipped yet in checkpoints/dcgan; '
                                 'pass --load_model=<run> (train one with '
                                 'python -m inpaint.main --training)')
    gan = networks.load(folder, 'dcgan')
    self.generator, self.discriminator = gan.models['generator'], gan.models['discriminator']
    saved = gan.config
    if saved.get('z_dim', rc.z_dim) != rc.z_dim:
      raise ckpt.CheckpointError(f'--z_dim={rc.z_dim} but the DCGAN in {folder!r} has '
                                 f'z_dim={saved.get("z_dim")}')
    if saved.get('img_size', rc.img_size) != rc.img_size:
      raise ckpt.CheckpointError(f'--img_size={rc.img_size} but the DCGAN in {folder!r} '
                                 f'makes {saved.get("img_size")}px images')

  def inpainter(self, cfg: engine_lib.Config) -> engine_lib.Inpainter:
    """One Inpainter per distinct config, so its compiled loop is traced once for all tries."""
    if self._inpainter is None or self._inpainter.cfg != cfg.resolved():
      self.load(cfg.networks())
      self._inpainter = engine_lib.Inpainter(self.generator, self.discriminator,
                                             self.classifier, cfg, self.strategy,
                                             encoder=self.encoder)
    return self._inpainter


def unused_layers_note(cfg: engine_lib.Config, given) -> Optional[str]:
  """One line when GoogLeNet layers were named (`given`: the flags, e.g. ['layer']) but
  no term of this method's configuration reads them; else None."""
  if not given or cfg.weights()['semantic'] > 0:
    return None
  return (f'note: {" and ".join("--" + f for f in given)} choose the layers of the GoogLeNet '
          f'semantic term, which --method={cfg.method} leaves off for speed (on the tune half it '
          'makes fills more realistic, perceptual distance -0.013 at the same hole PSNR, at '
          'about 3 times the time: docs/results.md); --method=semantic (lambda_sem '
          f'{methods.default_of("semantic", "lambda_sem"):g}) turns it on')


def pick_images(rc: RunConfig, n: int, log=print):
  """n images [n, S, S, 3] in [-1, 1] (seeded choice) and whether they are real.

  When no dataset is found, says so in one line and draws a fixed, seeded batch
  from the generator instead (labelled as generated).
  """
  if rc.source == 'generated':
    log(f'inpainting {n} cars GENERATED by the DCGAN (--source=generated)')
    return None, False
  try:
    images, _ = data.load_arrays(rc.data_dir, rc.split, rc.img_size, rc.seed)
  except data.DataError as e:
    if data.data_dir_given(rc.data_dir):  # A named location without data is a mistake.
      raise
    log(f'no dataset found ({e}); inpainting {n} cars GENERATED by the DCGAN instead')
    return None, False
  pool = data.subset_indices(len(images), rc.subset)
  idx = pool[np.random.default_rng(rc.seed).permutation(len(pool))[:n]]
  if len(idx) < n:
    idx = np.resize(idx, n)  # Fewer images than asked: cycle through them.
  return data.to_float(images[idx]).numpy(), True


def generated_images(generator, n: int, z_dim: int, seed: int) -> np.ndarray:
  z = dcgan.sample_z(10_000 + seed, n, z_dim)
  return generator(z, training=False).numpy()


def blend_batch(y: np.ndarray, g: np.ndarray, m: np.ndarray, is_blend: bool) -> np.ndarray:
  """Poisson-blends (or just composites) each G(z) into its image. Shapes [N, S, S, 3], [N, S, S]."""
  if not is_blend:
    return m[..., None] * y + (1 - m[..., None]) * g
  return np.clip(np.stack([blend.poisson_blend(a, b, c) for a, b, c in zip(y, g, m)]),
                 -1, 1).astype(np.float32)


def _classical(rc: RunConfig, models, y, m, **unused) -> dict:
  del models, unused
  fill = baseline.fill(rc.engine.method, y, m)
  zeros = np.zeros(len(y))
  return {'g': fill, 'loss': zeros, 'terms': {}, 'iters_used': zeros, 'clip_frac': zeros,
          'spread': np.zeros(m.shape, np.float32)}


def _one_pass(rc: RunConfig, models: 'Models', y, m, **unused) -> dict:
  del rc, unused
  out = engine_lib.one_pass(models.encoder, models.generator, y, m)
  zeros = np.zeros(len(y))
  return {**out, 'loss': zeros, 'terms': {}, 'iters_used': zeros,
          'clip_frac': np.mean(np.abs(out['z']) >= 1.0 - 1e-6, axis=1),
          'spread': np.zeros(np.shape(m)[:3], np.float32)}


def _search(rc: RunConfig, models: 'Models', y, m, writer=None, log=print, on_chunk=None,
            z0=None) -> dict:
  return models.inpainter(rc.engine).inpaint(y, m, z0=z0, writer=writer, log=log,
                                             on_chunk=on_chunk)


# How each kind of method (engine.methods.KINDS) fills a batch.
_FILLS = {'classical': _classical, 'one_pass': _one_pass, 'search': _search}


def inpaint_batch(rc: RunConfig, models: Optional[Models], y, m, writer=None, log=print,
                  on_chunk=None, z0=None) -> dict:
  """One batch with the configured method, in memory.

  Returns:
    The engine's result dict (see engine.Inpainter.inpaint) plus 'result' (blended when
    the method blends, [N, S, S, 3] in [-1, 1]) and 'seconds'; for a method that does not
    search, 'g' is its fill and 'spread' is zero.
  """
  t = time.time()
  method = methods.get(rc.engine.method)
  out = _FILLS[method.kind](rc, models, y, m, writer=writer, log=log, on_chunk=on_chunk, z0=z0)
  out['result'] = blend_batch(y, out['g'], m, rc.is_blend and method.blends)
  out['seconds'] = time.time() - t
  return out


def load_models(rc: RunConfig, strategy=None) -> Optional[Models]:
  """The networks rc's method needs, or None when it needs none."""
  needs = rc.engine.networks()
  return Models(rc, needs, strategy) if needs else None


def dataset_tries(rc: RunConfig, log=print, strategy=None, writer=None,
                  on_chunk: Optional[Callable] = None) -> Iterator[dict]:
  """num_try batches of sample_batch images from the data (or from G when there is none),
  inpainted in memory, one try at a time (nothing is written here).

  Args:
    writer: optional TensorBoard writer for the first try's loss curves.
    on_chunk: optional fn(t, y, m, current_result), called every print_freq iterations.

  Yields:
    {'try', 'y' [N, S, S, 3], 'm' [N, S, S], 'out' (inpaint_batch's dict), 'real'}.
  """
  models = load_models(rc, strategy)
  n = rc.num_try * rc.sample_batch
  y_all, real = pick_images(rc, n, log)
  if y_all is None:
    if models is None:
      models = Models(rc, (methods.GENERATOR,), strategy=strategy)
    y_all = generated_images(models.generator, n, rc.z_dim, rc.seed)
  m_all = mgen.make_masks(rc.mask_type, n, rc.img_size, rc.seed, rc.random_missing)
  for t in range(rc.num_try):
    sl = slice(t * rc.sample_batch, (t + 1) * rc.sample_batch)
    y, m = y_all[sl], m_all[sl]
    chunk = on_chunk and (lambda cur, t=t, y=y, m=m: on_chunk(t, y, m, cur))
    out = inpaint_batch(rc, models, y, m, writer if t == 0 else None, log, on_chunk=chunk)
    yield {'try': t, 'y': y, 'm': m, 'out': out, 'real': real}


def spread_of(rc: RunConfig, out: dict) -> Optional[np.ndarray]:
  """The spread map to write beside a result: only where several restarts made the fill."""
  several = methods.get(rc.engine.method).searches and rc.engine.resolved().restarts > 1
  return out.get('spread') if several else None


def write_try(rc: RunConfig, tr: dict, log=print) -> dict:
  """Writes one try of dataset_tries (PNGs + JSON into rc.out_dir()), logs its line.

  Returns:
    The try's summary dict (as written to tryNN.json).
  """
  out, y, t = tr['out'], tr['y'], tr['try']
  secs = out['seconds']
  extra = {'method': rc.engine.method, 'label': rc.label or rc.engine.method,
           'mask_type': rc.mask_type, 'try': t,
           'source': 'dataset' if tr['real'] else 'generated',
           'seconds': secs, 'seconds_per_image': secs / len(y),
           'iters_used': [int(v) for v in out['iters_used']],
           'clip_frac': float(np.mean(out['clip_frac'])),
           'settings': {**dataclasses.asdict(rc.engine.resolved()), 'is_blend': rc.is_blend,
                        'split': rc.split, 'seed': rc.seed}}
  s = outputs.write_outputs(rc.out_dir(), f'try{t:02d}', y, tr['m'], out['g'], out['result'],
                            True, extra, out['terms'], out['loss'],
                            start_index=t * rc.sample_batch, spread=spread_of(rc, out))
  label = '' if tr['real'] else ' (GENERATED cars: "original" is G(z), not a photo)'
  metrics_line = ' '.join(f'{k}={s[f"mean_{k}"]:.4g}' for k in ('psnr', 'psnr_hole', 'ssim')
                          if s.get(f'mean_{k}') is not None)
  iters = (f' iters={int(np.max(out["iters_used"]))}/{rc.engine.resolved().iters}'
           if methods.get(rc.engine.method).searches else '')
  log(f'try {t}: {len(y)} images in {secs:.1f}s ({secs / len(y):.2f}s per image){iters} '
      f'{metrics_line} -> {os.path.join(rc.out_dir(), s["grid"])}{label}')
  return s


def inpaint_dataset(rc: RunConfig, log=print, strategy=None) -> List[dict]:
  """dataset_tries, each try written (write_try) as soon as it is done, so a stopped job
  keeps its finished tries; a live preview grid and TensorBoard scalars while it runs.

  Returns:
    One summary dict per try (also written as JSON into rc.out_dir()).
  """
  out_dir = rc.out_dir()
  optimizes = methods.get(rc.engine.method).searches
  writer = tf.summary.create_file_writer(os.path.join(out_dir, 'logs')) if optimizes else None

  def preview(t, y, m, cur):
    outputs.preview(os.path.join(out_dir, f'try{t:02d}_grid.png'), y, m, cur['composite'])

  return [write_try(rc, tr, log)
          for tr in dataset_tries(rc, log, strategy, writer, preview)]


def reconstruct_layer(rc: RunConfig, log=print) -> str:
  """The seed's reconstruction experiment: for each layer of rc.reconstruct (comma-
  separated), z is optimized so that G(z)'s features there match the image's; writes a
  grid with one column per image and one row per layer (the original on top) and a JSON
  of the feature errors."""
  layers = rc.reconstruct.split(',')
  models = Models(rc, (methods.GENERATOR, methods.CLASSIFIER))
  y, real = pick_images(rc, rc.sample_batch, log)
  if y is None:
    y = generated_images(models.generator, rc.sample_batch, rc.z_dim, rc.seed)
  rows, errors = [y], {}
  for layer in layers:
    out = engine_lib.reconstruct(models.generator, models.classifier, layer, y, rc.engine,
                                 log=log)
    rows.append(out['g'])
    errors[layer] = [float(v) for v in out['loss']]
    log(f'reconstruction from {layer}: mean feature error {np.mean(out["loss"]):.4g}')
  out_dir = rc.out_dir()
  path = imgs.save_rows(os.path.join(out_dir, 'reconstruct_grid.png'),
                        [np.stack([r[i] for r in rows]) for i in range(len(y))],
                        max_rows=len(rows))
  with open(os.path.join(out_dir, 'reconstruct.json'), 'w') as f:
    json.dump({'rows': ['original'] + layers, 'source': 'dataset' if real else 'generated',
               'feature_error': errors}, f, indent=2)
  log(f'rows: original, {", ".join(layers)} -> {path}')
  return path
