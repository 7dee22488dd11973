"""Inpainting jobs: dataset images, own photos, layer reconstruction; and their outputs."""

import dataclasses
import json
import math
import os
import time
from typing import List, Optional

import numpy as np
import tensorflow as tf
from absl import logging
from PIL import Image

from googlenet import train_lib as gtrain
from inpaint import baseline
from inpaint import blend
from inpaint import ckpt
from inpaint import data
from inpaint import engine as engine_lib
from inpaint import images as imgs
from inpaint import train_gan
from masks import generate as mgen
from metrics import errors


NO_GAN_METHODS = baseline.METHODS


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
  load_model: Optional[str] = None
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
  source: str = 'auto'  # 'auto': the data when found, else generated cars; 'generated'.

  def out_dir(self) -> str:
    """Where this job writes: --output_dir, else the seed's folders."""
    if self.output_dir:
      return self.output_dir
    if self.reconstruct:
      return os.path.join(self.dataset, 'reconstruct', self.reconstruct)
    if self.image:
      return os.path.join(self.dataset, 'inpaint', 'own')
    base = os.path.join(self.dataset, 'inpaint', self.mask_type)  # semantic: the seed's folder.
    return base if self.engine.method == 'semantic' else os.path.join(base, self.engine.method)


class Models:
  """The networks one job needs, loaded once."""

  def __init__(self, rc: RunConfig, need_gan=True, need_classifier=True, strategy=None):
    self.strategy = strategy
    self.generator = self.discriminator = self.classifier = None
    if need_gan:
      folder = train_gan.resolve_run(train_gan.Config(dataset=rc.dataset), rc.load_model)
      if rc.load_model is None and not train_gan.shipped_available():
        raise ckpt.CheckpointError('no trained DCGAN is shipped yet in checkpoints/dcgan; '
                                   'pass --load_model=<run> (train one with '
                                   'python -m inpaint.main --training)')
      self.generator, self.discriminator, saved = train_gan.load_gan(folder)
      if saved.get('z_dim', rc.z_dim) != rc.z_dim:
        raise ckpt.CheckpointError(f'--z_dim={rc.z_dim} but the DCGAN in {folder!r} has '
                                   f'z_dim={saved.get("z_dim")}')
      if saved.get('img_size', rc.img_size) != rc.img_size:
        raise ckpt.CheckpointError(f'--img_size={rc.img_size} but the DCGAN in {folder!r} '
                                   f'makes {saved.get("img_size")}px images')
    if need_classifier:
      folder = rc.classifier_dir or gtrain.SHIPPED
      if not os.path.exists(os.path.join(folder, ckpt.CONFIG)):
        raise ckpt.CheckpointError(f'no trained GoogLeNet in {folder!r}; pass --classifier_dir '
                                   'or use --method=yeh')
      self.classifier = gtrain.load_inference(folder)
      if self.classifier.output_shape[-1] != rc.n_class:
        raise ckpt.CheckpointError(f'--n_class={rc.n_class} but the GoogLeNet in {folder!r} has '
                                   f'{self.classifier.output_shape[-1]} classes')
    self._inpainter = None

  def inpainter(self, cfg: engine_lib.Config) -> engine_lib.Inpainter:
    """One Inpainter per distinct config, so its compiled loop is traced once for all tries."""
    if self._inpainter is None or self._inpainter.cfg != cfg:
      self._inpainter = engine_lib.Inpainter(self.generator, self.discriminator,
                                             self.classifier, cfg, self.strategy)
    return self._inpainter


def needs_classifier(cfg: engine_lib.Config) -> bool:
  w = cfg.weights()
  return cfg.method == 'semantic' and (w['semantic'] > 0 or w['categorical'] > 0)


def make_masks(mask_type: str, n: int, img_size: int, seed: int, offset: int = 0) -> np.ndarray:
  """[n, S, S] masks; seeded types use seed + image index, so reruns match."""
  return np.stack([mgen.make_mask(mask_type, img_size, seed + offset + i) for i in range(n)])


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
  z = np.random.default_rng(10_000 + seed).uniform(-1, 1, (n, z_dim)).astype(np.float32)
  return generator(z, training=False).numpy()


def blend_batch(y: np.ndarray, g: np.ndarray, m: np.ndarray, is_blend: bool) -> np.ndarray:
  """Poisson-blends (or just composites) each G(z) into its image. Shapes [N, S, S, 3], [N, S, S]."""
  if not is_blend:
    return m[..., None] * y + (1 - m[..., None]) * g
  return np.clip(np.stack([blend.poisson_blend(a, b, c) for a, b, c in zip(y, g, m)]),
                 -1, 1).astype(np.float32)


