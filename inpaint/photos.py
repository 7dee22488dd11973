"""The own-photos job: photos of any size with a mask each, inpainted at the models'
resolution, then only the hole completed at the photo's own resolution (inpaint.fullres).

Layer: a job (like inpaint.run's dataset job), on top of the engine; it reuses
run.Models and run.inpaint_batch for the batch itself and inpaint.outputs to write.
"""

import os
import time
from typing import List, Optional

import numpy as np
from absl import logging
from PIL import Image

from inpaint import blend
from inpaint import data
from inpaint import fullres
from inpaint import images as imgs
from inpaint import outputs
from inpaint import run as runlib
from inpaint.engine import methods
from masks import generate as mgen


def _photo_paths(image: str) -> List[str]:
  if os.path.isdir(image):
    paths = data.image_files(image)
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


# How a method's fill becomes the photo's (engine.methods.Method.full_res): each takes
# (photo uint8 [H, W, 3], the 64x64 fill [s, s, 3] in [-1, 1], mask [H, W], progress).
FULL_RES = {
    'guided': lambda photo, small, mask, progress: fullres.fill_photo(
        photo, mask, small, progress=progress),
    'exemplar': lambda photo, small, mask, progress: fullres.fill_photo(
        photo, mask, None, progress=progress),
    'biharmonic': lambda photo, small, mask, progress: fullres.biharmonic_photo(photo, mask),
}


def full_size(rc: runlib.RunConfig, photo: np.ndarray, small: np.ndarray, mask: np.ndarray,
              progress=None) -> np.ndarray:
  """One photo's result at its own size: its hole completed at full resolution by the
  method's full-resolution fill (rc.detail), or the small fill pasted back.

  Args: photo uint8 [H, W, 3]; small [s, s, 3] in [-1, 1]; mask [H, W], 1 = known;
    progress: optional fn(fraction done). Returns uint8 [H, W, 3].
  """
  if not rc.detail:
    return fullres.paste_back(photo, small, mask)
  return FULL_RES[methods.get(rc.engine.method).full_res](photo, small, mask, progress)


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
  for m in data.image_files(mask):
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
  hole_small = blend.resize(1.0 - mask_full, (s, s), Image.BOX) > 1e-6
  y = data.to_float(np.asarray(Image.fromarray(photo).resize((s, s), Image.BICUBIC))).numpy()
  return y, (~hole_small).astype(np.float32)


def _photo_z0(rc: runlib.RunConfig, models: Optional[runlib.Models], n: int) -> Optional[np.ndarray]:
  """Every photo starts from the same seeded random codes, so a photo's result does not
  depend on the batch it is in (rows: restart r of photo i at r * n + i); None for a
  method that does not search, or a learned start (which never depends on the batch)."""
  if not methods.get(rc.engine.method).searches or rc.engine.resolved().start == 'learned':
    return None
  inp = models.inpainter(rc.engine)
  per_photo = inp.initial_z(inp.cfg.restarts)
  return np.repeat(per_photo, n, axis=0)


