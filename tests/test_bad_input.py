"""Photos as people take them, and bad input: a correct result or one line, never a traceback.

In-process cases use the job functions with tiny models; a few cases run the
commands to check the exit code and the one-line message.
"""

import os

import numpy as np
import pytest
from PIL import Image

from inpaint import ckpt
from inpaint import data
from inpaint import engine
from inpaint import photos as photolib
from inpaint import run as runlib
from masks import generate as mg


def _rc(tiny_models, tmp_path, image, mask, **kw):
  eng = engine.Config(method='yeh', iters=2, print_freq=2)
  return runlib.RunConfig(engine=eng, load_model=tiny_models['dcgan'], image=str(image),
                          encoder_dir=tiny_models['encoder'],
                          mask=str(mask), output_dir=str(tmp_path / 'out'), **kw)


def _hole_png(path, hw, box):
  m = np.zeros(hw, np.uint8)
  m[box[0]:box[1], box[2]:box[3]] = 255
  Image.fromarray(m).save(path)
  return m > 0


def _photo(seed=0, hw=(60, 80)):
  return np.random.default_rng(seed).integers(0, 256, hw + (3,), dtype=np.uint8)


def _inpaint_one(tiny_models, tmp_path, image, mask):
  [out] = photolib.inpaint_photos(_rc(tiny_models, tmp_path, image, mask), log=lambda s: None)
  return np.asarray(Image.open(out))


def test_exif_rotated_photo_is_read_and_written_as_displayed(tiny_models, tmp_path):
  stored = _photo(1, (60, 80))  # Stored landscape 80x60 ...
  exif = Image.Exif()
  exif[0x0112] = 6  # ... displayed rotated 90 degrees clockwise: portrait 60x80.
  Image.fromarray(stored).save(tmp_path / 'phone.jpg', exif=exif.tobytes(), quality=95)
  shown = np.asarray(Image.open(tmp_path / 'phone.jpg').convert('RGB').transpose(
      Image.Transpose.ROTATE_270))
  assert shown.shape == (80, 60, 3)
  hole = _hole_png(tmp_path / 'mask.png', (80, 60), (5, 30, 10, 40))  # Drawn on the portrait.
  got = _inpaint_one(tiny_models, tmp_path, tmp_path / 'phone.jpg', tmp_path / 'mask.png')
  assert got.shape == (80, 60, 3)
  assert np.array_equal(got[~hole], shown[~hole])