def _json_safe(v):
  if isinstance(v, float) and not math.isfinite(v):
    return None if math.isnan(v) else ('inf' if v > 0 else '-inf')
  return v


def _preview(path: str, y, m, composite) -> None:
  """The grid of the current best results (masked | current | original), written while
  the optimization runs so that a first picture exists within a minute."""
  masked = m[..., None] * y + (1 - m[..., None]) * 1.0
  imgs.save_rows(path, [masked, composite, y], headers=('masked', 'current', 'original'))


def score(result: np.ndarray, y: np.ndarray, m: np.ndarray) -> List[dict]:
  """Per-image errors (metrics.errors) of results [N, S, S, 3] in [-1, 1] against y,
  on the 8-bit images that are written to disk."""
  return [errors.image_errors(data.to_uint8(r), data.to_uint8(o), mi)
          for r, o, mi in zip(result, y, m)]


def write_outputs(out_dir: str, tag: str, y, m, g, result, originals_known: bool,
                  extra: dict, loss_terms: dict, losses, start_index: int = 0) -> dict:
  """PNGs per image, a grid (masked | result | original) and a JSON of losses and metrics."""
  os.makedirs(out_dir, exist_ok=True)
  masked = m[..., None] * y + (1 - m[..., None]) * 1.0  # Holes shown white.
  per_image = []
  for i in range(len(y)):
    name = f'{tag}_img{start_index + i:04d}'
    imgs.save_png(os.path.join(out_dir, f'{name}_masked.png'), masked[i])
    imgs.save_png(os.path.join(out_dir, f'{name}_gz.png'), g[i])
    imgs.save_png(os.path.join(out_dir, f'{name}_result.png'), result[i])
    row = {'name': name, 'loss': _json_safe(float(losses[i])),
           **{k: _json_safe(float(v[i])) for k, v in loss_terms.items()}}
    if originals_known:
      imgs.save_png(os.path.join(out_dir, f'{name}_original.png'), y[i])
      row.update({k: _json_safe(v) for k, v in
                  errors.image_errors(data.to_uint8(result[i]), data.to_uint8(y[i]),
                                      m[i]).items()})
    per_image.append(row)
  cols = [masked, result] + ([y] if originals_known else [])
  grid_path = imgs.save_rows(os.path.join(out_dir, f'{tag}_grid.png'), cols,
                             headers=('masked', 'result', 'original')[:len(cols)])
  summary = {**extra, 'images': per_image, 'grid': os.path.basename(grid_path)}
  if originals_known:
    for k in errors.NAMES:
      vals = [r[k] for r in per_image if isinstance(r.get(k), float)]
      summary[f'mean_{k}'] = float(np.mean(vals)) if vals else None
  with open(os.path.join(out_dir, f'{tag}.json'), 'w') as f:
    json.dump(summary, f, indent=2)
  return summary


def inpaint_batch_full(rc: RunConfig, models: Optional[Models], y, m, writer=None, log=print,
                       on_chunk=None, z0=None) -> dict:
  """One batch with the configured method, in memory.

  Returns:
    The engine's result dict (see engine.Inpainter.inpaint) plus 'result' (blended,
    [N, S, S, 3] in [-1, 1]) and 'seconds'; for biharmonic, 'g' is the fill.
  """
  t = time.time()
  if rc.engine.method in NO_GAN_METHODS:
    fill = baseline.fill(rc.engine.method, y, m)
    # Biharmonic is smooth by construction; an exemplar fill is blended like G(z).
    result = fill if rc.engine.method == 'biharmonic' else blend_batch(y, fill, m, rc.is_blend)
    zeros = np.zeros(len(y))
    return {'g': fill, 'result': result, 'loss': zeros, 'terms': {}, 'seconds': time.time() - t,
            'iters_used': zeros, 'clip_frac': zeros}
  out = models.inpainter(rc.engine).inpaint(y, m, z0=z0, writer=writer, log=log,
                                            on_chunk=on_chunk)
  out['result'] = blend_batch(y, out['g'], m, rc.is_blend)
  out['seconds'] = time.time() - t
  return out


