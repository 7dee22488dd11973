"""Fills of photos at their own resolution, scored inside the hole at full size (library
of `python -m metrics.hires`).

Photos: native-resolution car crops (a folder of JPEGs), split by a seeded permutation
into a tune half and a report half. Each photo gets one mask of each kind of
masks.generate.PHOTO_MASKS, seeded by its file name. Rows (ROWS): the network's 64x64
fill upsampled and pasted back (`--nodetail`), the same fill with the hole completed at
full resolution (inpaint.fullres, the default), biharmonic and exemplar at full
resolution, and OpenCV's Telea inpainting.

Scores, inside the hole at full size (SCORES): hole PSNR; detail, the standard
deviation of the Laplacian of the fill's grey levels over the original's (1 = as much
fine detail as the photo); seam, the mean absolute Laplacian on the 2-pixel ring at the
hole's border over the original's there (1 = no edge; well below 1: smoother than the
photo, well above: a visible edge); and seconds per photo (the generator rows include
their share of the batched 64x64 search).
"""

import dataclasses
import os
import time
import zlib
from typing import Dict, List, Sequence

import numpy as np
from scipy import ndimage

from inpaint import data
from inpaint import fullres
from inpaint import photos
from inpaint import run as runlib
from masks import generate as mgen
from metrics import tables

ROWS = ('paste_back', 'detail', 'biharmonic', 'exemplar', 'telea')
SCORES = ('psnr', 'detail', 'seam', 'seconds')
HALVES = ('tune', 'report')
ENV_VAR = 'CARS_HIRES_DIR'  # Where the photos are when --data_dir is not given.


@dataclasses.dataclass
class Settings:
  """One run of the benchmark (the flags of metrics.hires)."""
  data_dir: str = None
  half: str = 'tune'
  num: int = 48  # Photos per half.
  masks: Sequence[str] = mgen.PHOTO_MASKS
  rows: Sequence[str] = ROWS
  out: str = 'results/hires'
  label: str = None  # Names this run's detail row (default 'detail').
  fill: fullres.Settings = dataclasses.field(default_factory=fullres.Settings)
  seed: int = 0
  figure: bool = False  # Also write <out>/figure_<half>_<mask>.png (dataset pixels: not committed).
  figure_photos: int = 6


def photo_files(data_dir: str = None) -> List[str]:
  """The photos of data_dir (None: $CARS_HIRES_DIR), sorted."""
  data_dir = data_dir or os.environ.get(ENV_VAR)
  files = data.image_files(data_dir) if data_dir and os.path.isdir(data_dir) else []
  if not files:
    raise data.DataError(f'no photos in {data_dir!r} (--data_dir or $CARS_HIRES_DIR: the '
                         'native-resolution crops)')
  return sorted(files)