def fill_photos(rc: runlib.RunConfig, models: Optional[runlib.Models], batch: List[tuple],
                log=print, on_chunk=None, candidates: int = 0,
                on_full_res=None) -> dict:
  """Inpaints photos in memory: each at img_size, then its hole at its own size
  (full_size).

  Args:
    batch: [(photo uint8 [H, W, 3], mask [H, W] with 1 = known)], true colour.
    on_chunk: optional fn(current engine result), every print_freq iterations.
    on_full_res: optional fn(photo index, fraction of its full-resolution fill done).
    candidates: if > 0, also every restart's own fill pasted into the photo shrunk to
      at most this many pixels on its long side (a quick look at the alternatives).

  Returns:
    {'out' (run.inpaint_batch's dict, at img_size), 'y' [N, s, s, 3], 'm' [N, s, s],
    'full' [uint8 [H, W, 3]] per photo (full_size), 'spread' [float [H, W] in [0, 1]
    inside the hole] per photo or None (one restart), 'candidates' [[uint8 [H, W, 3]] per
    restart] per photo (when asked and there are several restarts, else [])}.
  """
  s = rc.img_size
  small = [_small_inputs(photo, mask, s) for photo, mask in batch]
  y, m = np.stack([a for a, _ in small]), np.stack([b for _, b in small])
  out = runlib.inpaint_batch(rc, models, y, m, log=log, z0=_photo_z0(rc, models, len(batch)),
                             on_chunk=on_chunk)
  spread = runlib.spread_of(rc, out)
  full, spreads, cands = [], [], []
  for i, (photo, mask) in enumerate(batch):
    full.append(full_size(rc, photo, out['result'][i], mask, None if on_full_res is None
                          else lambda f, i=i: on_full_res(i, f)))
    if spread is None:
      spreads.append(None)
    else:  # At the photo's size, inside its hole.
      h, w = mask.shape
      spreads.append(blend.resize(spread[i], (h, w)) * (1.0 - mask))
    per = []
    if candidates and spread is not None:
      thumb, thumb_mask = fullres.thumbnail(photo, mask, candidates)
      for g in out['g_restarts'][:, i]:
        small_fill = runlib.blend_batch(y[i:i + 1], g[None], m[i:i + 1], rc.is_blend)[0]
        per.append(fullres.paste_back(thumb, small_fill, thumb_mask))
    cands.append(per)
  return {'out': out, 'y': y, 'm': m, 'full': full, 'spread': spreads, 'candidates': cands}


def inpaint_photos(rc: runlib.RunConfig, log=print, overwrite: bool = False,
                   strategy=None) -> List[str]:
  """Own photos of any size, in batches of rc.sample_batch: inpaint at img_size, then
  only the hole at full resolution (full_size).

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
  models = runlib.load_models(rc, strategy)
  results, n_read, t0 = list(done), 0, time.time()
  for b in range(0, len(todo), rc.sample_batch):
    batch = []
    for path, mask_path in todo[b:b + rc.sample_batch]:
      photo = _read_photo(path)
      if photo is None:
        continue
      batch.append((path, photo, photo_mask(mask_path, photo.shape[1], photo.shape[0], log)))
    n_read += len(todo[b:b + rc.sample_batch])
    if not batch:
      continue
    got = fill_photos(rc, models, [(photo, mask) for _, photo, mask in batch], log)
    out = got['out']
    for i, (path, photo, mask_full) in enumerate(batch):
      name = os.path.splitext(os.path.basename(path))[0]
      spread = got['spread'][i]
      small_spread = None if spread is None else out['spread'][i:i + 1]
      outputs.write_outputs(out_dir, name, got['y'][i:i + 1], got['m'][i:i + 1],
                            out['g'][i:i + 1], out['result'][i:i + 1], False,
                            {'method': rc.engine.method, 'source': path,
                             'seconds': out['seconds']},
                            {k: v[i:i + 1] for k, v in out['terms'].items()},
                            out['loss'][i:i + 1], spread=small_spread)
      results.append(imgs.save_png(target(path), got['full'][i]))
      if spread is not None:
        imgs.save_png(target(path).replace('_inpainted.png', '_spread.png'),
                      outputs.spread_image(spread))
      h, w = mask_full.shape
      log(f'{path}: {w}x{h}, hole {100 * (1 - mask_full.mean()):.1f}% -> {target(path)}')
    left = len(todo) - n_read
    eta = (time.time() - t0) / n_read * left
    log(f'batch {b // rc.sample_batch + 1}/{-(-len(todo) // rc.sample_batch)}: '
        f'{n_read} photo(s) done, {left} left, eta {eta:.0f}s')
  if not results:
    raise data.DataError(f'--image={rc.image!r}: no readable image')
  return results
