"""The inpainting page: its fill function on the tiny models, and the page in a real browser."""

import dataclasses
import os

import numpy as np
import pytest
from PIL import Image

from inpaint import engine
from inpaint import photos
from inpaint import run as runlib
from inpaint import webapp
from metrics import page_lib


def _photo(h=50, w=70, seed=0):
  return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _editor(photo, hole):
  layer = np.zeros(photo.shape[:2] + (4,), np.uint8)
  layer[hole] = (255, 0, 255, 255)
  return {'background': np.concatenate([photo, np.full(photo.shape[:2] + (1,), 255, np.uint8)], -1),
          'layers': [layer], 'composite': None}


def _rc(tiny_models, **engine_kw):
  return runlib.RunConfig(engine=engine.Config(print_freq=5, **engine_kw),
                          load_model=tiny_models['dcgan'], encoder_dir=tiny_models['encoder'],
                          classifier_dir=tiny_models['googlenet'])


def test_bad_page_inputs_get_a_message(monkeypatch):
  photo = _photo()
  hole = np.zeros(photo.shape[:2], bool)
  with pytest.raises(webapp.InputError, match='Upload a photo'):
    webapp.editor_inputs(None)
  with pytest.raises(webapp.InputError, match='Nothing is painted'):
    webapp.editor_inputs(_editor(photo, hole))
  with pytest.raises(webapp.InputError, match='whole photo is painted'):
    webapp.editor_inputs(_editor(photo, ~hole))
  # A transparent background is read on white; the painted pixels are the hole.
  hole[10:20, 5:25] = True
  value = _editor(photo, hole)
  value['background'][0, 0, 3] = 0
  got, mask = webapp.editor_inputs(value)
  assert (got[0, 0] == 255).all() and np.array_equal(got[1:], photo[1:])
  assert np.array_equal(mask == 0, hole)
  monkeypatch.setattr(webapp, 'MAX_PIXELS', 1000)
  with pytest.raises(webapp.InputError, match='3,500 pixels; the limit is 1,000 pixels'):
    webapp.editor_inputs(value)


def test_a_photo_edited_as_a_copy_is_filled_at_its_own_size(tmp_path, monkeypatch):
  """The editor holds a smaller copy of a large photo, the upload is the photo: the photo
  at full size comes back, with the brush mask scaled up over it; an upload that is not the
  editor's photo, or is gone, leaves the editor's own."""
  yy, xx = np.mgrid[0:300, 0:400]
  big = np.stack([xx % 256, yy % 256, (xx + yy) % 256], -1).astype(np.uint8)
  path = str(tmp_path / 'big.png')
  Image.fromarray(big).save(path)
  copy = np.asarray(Image.fromarray(big).resize((133, 100), Image.BILINEAR))
  mask = np.ones((100, 133), np.float32)
  mask[40:50, 20:60] = 0
  got, got_mask, why = webapp.full_size_inputs(copy, mask, path)
  assert np.array_equal(got, big) and not why and got_mask.shape == (300, 400)
  hole = got_mask < 0.5
  assert hole[120:150, 60:180].all() and not hole[:110].any() and not hole[160:].any()
  # Turned as the browser shows it (EXIF orientation 6: the camera was held on its side).
  exif = Image.Exif()
  exif[0x0112] = 6
  Image.fromarray(np.ascontiguousarray(np.rot90(big, 1))).save(tmp_path / 'side.jpg',
                                                                exif=exif, quality=95)
  got, _, _ = webapp.full_size_inputs(copy, mask, str(tmp_path / 'side.jpg'))
  assert got.shape == big.shape and np.abs(got.astype(int) - big).mean() < 3
  # Fine texture shrunk by another (antialiasing) filter than the server's is still the same
  # photo.
  noise = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
  Image.fromarray(noise).save(tmp_path / 'noise.png')
  noise_copy = np.asarray(Image.fromarray(noise).resize((133, 100), Image.LANCZOS))
  assert webapp.full_size_inputs(noise_copy, mask, str(tmp_path / 'noise.png'))[0].shape == (300, 400, 3)
  # Not the editor's photo (another picture, another shape): the editor's is filled.
  other = copy[::-1].copy()
  assert webapp.full_size_inputs(other, mask, path)[0] is other
  assert webapp.full_size_inputs(copy[:, :100], mask[:, :100], path)[0].shape == (100, 100, 3)
  assert webapp.full_size_inputs(copy, mask, None)[0] is copy
  # Only a file the page's upload route took is read: a path is not the user's to name.
  assert webapp.uploaded(path, {path}) == path
  assert webapp.uploaded(path, set()) is None and webapp.uploaded('', {path}) is None
  got, _, why = webapp.full_size_inputs(copy, mask, str(tmp_path / 'gone.png'))
  assert got is copy and 'no longer on the server' in why
  monkeypatch.setattr(webapp, 'MAX_PIXELS', 100_000)
  with pytest.raises(webapp.InputError, match='120,000 pixels; the limit is 100,000'):
    webapp.full_size_inputs(copy, mask, path)