def half_of(paths: Sequence[str], half: str, seed: int = 0) -> List[str]:
  """The tune or report half of the photos: a seeded permutation, split in two."""
  if half not in HALVES:
    raise ValueError(f'half {half!r}: choose one of {", ".join(HALVES)}')
  order = np.random.default_rng(seed).permutation(len(paths))
  part = order[:len(paths) // 2] if half == 'tune' else order[len(paths) // 2:]
  return [paths[i] for i in sorted(part)]


def _gray(img: np.ndarray) -> np.ndarray:
  return np.asarray(img, np.float64) @ np.array([0.299, 0.587, 0.114])


def scores(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> Dict[str, float]:
  """Hole PSNR, detail ratio and seam score of one fill.

  Args: result, original uint8 [H, W, 3]; mask [H, W], 1 = known.
  """
  hole = np.asarray(mask) < 0.5
  err = (result.astype(np.float64) - original.astype(np.float64))[hole]
  mse = max(float(np.mean(err ** 2)), 1e-10)
  lap_r, lap_o = ndimage.laplace(_gray(result)), ndimage.laplace(_gray(original))
  cross = np.ones((3, 3), bool)
  ring = (hole & ndimage.binary_dilation(~hole, cross)) | (~hole & ndimage.binary_dilation(
      hole, cross))
  return {'psnr': 10.0 * np.log10(255.0 ** 2 / mse),
          'detail': float(np.std(lap_r[hole]) / max(np.std(lap_o[hole]), 1e-9)),
          'seam': float(np.mean(np.abs(lap_r[ring])) / max(np.mean(np.abs(lap_o[ring])), 1e-9))}


def telea(photo: np.ndarray, mask: np.ndarray) -> np.ndarray:
  """OpenCV's Telea inpainting (radius 3) at full size: uint8 [H, W, 3]."""
  import cv2  # pylint: disable=import-outside-toplevel
  hole = (np.asarray(mask) < 0.5).astype(np.uint8)
  out = cv2.inpaint(np.ascontiguousarray(photo), hole, 3, cv2.INPAINT_TELEA)
  return np.where(hole[..., None] > 0, out, photo)


def _mask_seed(path: str, kind: str) -> int:
  return zlib.crc32(f'{os.path.basename(path)}:{kind}'.encode())


def _timed(fn, *args, **kw):
  t = time.perf_counter()
  out = fn(*args, **kw)
  return out, time.perf_counter() - t


def _fill(row: str, photo, mask, small, search_secs: float, fill: fullres.Settings):
  """(uint8 [H, W, 3], seconds) of one row on one photo; small: the generator rows' 64x64
  result ({'full': the paste-back, 'result': the 64x64 fill}), search_secs their share of
  the batched search."""
  if row == 'paste_back':
    return small['full'], search_secs
  if row == 'detail':
    out, secs = _timed(fullres.fill_photo, photo, mask, small['result'], fill)
    return out, secs + search_secs
  if row == 'biharmonic':
    return _timed(fullres.biharmonic_photo, photo, mask)
  if row == 'exemplar':
    return _timed(fullres.fill_photo, photo, mask, None, fill)
  return _timed(telea, photo, mask)


def run(s: Settings, rc: runlib.RunConfig, log=print) -> Dict[str, List[dict]]:
  """Fills every photo of the half with every row; writes per-photo scores
  (<out>/<half>_<mask>.csv, one line per photo and row, replacing this run's rows) and
  returns {mask kind: rows}. rc: the network fill's settings (method, models)."""
  paths = half_of(photo_files(s.data_dir), s.half, s.seed)[:s.num]
  label = s.label or 'detail'
  gen_rows = [r for r in s.rows if r in ('paste_back', 'detail')]
  rc = dataclasses.replace(rc, detail=False)
  models = runlib.load_models(rc) if gen_rows else None
  os.makedirs(s.out, exist_ok=True)
  got = {kind: [] for kind in s.masks}
  crops = {kind: {} for kind in s.masks}
  for b in range(0, len(paths), rc.sample_batch):
    batch = [(p, np.asarray(data.open_rgb(p), np.uint8)) for p in paths[b:b + rc.sample_batch]]
    for kind in s.masks:
      masks = [mgen.photo_mask(kind, *ph.shape[:2], _mask_seed(p, kind)) for p, ph in batch]
      small, search_secs = None, 0.0
      if gen_rows:
        small, search_secs = _timed(photos.fill_photos, rc, models,
                                    [(ph, m) for (_, ph), m in zip(batch, masks)],
                                    lambda *a: None)
        search_secs /= len(batch)
      for i, ((p, photo), mask) in enumerate(zip(batch, masks)):
        mine = None if small is None else {'full': small['full'][i],
                                           'result': small['out']['result'][i]}
        for row in s.rows:
          out, secs = _fill(row, photo, mask, mine, search_secs, s.fill)
          if not np.array_equal(out[mask > 0.5], photo[mask > 0.5]):
            raise AssertionError(f'{row} changed known pixels of {p}')
          got[kind].append({'photo': os.path.basename(p),
                            'row': label if row == 'detail' else row,
                            **scores(out, photo, mask), 'seconds': secs})
          if s.figure and b + i < s.figure_photos:
            crops[kind].setdefault(p, {'original': _crop(photo, mask), 'masked': _crop(
                np.where(mask[..., None] > 0.5, photo, 255).astype(np.uint8), mask)})
            crops[kind][p][row] = _crop(out, mask)
    log(f'{min(b + rc.sample_batch, len(paths))}/{len(paths)} photos')
  result = {}
  for kind in s.masks:
    path = os.path.join(s.out, f'{s.half}_{kind}.csv')
    mine = {r['row'] for r in got[kind]}
    result[kind] = [r for r in tables.read_csv(path) if r['row'] not in mine] + got[kind]
    _write_csv(path, result[kind])
    if crops[kind]:
      _figure(crops[kind], got[kind], os.path.join(s.out, f'figure_{s.half}_{kind}.png'))
  return result


CLASSICAL = ('biharmonic', 'exemplar', 'telea')
FIGURE_SIDE = 256  # Largest crop side shown, at 1:1.


def _crop(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
  """The hole's box and 16 pixels around it, at 1:1, at most FIGURE_SIDE on a side
  (centred on the box)."""
  ys, xs = np.nonzero(np.asarray(mask) < 0.5)
  h, w = mask.shape
  cy, cx = (ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2
  hh = min(FIGURE_SIDE, ys.max() - ys.min() + 33) // 2
  hw = min(FIGURE_SIDE, xs.max() - xs.min() + 33) // 2
  y0, x0 = max(0, min(cy - hh, h - 2 * hh)), max(0, min(cx - hw, w - 2 * hw))
  return img[y0:y0 + 2 * hh, x0:x0 + 2 * hw]


def _figure(crops: Dict[str, dict], rows: List[dict], path: str) -> None:
  """One line per photo: original, masked, paste_back, detail and the classical row with
  the best mean hole PSNR, crops at 1:1 on white."""
  from PIL import Image  # pylint: disable=import-outside-toplevel
  mean = {r: np.mean([float(x['psnr']) for x in rows if x['row'] == r]) for r in CLASSICAL
          if any(x['row'] == r for x in rows)}
  cols = ['original', 'masked', 'paste_back', 'detail'] + ([max(mean, key=mean.get)] if mean
                                                           else [])
  lines = [[c[k] for k in cols if k in c] for c in crops.values()]
  cell_h = max(im.shape[0] for line in lines for im in line) + 4
  cell_w = max(im.shape[1] for line in lines for im in line) + 4
  sheet = np.full((cell_h * len(lines), cell_w * len(cols), 3), 255, np.uint8)
  for i, line in enumerate(lines):
    for j, im in enumerate(line):
      sheet[i * cell_h:i * cell_h + im.shape[0], j * cell_w:j * cell_w + im.shape[1]] = im
  Image.fromarray(sheet).save(path)
  print(f'{path}: columns {", ".join(cols)}')


def cached(s: Settings) -> Dict[str, List[dict]]:
  """{mask kind: rows} already written to s.out for s.half."""
  return {kind: tables.read_csv(os.path.join(s.out, f'{s.half}_{kind}.csv')) for kind in s.masks}


def write_tables(s: Settings, got: Dict[str, List[dict]]) -> str:
  """Writes <out>/<half>.md, a table per mask kind (table()), and returns its text."""
  text = '\n'.join(f'**{kind}** ({s.half} half, {len({r["photo"] for r in rows})} photos)\n\n'
                    f'{table(rows)}\n' for kind, rows in got.items())
  with open(os.path.join(s.out, f'{s.half}.md'), 'w') as f:
    f.write(text)
  return text


def _write_csv(path: str, rows: List[dict]) -> None:
  import csv  # pylint: disable=import-outside-toplevel
  with open(path + '.tmp', 'w', newline='') as f:
    w = csv.DictWriter(f, ['photo', 'row', *SCORES])
    w.writeheader()
    for r in rows:
      w.writerow({k: (f'{v:.5f}' if isinstance(v, float) else v) for k, v in r.items()})
  os.replace(path + '.tmp', path)


def _mean_se(v) -> str:
  v = np.asarray(v, np.float64)
  se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0
  return f'{v.mean():.3f} ± {se:.3f}'


def table(rows: List[dict], base: str = 'paste_back') -> str:
  """Mean ± standard error of every score per row, and each row's hole PSNR paired with
  `base` on the same photos (mean difference ± its standard error)."""
  by = {}
  for r in rows:
    by.setdefault(r['row'], {})[r['photo']] = {k: float(r[k]) for k in SCORES}
  out = []
  for name, per in by.items():
    line = [name, str(len(per))] + [_mean_se([v[k] for v in per.values()]) for k in SCORES]
    common = sorted(set(per) & set(by.get(base, {})))
    line.append(_mean_se([per[p]['psnr'] - by[base][p]['psnr'] for p in common])
                if name != base and len(common) > 1 else '')
    out.append(line)
  return tables.markdown_table(['row', 'photos', 'hole PSNR', 'detail', 'seam', 's/photo',
                                f'PSNR - {base}'], out)
