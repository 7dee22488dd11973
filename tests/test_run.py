"""End-to-end inpainting jobs on tiny models: outputs, own photos, fallbacks."""

import glob
import json
import os

import numpy as np
import pytest
from PIL import Image

from inpaint import engine
from inpaint import photos as photolib
from inpaint import run as runlib
from masks import generate as mg


def _rc(tiny_models, tmp_path, **kw):
  eng = engine.Config(**{'iters': 6, 'print_freq': 3, **kw.pop('engine', {})})
  return runlib.RunConfig(engine=eng, load_model=tiny_models['dcgan'],
                          classifier_dir=tiny_models['googlenet'], n_class=196,
                          encoder_dir=tiny_models['encoder'],
                          output_dir=str(tmp_path / 'out'), sample_batch=4, **kw)


@pytest.mark.parametrize('method', sorted(engine.METHODS))
def test_dataset_job_writes_outputs(tiny_models, tmp_path, cropped_dir, method):
  rc = _rc(tiny_models, tmp_path, data_dir=cropped_dir, split='all', mask_type='left',
           num_try=2, engine={'method': method})
  lines = []
  summaries = runlib.inpaint_dataset(rc, log=lines.append)
  out = str(tmp_path / 'out')
  assert len(summaries) == 2
  for kind in ('masked', 'gz', 'result', 'original'):
    assert len(glob.glob(os.path.join(out, f'*_{kind}.png'))) == 8
  with open(os.path.join(out, 'try01.json')) as f:
    s = json.load(f)
  assert s['method'] == method and s['source'] == 'dataset' and len(s['images']) == 4
  assert s['mean_ssim'] is not None and np.isfinite(s['mean_psnr'])
  assert Image.open(os.path.join(out, 'try00_grid.png')).size[0] > 3 * 64  # 3 columns.
  # Blended results keep the known pixels of the input.
  res = np.asarray(Image.open(os.path.join(out, 'try00_img0000_result.png')), np.int16)
  orig = np.asarray(Image.open(os.path.join(out, 'try00_img0000_original.png')), np.int16)
  assert np.abs(res[:, 32:] - orig[:, 32:]).max() <= 1


def test_restarts_write_a_spread_map_zero_outside_the_hole(tiny_models, tmp_path, cropped_dir):
  rc = _rc(tiny_models, tmp_path, data_dir=cropped_dir, split='all', mask_type='center',
           engine={'method': 'yeh', 'restarts': 3, 'fill': 'mean'})
  [s] = runlib.inpaint_dataset(rc, log=lambda s: None)
  out = tmp_path / 'out'
  assert len(glob.glob(str(out / '*_spread.png'))) == 4 and s['settings']['fill'] == 'mean'
  spread = np.asarray(Image.open(out / 'try00_img0000_spread.png'))
  hole = mg.make_mask('center', 64) < 0.5
  assert spread[~hole].max() == 0 and spread[hole].max() > 0
  # An own photo: the map at the photo's size, zero wherever the photo is kept.
  photo = np.random.default_rng(1).integers(0, 256, (50, 70, 3), dtype=np.uint8)
  Image.fromarray(photo).save(tmp_path / 'p.png')
  hole = np.zeros((50, 70), bool)
  hole[10:40, 5:30] = True
  Image.fromarray(hole.astype(np.uint8) * 255).save(tmp_path / 'm.png')
  rc.image, rc.mask, rc.output_dir = str(tmp_path / 'p.png'), str(tmp_path / 'm.png'), str(out / 'own')
  photolib.inpaint_photos(rc, log=lambda s: None)
  big = np.asarray(Image.open(out / 'own' / 'p_spread.png'))
  assert big.shape == (50, 70, 3) and big[~hole].max() == 0 and big[hole].max() > 0
  # One restart: no spread to show, no map.
  rc.engine.restarts, rc.output_dir = 1, str(out / 'one')
  photolib.inpaint_photos(rc, log=lambda s: None)
  assert not glob.glob(str(out / 'one' / '*spread*'))


