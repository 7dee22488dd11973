"""Holes of photos filled at full resolution (inpaint.fullres, inpaint.patchmatch), the photo
masks and the full-resolution scores (metrics.hires_lib), on generated images."""

import numpy as np
import pytest
from PIL import Image

from inpaint import fullres
from inpaint import patchmatch as pm
from masks import generate as mgen
from metrics import hires_lib


def _stripes(h, w, period=9):
  """uint8 [h, w, 3]: diagonal colour stripes, sharp-edged (detail at full resolution)."""
  yy, xx = np.mgrid[0:h, 0:w]
  band = ((xx + 2 * yy) // (period // 2 + 1)) % 2
  img = np.where(band[..., None] > 0, [200, 60, 40], [30, 90, 160])
  return img.astype(np.uint8)


def _checker(h, w, cell=6):
  yy, xx = np.mgrid[0:h, 0:w]
  v = ((yy // cell + xx // cell) % 2) * 170 + 40
  return np.stack([v, v, 255 - v], -1).astype(np.uint8)


def _box_mask(h, w, y0, y1, x0, x1):
  m = np.ones((h, w), np.float32)
  m[y0:y1, x0:x1] = 0
  return m


def _small_of(photo, s=64):
  """The photo at s x s in [-1, 1]: the best a 64x64 fill could be."""
  return np.asarray(Image.fromarray(photo).resize((s, s), Image.BOX), np.float32) / 127.5 - 1


@pytest.mark.parametrize('texture', [_stripes, _checker])
def test_a_hole_in_a_texture_is_completed_with_the_texture(texture):
  photo = texture(240, 320)
  mask = _box_mask(240, 320, 90, 150, 120, 200)
  small = _small_of(photo)
  detail = fullres.fill_photo(photo, mask, small)
  upsampled = fullres.paste_back(photo, small, mask)
  known = mask > 0.5
  assert np.array_equal(detail[known], photo[known])  # Outside the hole, bit for bit.
  ours, base = hires_lib.scores(detail, photo, mask), hires_lib.scores(upsampled, photo, mask)
  assert 0.8 < ours['detail'] < 1.25, ours
  assert base['detail'] < 0.5, base  # The upsampled fill is the smudge.
  assert ours['psnr'] > base['psnr'] + 3.0, (ours, base)
  assert 0.3 < ours['seam'] < 1.5, ours  # No edge (the detail fades in over 4 pixels).


def test_the_exemplar_fill_at_full_resolution_copies_the_texture():
  photo = _stripes(200, 260)
  mask = _box_mask(200, 260, 70, 130, 90, 170)
  out = fullres.fill_photo(photo, mask, None)
  got = hires_lib.scores(out, photo, mask)
  assert np.array_equal(out[mask > 0.5], photo[mask > 0.5])
  assert got['detail'] > 0.8 and got['psnr'] > 20, got


def test_pixels_outside_the_hole_are_unchanged_by_every_full_resolution_fill():
  rng = np.random.default_rng(0)
  photo = rng.integers(0, 256, (90, 130, 3), dtype=np.uint8)
  mask = mgen.photo_mask('stroke', 90, 130, seed=3)
  small = rng.uniform(-1, 1, (64, 64, 3)).astype(np.float32)
  for out in (fullres.fill_photo(photo, mask, small), fullres.fill_photo(photo, mask, None),
              fullres.biharmonic_photo(photo, mask), fullres.paste_back(photo, small, mask)):
    assert out.dtype == np.uint8 and out.shape == photo.shape
    assert np.array_equal(out[mask > 0.5], photo[mask > 0.5])
    assert not np.array_equal(out[mask < 0.5], photo[mask < 0.5])


def test_the_work_is_bounded_by_the_holes_box(monkeypatch):
  """A 12-megapixel photo with a small hole is completed on the same region as a small
  photo with that hole: its work (and time) does not grow with the photo."""
  seen = []
  real = fullres.complete

  def spy(image, known, *args, **kw):
    seen.append(image.shape)
    return real(image, known, *args, **kw)

  monkeypatch.setattr(fullres, 'complete', spy)
  hole = (1500, 1540, 2000, 2050)
  big = _stripes(3000, 4000)
  small_photo = big[1300:1740, 1800:2250]
  fullres.fill_photo(big, _box_mask(3000, 4000, *hole), None)
  fullres.fill_photo(small_photo, _box_mask(440, 450, 200, 240, 200, 250), None)
  assert seen[0] == seen[1] and seen[0][0] * seen[0][1] < 200 * 200, seen


def test_a_large_hole_propagates_only_above_max_search():
  """Past max_search target patches a level only propagates; the fill stays complete."""
  photo = _stripes(160, 200)
  mask = _box_mask(160, 200, 50, 110, 60, 140)
  cheap = fullres.fill_photo(photo, mask, _small_of(photo),
                             fullres.Settings(max_search=100))
  assert np.array_equal(cheap[mask > 0.5], photo[mask > 0.5])
  assert hires_lib.scores(cheap, photo, mask)['detail'] > 0.6


def test_biharmonic_at_full_resolution_solves_large_holes_downscaled():
  yy, xx = np.mgrid[0:300, 0:400]
  photo = np.stack([xx * 0.5, yy * 0.6, (xx + yy) * 0.3], -1).astype(np.uint8)
  mask = _box_mask(300, 400, 80, 220, 100, 300)
  out = fullres.biharmonic_photo(photo, mask, max_unknowns=2_000)  # Downscaled 4x.
  err = np.abs(out.astype(float) - photo)[mask < 0.5]
  assert err.mean() < 2.0  # A smooth ramp is interpolated, at any scale.


def test_patchmatch_finds_an_exact_copy():
  """The right half is the left half: after a few sweeps, every patch of a hole in the
  right half matches its copy at distance 0 (the NNF is exact)."""
  rng = np.random.default_rng(1)
  left = rng.uniform(0, 1, (40, 30, 3)).astype(np.float32)
  img = np.concatenate([left, left], 1)
  known = np.ones((40, 60), bool)
  known[15:25, 40:50] = False
  lv = fullres._Level(img.copy(), known, 2)  # pylint: disable=protected-access
  pick = rng.integers(0, len(lv.sy), len(lv.ty))
  nny, nnx = lv.sy[pick].copy(), lv.sx[pick].copy()
  dist = pm.distances(img, lv.ty, lv.tx, nny, nnx, 2)
  pm.improve(img, lv.ty, lv.tx, lv.tindex, lv.src_ok, nny, nnx, dist, 2, 8, 60, 0)
  assert np.allclose(dist, 0.0)
  assert np.array_equal(nnx, lv.tx - 30) and np.array_equal(nny, lv.ty)


def test_photo_masks_have_the_named_sizes():
  box = mgen.photo_mask('box', 270, 520, seed=1)
  assert abs((1 - box.mean()) - 0.30 * 0.35) < 0.01
  stroke = mgen.photo_mask('stroke', 270, 520, seed=1)
  cols = (stroke < 0.5).sum(0)
  assert 0.5 * 0.07 * 270 < np.median(cols[cols > 0]) < 2.5 * 0.07 * 270
  assert np.array_equal(stroke, mgen.photo_mask('stroke', 270, 520, seed=1))
  with pytest.raises(ValueError, match='choose one of box, stroke'):
    mgen.photo_mask('blob', 10, 10)


def test_scores_detail_and_seam():
  photo = _checker(100, 120)
  mask = _box_mask(100, 120, 30, 70, 40, 80)
  same = hires_lib.scores(photo, photo, mask)
  assert same['detail'] == pytest.approx(1.0) and same['seam'] == pytest.approx(1.0)
  flat = photo.copy()
  flat[mask < 0.5] = photo[mask < 0.5].mean(0).astype(np.uint8)
  got = hires_lib.scores(flat, photo, mask)
  assert got['detail'] < 0.3 and got['psnr'] < same['psnr']  # Only the hole's edge has any.


def test_the_halves_are_disjoint_and_seeded():
  paths = [f'{i:05d}.jpg' for i in range(11)]
  tune, report = hires_lib.half_of(paths, 'tune'), hires_lib.half_of(paths, 'report')
  assert not set(tune) & set(report) and sorted(tune + report) == paths
  assert tune == hires_lib.half_of(paths, 'tune') and tune != hires_lib.half_of(paths, 'tune', 1)


def test_thumbnail():
  photo = _stripes(300, 500)
  mask = _box_mask(300, 500, 100, 101, 100, 101)
  small, small_mask = fullres.thumbnail(photo, mask, 100)
  assert small.shape == (60, 100, 3) and small_mask.shape == (60, 100)
  assert (small_mask < 0.5).sum() >= 1  # A one-pixel hole stays a hole.
  assert fullres.thumbnail(photo, mask, 600)[0] is photo