def test_the_page_fills_as_the_command_line_does(tiny_models, tmp_path):
  photo = _photo(seed=1)
  hole = np.zeros(photo.shape[:2], bool)
  hole[10:40, 20:50] = True
  filler = webapp.Filler(_rc(tiny_models, iters=10))
  seen = []
  out = filler.fill(photo, (~hole).astype(np.float32), 'yeh', 3,
                    lambda frac, text: seen.append(frac))
  got = out['result']
  assert got.shape == photo.shape and np.array_equal(got[~hole], photo[~hole])
  assert np.abs(got[hole].astype(int) - photo[hole]).max() > 10
  assert len(out['candidates']) == 3 and seen and seen[-1] <= 1.0
  assert out['spread'][~hole].max() == 0 and out['spread'][hole].max() > 0
  # The same photo and mask through --image / --mask: the same result.
  Image.fromarray(photo).save(tmp_path / 'car.png')
  Image.fromarray(hole.astype(np.uint8) * 255).save(tmp_path / 'car_mask.png')
  rc = _rc(tiny_models, iters=10, method='yeh', restarts=3)
  rc.image, rc.mask = str(tmp_path / 'car.png'), str(tmp_path / 'car_mask.png')
  rc.output_dir = str(tmp_path / 'out')
  [path] = photos.inpaint_photos(rc, log=lambda s: None)
  assert np.array_equal(np.asarray(Image.open(path)), got)
  # The default searches from the encoder's code: the one-pass fill is shown first, at
  # full size and with the photo kept outside the hole; the progress counts its iterations.
  shown, seen = [], []
  out = filler.fill(photo, (~hole).astype(np.float32), engine.DEFAULT, 2,
                    lambda frac, text: seen.append(text), shown.append)
  assert len(shown) == 1 and shown[0].shape == photo.shape
  assert np.array_equal(shown[0][~hole], photo[~hole])
  iters = filler.rc.engine.iters  # As the page was started (10).
  assert out['iters'] == iters and seen[-1].startswith(f'iteration {iters} of {iters}')
  # A classical method: no restarts, no spread map.
  bih = filler.fill(photo, (~hole).astype(np.float32), 'biharmonic', 4)
  assert bih['spread'] is None and not bih['candidates']
  assert np.array_equal(bih['result'][~hole], photo[~hole])