def test_dataset_tries_return_results_in_memory(tiny_models, tmp_path, cropped_dir):
  """The job itself writes nothing; writing is write_try's step."""
  rc = _rc(tiny_models, tmp_path, data_dir=cropped_dir, split='all', mask_type='center',
           num_try=2, engine={'method': 'yeh'})
  seen = []
  tries = list(runlib.dataset_tries(rc, log=lambda s: None,
                                    on_chunk=lambda t, y, m, cur: seen.append(t)))
  assert not os.path.exists(tmp_path / 'out')
  assert [tr['try'] for tr in tries] == [0, 1] and sorted(set(seen)) == [0, 1]
  for tr in tries:
    assert tr['real'] and tr['out']['result'].shape == tr['y'].shape == (4, 64, 64, 3)
    known = tr['m'][..., None] > 0.5
    np.testing.assert_allclose(np.where(known, tr['out']['result'] - tr['y'], 0), 0, atol=1e-5)
  s = runlib.write_try(rc, tries[1], log=lambda s: None)
  assert os.path.exists(tmp_path / 'out' / 'try01.json') and len(s['images']) == 4


def test_no_dataset_falls_back_to_generated(tiny_models, tmp_path, monkeypatch):
  monkeypatch.delenv('CARS_DATA_DIR', raising=False)
  monkeypatch.chdir(tmp_path)  # No ./data/stanford_cars here, and no location was named.
  rc = _rc(tiny_models, tmp_path)
  lines = []
  runlib.inpaint_dataset(rc, log=lines.append)
  assert 'GENERATED' in lines[0]
  with open(tmp_path / 'out' / 'try00.json') as f:
    assert json.load(f)['source'] == 'generated'
  # A location the user named that holds no data is an error, not a silent fallback.
  rc = _rc(tiny_models, tmp_path, data_dir=str(tmp_path / 'typo'))
  with pytest.raises(runlib.data.DataError, match='typo'):
    runlib.inpaint_dataset(rc, log=lines.append)


def test_own_photo_keeps_every_pixel_outside_hole(tiny_models, tmp_path):
  rng = np.random.default_rng(0)
  photo = rng.integers(0, 256, (300, 410, 3), dtype=np.uint8)
  Image.fromarray(photo).save(tmp_path / 'car.jpg', quality=95)
  photo = np.asarray(Image.open(tmp_path / 'car.jpg').convert('RGB'))
  hole = np.zeros((150, 205), bool)  # Half-size mask: resized with a warning.
  hole[40:90, 60:140] = True
  Image.fromarray(np.where(hole, 255, 0).astype(np.uint8)).save(tmp_path / 'mask.png')
  rc = _rc(tiny_models, tmp_path, image=str(tmp_path / 'car.jpg'), mask=str(tmp_path / 'mask.png'))
  [out] = photolib.inpaint_photos(rc, log=lambda s: None)
  got = np.asarray(Image.open(out))
  assert got.shape == photo.shape
  full_hole = mg.mask_from_png(str(tmp_path / 'mask.png'), (410, 300)) < 0.5
  assert np.array_equal(got[~full_hole], photo[~full_hole])
  assert not np.array_equal(got[full_hole], photo[full_hole])


def test_own_photo_bad_inputs(tiny_models, tmp_path):
  (tmp_path / 'empty.jpg').write_bytes(b'')
  Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / 'm.png')
  rc = _rc(tiny_models, tmp_path, image=str(tmp_path / 'empty.jpg'), mask=str(tmp_path / 'm.png'))
  with pytest.raises(runlib.data.DataError, match='no readable image'):
    photolib.inpaint_photos(rc)
  Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / 'tiny.png')
  rc.image, rc.mask = str(tmp_path / 'tiny.png'), str(tmp_path / 'missing.png')
  with pytest.raises(runlib.data.DataError, match='does not exist'):
    photolib.inpaint_photos(rc)


def test_reconstruct_writes_grid(tiny_models, tmp_path, cropped_dir):
  rc = _rc(tiny_models, tmp_path, data_dir=cropped_dir, split='all',
           reconstruct='inception_3b,softmax')
  path = runlib.reconstruct_layer(rc, log=lambda s: None)
  # One column per image (4), one row each for the original and the two layers.
  assert Image.open(path).size[1] > 3 * 64 > Image.open(path).size[1] - 64
  with open(os.path.join(os.path.dirname(path), 'reconstruct.json')) as f:
    rec = json.load(f)
  assert rec['rows'] == ['original', 'inception_3b', 'softmax']
  assert all(len(v) == 4 and np.isfinite(v).all() for v in rec['feature_error'].values())
  rc.reconstruct = 'inception_9z'
  with pytest.raises(ValueError, match='inception_9z'):
    rc.validate()