def inpaint_batch(rc: RunConfig, models: Optional[Models], y, m, writer=None, log=print):
  """One batch with the configured method -> (G(z) or fill, result, losses, terms, seconds)."""
  out = inpaint_batch_full(rc, models, y, m, writer, log)
  return out['g'], out['result'], out['loss'], out['terms'], out['seconds']


def load_models(rc: RunConfig, strategy=None) -> Optional[Models]:
  if rc.engine.method in NO_GAN_METHODS:
    return None
  return Models(rc, need_gan=True, need_classifier=needs_classifier(rc.engine), strategy=strategy)


def inpaint_dataset(rc: RunConfig, log=print, strategy=None) -> List[dict]:
  """num_try batches of sample_batch images from the data (or from G when there is none).

  Returns:
    One summary dict per try (also written as JSON into rc.out_dir()).
  """
  models = load_models(rc, strategy)
  n = rc.num_try * rc.sample_batch
  y_all, real = pick_images(rc, n, log)
  if y_all is None:
    if models is None:
      models = Models(rc, need_gan=True, need_classifier=False, strategy=strategy)
    y_all = generated_images(models.generator, n, rc.z_dim, rc.seed)
  m_all = make_masks(rc.mask_type, n, rc.img_size, rc.seed)
  out_dir = rc.out_dir()
  summaries = []
  for t in range(rc.num_try):
    sl = slice(t * rc.sample_batch, (t + 1) * rc.sample_batch)
    y, m = y_all[sl], m_all[sl]
    writer = (tf.summary.create_file_writer(os.path.join(out_dir, 'logs'))
              if t == 0 and rc.engine.method not in NO_GAN_METHODS else None)
    grid_path = os.path.join(out_dir, f'try{t:02d}_grid.png')
    out = inpaint_batch_full(rc, models, y, m, writer, log,
                             on_chunk=lambda cur: _preview(grid_path, y, m, cur['composite']))
    g, result, losses, terms, secs = (out['g'], out['result'], out['loss'], out['terms'],
                                      out['seconds'])
    extra = {'method': rc.engine.method, 'label': rc.label or rc.engine.method,
             'mask_type': rc.mask_type, 'try': t,
             'source': 'dataset' if real else 'generated',
             'seconds': secs, 'seconds_per_image': secs / len(y),
             'iters_used': [int(v) for v in out['iters_used']],
             'clip_frac': float(np.mean(out['clip_frac'])),
             'settings': {**dataclasses.asdict(rc.engine), 'is_blend': rc.is_blend,
                          'split': rc.split, 'seed': rc.seed}}
    s = write_outputs(out_dir, f'try{t:02d}', y, m, g, result, True, extra, terms, losses,
                      start_index=t * rc.sample_batch)
    label = '' if real else ' (GENERATED cars: "original" is G(z), not a photo)'
    metrics_line = ' '.join(f'{k}={s[f"mean_{k}"]:.4g}' for k in ('psnr', 'psnr_hole', 'ssim')
                            if s.get(f'mean_{k}') is not None)
    iters = (f' iters={int(np.max(out["iters_used"]))}/{rc.engine.iters}'
             if rc.engine.method not in NO_GAN_METHODS else '')
    log(f'try {t}: {len(y)} images in {secs:.1f}s ({secs / len(y):.2f}s per image){iters} '
        f'{metrics_line} -> {os.path.join(out_dir, s["grid"])}{label}')
    summaries.append(s)
  return summaries


def _photo_paths(image: str) -> List[str]:
  if os.path.isdir(image):
    paths = data._image_files(image)  # pylint: disable=protected-access
    if not paths:
      raise data.DataError(f'--image={image!r}: no image files in that folder')
    return paths
  if not os.path.exists(image):
    raise data.DataError(f'--image={image!r} does not exist')
  return [image]


def _read_photo(path: str) -> Optional[np.ndarray]:
  """uint8 [H, W, 3] as the photo is displayed (EXIF orientation applied), or None."""
  try:
    return np.asarray(data.open_rgb(path), np.uint8)
  except Exception as e:  # pylint: disable=broad-except
    logging.warning('skipping unreadable image %s (%s)', path, e)
    return None


def _resize(a: np.ndarray, size, resample) -> np.ndarray:
  """float array [H, W] or [H, W, C] -> resized float32 (PIL 'F' mode per channel)."""
  if a.ndim == 2:
    return np.asarray(Image.fromarray(a.astype(np.float32), 'F').resize(size, resample))
  return np.stack([_resize(a[..., c], size, resample) for c in range(a.shape[-1])], -1)