@pytest.mark.parametrize('kind', ['16bit', 'palette', 'cmyk', 'gray', 'one_pixel'])
def test_unusual_photo_formats_give_a_result(tiny_models, tmp_path, kind):
  rgb = _photo(2)
  path = tmp_path / 'photo.png'
  if kind == '16bit':
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(path)
    want = rgb[..., 0:1].repeat(3, -1)
  elif kind == 'palette':
    Image.fromarray(rgb).convert('P').save(path)
    want = np.asarray(Image.open(path).convert('RGB'))
  elif kind == 'cmyk':
    path = tmp_path / 'photo.jpg'
    Image.fromarray(rgb).convert('CMYK').save(path, quality=95)
    want = np.asarray(Image.open(path).convert('RGB'))
  elif kind == 'gray':
    path = tmp_path / 'photo.jpg'
    Image.fromarray(rgb).convert('L').save(path, quality=95)
    want = np.asarray(Image.open(path).convert('RGB'))
  else:
    rgb = rgb[:1, :1]
    Image.fromarray(rgb).save(path)
    want = rgb
  h, w = want.shape[:2]
  hole = _hole_png(tmp_path / 'mask.png', (h, w), (0, max(1, h // 2), 0, max(1, w // 2)))
  got = _inpaint_one(tiny_models, tmp_path, path, tmp_path / 'mask.png')
  assert got.shape == (h, w, 3)
  assert np.array_equal(got[~hole], want[~hole])
  if kind == '16bit':  # Scaled, not clipped to white.
    assert abs(float(got[~hole].mean()) - float(want[~hole].mean())) < 1


def test_masks_all_white_all_black_antialiased_and_16bit(tiny_models, tmp_path):
  photo = _photo(3)
  Image.fromarray(photo).save(tmp_path / 'p.png')
  Image.fromarray(np.zeros((60, 80), np.uint8)).save(tmp_path / 'black.png')
  got = _inpaint_one(tiny_models, tmp_path, tmp_path / 'p.png', tmp_path / 'black.png')
  assert np.array_equal(got, photo)  # Nothing to fill: the photo itself.
  Image.fromarray(np.full((60, 80), 255, np.uint8)).save(tmp_path / 'white.png')
  got = _inpaint_one(tiny_models, tmp_path, tmp_path / 'p.png', tmp_path / 'white.png')
  assert got.shape == photo.shape and np.isfinite(got).all()
  # Anti-aliased edge: grey >= 128 counts as fill, < 128 as keep (threshold at 50%).
  soft = np.zeros((60, 80), np.uint8)
  soft[10:20, 10:20] = 255
  soft[10:20, 20] = 128
  soft[10:20, 21] = 127
  Image.fromarray(soft).save(tmp_path / 'soft.png')
  m = mg.mask_from_png(str(tmp_path / 'soft.png'))
  assert m[15, 20] == 0 and m[15, 21] == 1
  Image.fromarray(soft.astype(np.uint16) * 257).save(tmp_path / 'soft16.png')
  assert np.array_equal(mg.mask_from_png(str(tmp_path / 'soft16.png')), m)


def test_files_of_the_wrong_kind(tiny_models, tmp_path):
  (tmp_path / 'notes.jpg').write_text('this is not a photo')
  Image.fromarray(_photo()).save(tmp_path / 'p.png')
  _hole_png(tmp_path / 'm.png', (60, 80), (0, 10, 0, 10))
  with pytest.raises(data.DataError, match='no readable image'):
    photolib.inpaint_photos(_rc(tiny_models, tmp_path, tmp_path / 'notes.jpg', tmp_path / 'm.png'))
  os.mkdir(tmp_path / 'dir_mask')
  with pytest.raises(data.DataError, match='dir_mask'):
    photolib.inpaint_photos(_rc(tiny_models, tmp_path, tmp_path / 'p.png', tmp_path / 'dir_mask'))
  (tmp_path / 'notes.png').write_text('not a mask either')
  with pytest.raises(data.DataError, match='notes.png'):
    photolib.inpaint_photos(_rc(tiny_models, tmp_path, tmp_path / 'p.png', tmp_path / 'notes.png'))


def _truncated_copy(src, dst):
  os.makedirs(dst)
  for f in os.listdir(src):
    b = open(os.path.join(src, f), 'rb').read()
    open(os.path.join(dst, f), 'wb').write(b[:len(b) // 2] if f == ckpt.WEIGHTS else b)
  return str(dst)


def test_truncated_or_foreign_checkpoints_raise_one_error(tiny_models, tmp_path):
  from inpaint import train_gan
  from googlenet import train_lib
  bad = _truncated_copy(tiny_models['dcgan'], tmp_path / 'bad_dcgan')
  with pytest.raises(ckpt.CheckpointError, match='weights.npz: unreadable or truncated'):
    train_gan.load_gan(bad)
  with pytest.raises(ckpt.CheckpointError, match='lacks variable'):  # A GoogLeNet as a DCGAN.
    ckpt.import_weights(tiny_models['googlenet'], {'generator': train_gan.load_gan(
        tiny_models['dcgan'])[0]})
  (tmp_path / 'cfg').mkdir()
  (tmp_path / 'cfg' / 'config.json').write_text('{not json')
  with pytest.raises(ckpt.CheckpointError, match='config.json: unreadable'):
    train_lib.load_inference(str(tmp_path / 'cfg'))


@pytest.mark.cli
def test_commands_end_in_one_line_with_the_right_code(tiny_models, tmp_path, cropped_dir):
  import subprocess
  import sys
  from tests.test_cli import ROOT
  bad = _truncated_copy(tiny_models['dcgan'], tmp_path / 'bad')
  (tmp_path / 'file.txt').write_text('x')
  run_dir = tmp_path / 'cars' / 'model' / 'run1'
  os.makedirs(run_dir / 'ckpt')
  (run_dir / 'config.json').write_text('{"arch": "dcgan", "width": 0.0625}')
  (run_dir / 'ckpt' / 'checkpoint').write_text('model_checkpoint_path: "ckpt-2"\n')
  (run_dir / 'ckpt' / 'ckpt-2.index').write_bytes(b'\x00' * 10)  # A damaged checkpoint.
  cases = [
      (('inpaint.inpaint_main', f'--load_model={bad}', '--method=yeh'), 1, 'weights.npz'),
      (('inpaint.inpaint_main', '--data_dir=/no/such/folder', '--method=biharmonic'), 2,
       '/no/such/folder'),
      (('inpaint.inpaint_main', f'--output_dir={tmp_path / "file.txt"}', '--method=biharmonic'),
       2, 'is a file'),
      (('inpaint.main', '--training', '--load_model=run1', '--width=0.0625', '--iters=3',
        f'--data_dir={cropped_dir}'), 1, 'ckpt-2'),
      (('inpaint.main', f'--load_model={bad}'), 1, 'weights.npz'),
      (('googlenet.train', '--eval', f'--load={bad}'), 1, 'bad'),
      (('metrics.fd_main', f'--load_model={bad}'), 1, 'weights.npz'),
      (('metrics.fd_main', '--blur_sigmas=0,soft'), 2, 'blur_sigmas'),
      (('metrics.sweep', '--grid=lambda_bogus=1'), 2, 'lambda_bogus'),
      (('metrics.measure_errors', f'--results_dir={tmp_path / "file.txt"}'), 2, 'not a folder'),
      (('masks', f'--out={tmp_path / "file.txt"}'), 2, 'is a file'),
  ]
  env = {**os.environ, 'PYTHONPATH': ROOT}
  env.pop('INPAINT_DEBUG', None)
  # All at once: each command mostly waits for TensorFlow to import.
  procs = [subprocess.Popen([sys.executable, '-m', *args], cwd=str(tmp_path), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
           for args, _, _ in cases]
  for (args, code, word), proc in zip(cases, procs):
    _, err = proc.communicate(timeout=300)
    lines = [l for l in err.splitlines() if l.startswith('error:')]
    assert proc.returncode == code and len(lines) == 1, (args, err[-1500:])
    assert 'Traceback' not in err and word in lines[0], (args, lines)