def test_tiny_photo_and_alpha_mask(tiny_models, tmp_path):
  photo = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
  Image.fromarray(photo).save(tmp_path / 'small.png')
  rgba = np.zeros((8, 8, 4), np.uint8)
  rgba[2:5, 3:7] = 255  # Opaque white = fill; the rest is transparent = keep.
  Image.fromarray(rgba, 'RGBA').save(tmp_path / 'mask.png')
  rc = _rc(tiny_models, tmp_path, image=str(tmp_path / 'small.png'),
           mask=str(tmp_path / 'mask.png'))
  [out] = photolib.inpaint_photos(rc, log=lambda s: None)
  got = np.asarray(Image.open(out))
  keep = np.ones((8, 8), bool)
  keep[2:5, 3:7] = False
  assert got.shape == (8, 8, 3) and np.array_equal(got[keep], photo[keep])


def test_photo_folders_pair_batch_and_resume(tiny_models, tmp_path):
  photos, masks = tmp_path / 'photos', tmp_path / 'masks'
  photos.mkdir()
  masks.mkdir()
  rng = np.random.default_rng(5)
  sizes = {'a': (50, 70), 'b': (90, 40), 'c': (64, 64), 'nomask': (30, 30)}
  for stem, (h, w) in sizes.items():
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(photos / f'{stem}.png')
  (photos / 'broken.jpg').write_text('not an image')
  for stem, name in (('a', 'a.png'), ('b', 'b_mask.png'), ('c', 'c.png'), ('broken', 'broken.png')):
    h, w = sizes.get(stem, (20, 20))
    m = np.zeros((h, w), np.uint8)
    m[h // 4:h // 2, w // 4:w // 2] = 255
    Image.fromarray(m).save(masks / name)
  lines = []
  pairs = photolib.pair_photos(str(photos), str(masks), log=lines.append)
  assert sorted(os.path.basename(p) for p, _ in pairs) == ['a.png', 'b.png', 'broken.jpg', 'c.png']
  assert dict((os.path.basename(p), os.path.basename(m)) for p, m in pairs)['b.png'] == 'b_mask.png'
  assert any('nomask.png' in l for l in lines)
  rc = _rc(tiny_models, tmp_path, image=str(photos), mask=str(masks), engine={'method': 'yeh'})
  rc.sample_batch = 2
  lines.clear()
  batched = photolib.inpaint_photos(rc, log=lines.append)
  assert len(batched) == 3 and any('batch 2/2' in l and 'eta' in l for l in lines)
  got = {os.path.basename(p): np.asarray(Image.open(p)) for p in batched}
  # One photo at a time gives the same results (same z0 per photo, inference-mode networks).
  for stem in ('a', 'b', 'c'):
    one = _rc(tiny_models, tmp_path, image=str(photos / f'{stem}.png'),
              mask=str(masks / ('b_mask.png' if stem == 'b' else f'{stem}.png')),
              engine={'method': 'yeh'})
    one.output_dir = str(tmp_path / f'one_{stem}')
    [path] = photolib.inpaint_photos(one, log=lambda s: None)
    diff = np.abs(np.asarray(Image.open(path), np.int16) - got[f'{stem}_inpainted.png'])
    assert diff.max() <= 1, stem
  # A re-run skips what exists; --overwrite redoes it.
  before = os.path.getmtime(batched[0])
  lines.clear()
  again = photolib.inpaint_photos(rc, log=lines.append)
  assert sorted(again) == sorted(batched)
  assert any('3 photo(s) already inpainted' in l for l in lines)
  assert os.path.getmtime(batched[0]) == before
  photolib.inpaint_photos(rc, log=lambda s: None, overwrite=True)
  assert os.path.getmtime(batched[0]) >= before


def test_named_layers_that_no_term_reads_are_announced():
  note = runlib.unused_layers_note(engine.Config(), ['layer', 'layer_2'])
  assert note.count('\n') == 0 and '--layer and --layer_2' in note and 'lambda_sem' in note
  assert runlib.unused_layers_note(engine.Config(method='semantic'), ['layer']) is None
  assert runlib.unused_layers_note(engine.Config(), []) is None