def paste_back(photo: np.ndarray, small: np.ndarray, mask: np.ndarray) -> np.ndarray:
  """Blends a small result into a photo of any size; pixels outside the hole are the
  photo's own, bit for bit.

  Only the hole's box is worked on: the small result is upsampled (bicubic) for that
  box alone, then Poisson-blended there (blend.blend_crop: bounded time and memory).

  Args:
    photo: uint8 [H, W, 3]; small: [s, s, 3] in [-1, 1] (the whole photo, small);
    mask: [H, W], 1 = known.

  Returns:
    uint8 [H, W, 3].
  """
  box = blend.hole_box(mask)
  if box is None:
    return photo
  y0, y1, x0, x1 = box
  h, w = mask.shape
  s = small.shape[0]
  src = (small + 1.0) * 127.5
  fill = np.stack([np.asarray(Image.fromarray(src[..., c].astype(np.float32), 'F').resize(
      (x1 - x0, y1 - y0), Image.BICUBIC, box=(x0 * s / w, y0 * s / h, x1 * s / w, y1 * s / h)))
      for c in range(3)], -1)
  hole = mask[y0:y1, x0:x1] < 0.5
  crop = blend.blend_crop(photo[y0:y1, x0:x1], fill, hole)
  out = photo.copy()
  out[y0:y1, x0:x1][hole] = np.clip(np.round(crop[hole]), 0, 255).astype(np.uint8)
  return out


def photo_mask(mask_path: str, width: int, height: int, log=print) -> np.ndarray:
  """Mask PNG (white = fill) at the photo's size, [H, W] float32, 1 = known."""
  if not os.path.exists(mask_path):
    raise data.DataError(f'--mask={mask_path!r} does not exist')
  try:
    with Image.open(mask_path) as im:
      size = im.size
  except Exception as e:  # pylint: disable=broad-except
    raise data.DataError(f'--mask={mask_path!r} cannot be read: {e}') from e
  if size != (width, height):
    msg = (f'mask {mask_path} is {size[0]}x{size[1]}, image is {width}x{height}: '
           'resizing the mask (nearest neighbour)')
    logging.warning(msg)
  return mgen.mask_from_png(mask_path, (width, height))


def pair_photos(image: str, mask: str, log=print) -> List[tuple]:
  """(photo path, mask path) pairs.

  A mask file applies to every photo; with a mask folder, each photo takes the mask
  of the same stem (`car1.jpg` <- `car1.png`), or `<stem>_mask.<ext>`. A photo with
  no mask gets one warning line and is left out.
  """
  paths = _photo_paths(image)
  if not os.path.isdir(mask):
    return [(p, mask) for p in paths]
  by_stem = {}
  for m in data._image_files(mask):  # pylint: disable=protected-access
    stem = os.path.splitext(os.path.basename(m))[0]
    by_stem.setdefault(stem, m)
    if stem.endswith('_mask'):
      by_stem.setdefault(stem[:-len('_mask')], m)
  pairs = []
  for p in paths:
    stem = os.path.splitext(os.path.basename(p))[0]
    if stem.endswith('_mask') and os.path.samefile(os.path.dirname(p), mask):
      continue  # A mask living beside the photos is not a photo.
    if stem in by_stem:
      pairs.append((p, by_stem[stem]))
    else:
      log(f'warning: no mask for {p} in {mask} (looked for {stem}.* and {stem}_mask.*); skipped')
  return pairs


def _small_inputs(photo: np.ndarray, mask_full: np.ndarray, s: int):
  """The photo at s x s in [-1, 1] and its mask (a small pixel is a hole if any part is)."""
  hole_small = _resize(1.0 - mask_full, (s, s), Image.BOX) > 1e-6
  y = data.to_float(np.asarray(Image.fromarray(photo).resize((s, s), Image.BICUBIC))).numpy()
  return y, (~hole_small).astype(np.float32)


def _photo_z0(rc: RunConfig, models: Optional[Models], n: int) -> Optional[np.ndarray]:
  """Every photo starts from the same seeded codes, so a photo's result does not
  depend on the batch it is in (rows: restart r of photo i at r * n + i)."""
  if models is None:
    return None
  inp = models.inpainter(rc.engine)
  per_photo = inp.initial_z(rc.engine.restarts)
  return np.repeat(per_photo, n, axis=0)