def test_the_page_fills_photos_at_their_own_resolution(tiny_models, monkeypatch):
  """A photo larger than the fill: the hole is completed at full size (not the upsampled
  fill), the progress bar counts that stage to the end, the spread map is full size too and
  each restart's fill is shown small."""
  monkeypatch.setattr(webapp, 'CANDIDATE_SIDE', 80)
  yy, xx = np.mgrid[0:200, 0:300]
  photo = np.where((((xx + yy) // 4) % 2)[..., None] > 0, [200, 60, 40], [30, 90, 160])
  photo = photo.astype(np.uint8)
  mask = np.ones((200, 300), np.float32)
  mask[80:120, 120:180] = 0
  filler = webapp.Filler(_rc(tiny_models, iters=4), warm_up=False)
  seen = []
  out = filler.fill(photo, mask, engine.DEFAULT, 2, lambda frac, text: seen.append((frac, text)))
  assert seen[-1][0] == pytest.approx(1.0) and seen[-1][1].startswith('full resolution: 100%')
  assert out['spread'].shape == mask.shape and max(out['candidates'][0].shape[:2]) == 80
  got = out['result']
  assert np.array_equal(got[mask > 0.5], photo[mask > 0.5])
  plain = photos.full_size(dataclasses.replace(filler.rc, detail=False), photo,
                           np.zeros((64, 64, 3), np.float32), mask)
  lap = lambda im: np.abs(np.diff(im.astype(float), axis=1))[mask[:, 1:] < 0.5].mean()
  assert lap(got) > 3 * lap(plain)  # The stripes' edges, not a smooth band.


@pytest.mark.skipif(page_lib.CHROMIUM is None, reason='no chromium (apt-get install -y chromium)')
@pytest.mark.cli
def test_the_page_in_a_real_browser(tiny_models, tmp_path):
  """Upload, a brush stroke with the mouse, Fill: rows the stroke does not reach are the
  photo's own, the stroke's band changed; the same for a photo edited as a copy, at its own
  size. Saves a screenshot (to $INPAINT_SCREENSHOT when set, e.g. docs/app.png)."""
  pytest.importorskip('playwright.sync_api')
  photo = np.asarray(Image.open(os.path.join(webapp.EXAMPLES, 'generated_car_1.png')).convert('RGB'))
  # The README's screenshot ($INPAINT_SCREENSHOT) shows the shipped models; the test the tiny ones.
  models = [] if os.environ.get('INPAINT_SCREENSHOT') else [
      f'--load_model={tiny_models["dcgan"]}', f'--classifier_dir={tiny_models["googlenet"]}',
      f'--encoder_dir={tiny_models["encoder"]}']
  server = {}
  with page_lib.serving(models, server) as url, page_lib.browser_page(url) as page:
    not_image = tmp_path / 'notes.txt'
    not_image.write_text('not a photo')
    page_lib.upload(page, str(not_image))
    page.get_by_text('notes.txt is not an image').wait_for(timeout=2000)
    page_lib.upload(page, os.path.join(webapp.EXAMPLES, 'generated_car_1.png'))
    page.get_by_text('notes.txt is not an image').wait_for(state='hidden', timeout=2000)
    page.wait_for_timeout(1500)
    page.click('#fill')  # Nothing painted yet: a message, not a result.
    page.get_by_text('Nothing is painted').first.wait_for(timeout=30000)
    page_lib.stroke(page)
    page.click('#fill')  # The default method and restarts.
    page.wait_for_selector('#result img', timeout=120000)
    page.get_by_text('iterations x').wait_for(timeout=30000)
    src = page.get_attribute('#result img', 'src')
    page.wait_for_timeout(1000)  # The spread map and the candidates arrive with it.
    # The first click's message fades by itself; the screenshot shows the result alone.
    page.get_by_text('Nothing is painted').first.wait_for(state='hidden', timeout=30000)
    shot = os.environ.get('INPAINT_SCREENSHOT') or str(tmp_path / 'page.png')
    page.screenshot(path=shot)
    got = _fetch(src)
    # Above the page's limit: named in the browser, before anything is sent.
    Image.new('RGB', (7100, 7100), (90, 90, 90)).save(tmp_path / 'huge.png')
    page_lib.upload(page, str(tmp_path / 'huge.png'))
    page.get_by_text('7100x7100 = 50,410,000 pixels; the limit is').wait_for(timeout=10000)
    # Above EDIT_PIXELS: painted as a copy, filled at the photo's own size.
    big = _stripes(1300, 1800)
    Image.fromarray(big).save(tmp_path / 'big.png')
    page_lib.upload(page, str(tmp_path / 'big.png'))
    page.get_by_text("The fill is made at the photo's own 1800x1300").wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    page_lib.stroke(page)
    page.click('#fill')
    page.get_by_text('1800x1300, hole').wait_for(timeout=120000)
    got_big = _fetch(page.get_attribute('#result img', 'src'))
    # An example replaces the large photo (Gradio's editor keeps it unless cleared first),
    # and is filled as itself.
    page.locator('#examples img').first.click()
    page.wait_for_timeout(2000)
    page_lib.stroke(page)
    page.click('#fill')
    page.get_by_text(f'{photo.shape[1]}x{photo.shape[0]}, hole').wait_for(timeout=120000)
  log = server['text']
  # A user's error is one line in the server's log, not a traceback.
  assert 'refused: Nothing is painted' in log and 'Traceback' not in log, log
  assert os.path.exists(shot)
  for before, after in ((photo, got), (big, got_big)):
    assert after.shape == before.shape
    changed = np.abs(after.astype(int) - before).max(-1) > 0
    h = before.shape[0]
    assert not changed[:h // 4].any() and not changed[3 * h // 4:].any()
    assert changed[h // 2 - 3:h // 2 + 3].mean() > 0.2


def _fetch(url):
  return np.asarray(page_lib.fetch(url).convert('RGB'))


def _stripes(h, w):
  """uint8 [h, w, 3]: diagonal stripes over a gradient, a photo with detail everywhere."""
  yy, xx = np.mgrid[0:h, 0:w]
  on = (((xx + yy) // 6) % 2)[..., None] > 0
  return np.where(on, [200, 60, 40], [30, 90, 160]).astype(np.uint8) + (yy * 40 // h)[..., None].astype(np.uint8)


@pytest.mark.skipif(page_lib.CHROMIUM is None, reason='no chromium (apt-get install -y chromium)')
@pytest.mark.cli
def test_the_page_speed_benchmark_times_every_wait(tiny_models):
  """metrics.page_speed's measurements, on the tiny models and a photo edited as a copy."""
  pytest.importorskip('playwright.sync_api')
  got = page_lib.measure(1800, 1300, [f'--load_model={tiny_models["dcgan"]}',
                                      f'--classifier_dir={tiny_models["googlenet"]}',
                                      f'--encoder_dir={tiny_models["encoder"]}'],
                         log=lambda line: None)
  for key in ('not_an_image_message_s', 'above_the_limit_message_s', 'photo_ready_s',
              'nothing_painted_message_s', 'fill_to_result_s'):
    assert 0 < got[key] < 300, key
  assert got['result_size'] == [1800, 1300] and got['status'].startswith('search, 1800x1300')