def inpaint_photos(rc: RunConfig, log=print, overwrite: bool = False,
                   strategy=None) -> List[str]:
  """Own photos of any size, in batches of rc.sample_batch: inpaint at img_size, paste
  only the hole back at full resolution.

  Photos whose output exists are skipped unless `overwrite` (a re-run finishes an
  interrupted job); outputs are written whole or not at all. Only one batch of
  photos is in memory at a time.

  Returns:
    The paths of the full-resolution results (skipped photos included).
  """
  if not rc.mask:
    raise data.DataError('--image needs --mask=<png or folder> (white = fill, black = keep)')
  _photo_paths(rc.image)  # The photo's own error first.
  if not os.path.exists(rc.mask):
    raise data.DataError(f'--mask={rc.mask!r} does not exist')
  pairs = pair_photos(rc.image, rc.mask, log)
  if not pairs:
    raise data.DataError(f'--mask={rc.mask!r}: no mask there for any photo of --image={rc.image!r}')
  out_dir = rc.out_dir()

  def target(path):
    return os.path.join(out_dir, f'{os.path.splitext(os.path.basename(path))[0]}_inpainted.png')

  done = [target(p) for p, _ in pairs if not overwrite and os.path.exists(target(p))]
  todo = [(p, m) for p, m in pairs if overwrite or not os.path.exists(target(p))]
  if done:
    log(f'{len(done)} photo(s) already inpainted in {out_dir}: skipped (--overwrite to redo)')
  if not todo:
    return done
  models = load_models(rc, strategy)
  s = rc.img_size
  results, n_read, t0 = list(done), 0, time.time()
  for b in range(0, len(todo), rc.sample_batch):
    batch = []
    for path, mask_path in todo[b:b + rc.sample_batch]:
      photo = _read_photo(path)
      if photo is None:
        continue
      mask_full = photo_mask(mask_path, photo.shape[1], photo.shape[0], log)
      batch.append((path, photo, mask_full) + _small_inputs(photo, mask_full, s))
    n_read += len(todo[b:b + rc.sample_batch])
    if not batch:
      continue
    y = np.stack([x[3] for x in batch])
    m = np.stack([x[4] for x in batch])
    out = inpaint_batch_full(rc, models, y, m, log=log, z0=_photo_z0(rc, models, len(batch)))
    for i, (path, photo, mask_full, _, _) in enumerate(batch):
      name = os.path.splitext(os.path.basename(path))[0]
      write_outputs(out_dir, name, y[i:i + 1], m[i:i + 1], out['g'][i:i + 1],
                    out['result'][i:i + 1], False,
                    {'method': rc.engine.method, 'source': path, 'seconds': out['seconds']},
                    {k: v[i:i + 1] for k, v in out['terms'].items()}, out['loss'][i:i + 1])
      full = paste_back(photo, out['result'][i], mask_full)
      results.append(imgs.save_png(target(path), full))
      h, w = mask_full.shape
      log(f'{path}: {w}x{h}, hole {100 * (1 - mask_full.mean()):.1f}% -> {target(path)}')
    left = len(todo) - n_read
    eta = (time.time() - t0) / n_read * left
    log(f'batch {b // rc.sample_batch + 1}/{-(-len(todo) // rc.sample_batch)}: '
        f'{n_read} photo(s) done, {left} left, eta {eta:.0f}s')
  if not results:
    raise data.DataError(f'--image={rc.image!r}: no readable image')
  return results


def reconstruct_layer(rc: RunConfig, log=print) -> str:
  """The seed's reconstruction experiment; writes a grid (original | reconstruction)."""
  models = Models(rc, need_gan=True, need_classifier=True)
  y, real = pick_images(rc, rc.sample_batch, log)
  if y is None:
    y = generated_images(models.generator, rc.sample_batch, rc.z_dim, rc.seed)
  out = engine_lib.reconstruct(models.generator, models.classifier, rc.reconstruct, y, rc.engine,
                           log=log)
  out_dir = rc.out_dir()
  path = imgs.save_rows(os.path.join(out_dir, 'reconstruct_grid.png'), [y, out['g']])
  with open(os.path.join(out_dir, 'reconstruct.json'), 'w') as f:
    json.dump({'layer': rc.reconstruct, 'source': 'dataset' if real else 'generated',
               'feature_error': [float(v) for v in out['loss']],
               'seconds': out['seconds']}, f, indent=2)
  log(f'reconstruction from {rc.reconstruct}: mean feature error '
      f'{float(np.mean(out["loss"])):.4g} -> {path}')
  return path
