"""The inpainting page: upload a photo, brush over what to replace, press Fill.

Built on Gradio (its image editor gives the brush, layers, undo and clear; its queue runs
one job at a time and tells a second user where they wait). The fill itself is the own-
photos job's (photos.fill_photos: the 64x64 fill, then the hole at the photo's own
resolution, Poisson-blended), so the page and `--image=... --mask=...` give the same
result.

Layer: a job over jobs (it drives inpaint.photos), below the entry point inpaint.app.
"""

import dataclasses
import os
import queue
import threading
import time
from typing import Optional

import numpy as np
from absl import logging
from PIL import Image

from inpaint import blend
from inpaint import data
from inpaint import fullres
from inpaint import outputs
from inpaint import photos
from inpaint import run as runlib
from inpaint.engine import methods

# The largest photo the page takes, in pixels (a 50-megapixel phone photo fits: the work
# grows with the hole, not the photo); larger ones are refused with this limit in the
# message, and PIL refuses to decode anything beyond twice it (a decompression bomb)
# before it reaches memory.
MAX_PIXELS = 50_000_000
# The preview and each restart's fill are shown at most this many pixels across (the
# result is full size).
PREVIEW_SIDE = 1024
CANDIDATE_SIDE = 512
# Share of the progress bar the 64x64 fill takes; the full-resolution stage the rest.
SEARCH_SHARE = 0.5
# The largest upload the server accepts (a 50-megapixel PNG fits).
MAX_UPLOAD = '200mb'
# In the browser: a file that is not an image, or that the browser cannot decode, is
# named in a message under the editor at once (the editor itself shows nothing and the
# file never reaches the server).
HEAD = """<script>
(() => {
  const say = (text) => {
    const note = document.querySelector('#upload_note');
    if (note) {
      note.textContent = text;
      note.style.color = '#b91c1c';
      note.style.display = text ? 'block' : 'none';
    }
  };
  const check = (file) => {
    if (!file) return;
    const hint = ': upload a JPEG, PNG or WebP photo.';
    if (!file.type.startsWith('image/')) { say(`${file.name} is not an image${hint}`); return; }
    say('');
    createImageBitmap(file).then((b) => b.close()).catch(
      () => say(`${file.name} could not be read as an image${hint}`));
  };
  document.addEventListener('change', (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement && t.type === 'file' && t.closest('#editor')) {
      check(t.files && t.files[0]);
    }
  }, true);
  document.addEventListener('drop', (e) => {
    if (e.target instanceof Element && e.target.closest('#editor') && e.dataTransfer) {
      check(e.dataTransfer.files[0]);
    }
  }, true);
})();
</script>"""
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'examples')


class InputError(ValueError):
  """What the user gave cannot be filled; the message says why, for the page."""


def editor_inputs(value: Optional[dict]):
  """The image editor's value -> (photo uint8 [H, W, 3], mask [H, W] with 1 = known).

  The photo is the editor's background (transparent pixels on white); the hole is every
  pixel that any brush layer painted (alpha > 0).

  Raises:
    InputError: no photo, a photo above MAX_PIXELS, nothing painted, everything painted.
  """
  if not value or value.get('background') is None:
    raise InputError('Upload a photo (or pick an example) first.')
  bg = np.asarray(value['background'])
  if bg.ndim != 3 or bg.shape[0] * bg.shape[1] == 0:
    raise InputError('That file is not a picture the page can read.')
  h, w = bg.shape[:2]
  if h * w > MAX_PIXELS:
    raise InputError(f'The photo has {w}x{h} = {h * w:,} pixels; the limit is '
                     f'{MAX_PIXELS:,} pixels. Resize it and upload again.')
  rgb = bg[..., :3].astype(np.float32)
  if bg.shape[-1] == 4:
    alpha = bg[..., 3:4].astype(np.float32) / 255.0
    rgb = rgb * alpha + 255.0 * (1.0 - alpha)
  hole = np.zeros((h, w), bool)
  for layer in value.get('layers') or []:
    layer = np.asarray(layer)
    if layer.ndim == 3 and layer.shape[:2] == (h, w):
      hole |= (layer[..., 3] if layer.shape[-1] == 4 else layer.max(-1)) > 0
  if not hole.any():
    raise InputError('Nothing is painted: brush over the part of the photo to fill.')
  if hole.all():
    raise InputError('The whole photo is painted: leave some of it unpainted, so the fill '
                     'has something to agree with.')
  return np.round(rgb).astype(np.uint8), (~hole).astype(np.float32)


class Filler:
  """The shipped models, loaded once; fill() runs one job with them.

  Args:
    rc: the settings every job starts from (models, engine defaults).
  """

  def __init__(self, rc: runlib.RunConfig, warm_up: bool = True):
    self.rc = rc
    self.models = runlib.Models(rc, rc.engine.networks())
    if warm_up:
      # One small fill with the default method now, so that the first user's Fill does
      # not wait for its compiled loop to be traced (nor the full-resolution stage's code
      # to be loaded: the photo is larger than the fill).
      photo = np.zeros((3 * rc.img_size, 3 * rc.img_size, 3), np.uint8)
      mask = np.ones(photo.shape[:2], np.float32)
      mask[: rc.img_size // 4] = 0
      default = rc.engine.resolved()
      self.fill(photo, mask, default.method, default.restarts or 1)

  def fill(self, photo: np.ndarray, mask: np.ndarray, method: str, restarts: int,
           progress=None, preview=None) -> dict:
    """One photo: {'result' uint8 [H, W, 3], 'spread' uint8 [h, w, 3] (at most
    PREVIEW_SIDE across) or None,
    'candidates' [uint8 [H, W, 3]] (one per restart when several), 'seconds', 'iters'}.

    progress: optional fn(fraction done, text), called every print_freq iterations.
    preview: optional fn(uint8 [h, w, 3]), called with the one-pass fill pasted into the
      photo (at most PREVIEW_SIDE across) before a search from the encoder's code begins.
    """
    if method not in methods.METHODS:
      raise InputError(f'Unknown method {method!r}; choose one of '
                       f'{", ".join(methods.METHODS)}.')
    searches = methods.get(method).searches
    eng = dataclasses.replace(self.rc.engine, method=method,
                              restarts=int(restarts) if searches else None)
    rc = dataclasses.replace(self.rc, engine=eng)
    self.models.load(eng.networks())
    iters = eng.resolved().iters if searches else 0
    t0 = time.time()

    def on_chunk(cur):
      if preview is not None and cur['iters'] == 0:
        t_photo, t_mask = fullres.thumbnail(photo, mask, PREVIEW_SIDE)
        preview(fullres.paste_back(t_photo, cur['composite'][0], t_mask))
      if progress is not None:
        done = cur['iters']
        eta = (time.time() - t0) / max(1, done) * (iters - done)
        progress(SEARCH_SHARE * done / iters, f'iteration {done} of {iters}, about {eta:.0f} s '
                 'left')

    stage = {}

    def on_full_res(_, done):
      if progress is not None:
        t1 = stage.setdefault('t0', time.time())
        eta = (time.time() - t1) / max(done, 1e-3) * (1.0 - done) if done else 0.0
        progress(SEARCH_SHARE + (1.0 - SEARCH_SHARE) * done,
                 f'full resolution: {100 * done:.0f}%' + (f', about {eta:.0f} s left' if done
                                                           else ''))

    got = photos.fill_photos(rc, self.models, [(photo, mask)], log=lambda s: None,
                             on_chunk=on_chunk, candidates=CANDIDATE_SIDE,
                             on_full_res=on_full_res)
    spread = got['spread'][0]
    if spread is not None:  # Shown at most PREVIEW_SIDE across: it is smooth at any size.
      spread = data.to_uint8(outputs.spread_image(blend.resize(
          spread, fullres.thumbnail(photo, mask, PREVIEW_SIDE)[1].shape, Image.BOX)))
    return {'result': got['full'][0], 'spread': spread,
            'candidates': got['candidates'][0], 'seconds': time.time() - t0,
            'iters': iters}


def build(filler: Filler):
  """The page: a gradio.Blocks, queued one job at a time (not launched)."""
  import gradio as gr  # pylint: disable=import-outside-toplevel
  # PIL warns above this and refuses twice this (a bomb) before decoding.
  Image.MAX_IMAGE_PIXELS = MAX_PIXELS
  default = filler.rc.engine.resolved()

  def refuse(message: str):
    """A user's error: the message on the page, one line in the server's log."""
    logging.warning('refused: %s', message)
    return gr.Error(message, print_exception=False)

  def run(value, method, restarts, progress=gr.Progress()):
    """The Fill button: the one-pass preview first (a search from the encoder's code),
    then the result. The fill runs in a worker thread so the preview can be shown."""
    try:
      photo, mask = editor_inputs(value)
    except InputError as e:
      raise refuse(str(e)) from None
    progress(0.0, desc='starting')
    shown, got = queue.Queue(), {}

    def work():
      try:
        got['out'] = filler.fill(photo, mask, method, restarts,
                                 lambda f, text: progress(f, desc=text), shown.put)
      except Exception as e:  # pylint: disable=broad-except
        got['error'] = e  # Raised again below, in the request's own thread.
      finally:
        shown.put(None)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while (first := shown.get()) is not None:  # Not iter(get, None): arrays compare by value.
      yield first, None, None, 'preview (the encoder\'s one-pass fill); searching...'
    worker.join()
    if isinstance(got.get('error'), InputError):
      raise refuse(str(got['error']))
    if 'error' in got:
      raise got['error']
    out = got['out']
    h, w = photo.shape[:2]
    note = (f'{method}, {w}x{h}, hole {100 * (1 - mask.mean()):.1f}%: {out["seconds"]:.1f} s'
            + (f' ({out["iters"]} iterations x {restarts} restarts)' if out['iters'] else ''))
    yield out['result'], out['spread'], out['candidates'] or None, note

  with gr.Blocks(title='Car inpainting', delete_cache=(60, 600)) as page:
    gr.Markdown('## Car inpainting\nUpload a car photo, brush over the part to replace, '
                'press **Fill**. The spread map shows where the restarts disagree '
                '(white = the fill is a guess).')
    with gr.Row():
      with gr.Column():
        editor = gr.ImageEditor(label='Photo: brush over the part to fill', type='numpy',
                                image_mode='RGBA', format='png', sources=('upload', 'clipboard'),
                                transforms=(), layers=False, elem_id='editor',
                                brush=gr.Brush(default_size=24, colors=['#ff00ff'],
                                               color_mode='fixed'))
        gr.HTML('', elem_id='upload_note', padding=False)
        method = gr.Radio(list(methods.METHODS), value=default.method, label='Method',
                          info=' · '.join(f'{m.name}: {m.summary}'
                                          for m in methods.METHODS.values()))
        restarts = gr.Slider(1, 16, value=default.restarts, step=1,
                             label='Restarts (the methods that search)')
        button = gr.Button('Fill', variant='primary', elem_id='fill')
        if os.path.isdir(EXAMPLES):
          gr.Examples(sorted(os.path.join(EXAMPLES, f) for f in os.listdir(EXAMPLES)),
                      inputs=editor, label='Examples (cars drawn from the generator)')
      with gr.Column():
        result = gr.Image(label='Result (full resolution)', type='numpy', format='png',
                          elem_id='result', interactive=False)
        spread = gr.Image(label='Spread of the restarts', type='numpy', format='png',
                          interactive=False)
        gallery = gr.Gallery(label='Each restart\'s fill (click to view)', columns=4,
                             format='png')
        status = gr.Markdown(elem_id='status')
    button.click(run, [editor, method, restarts], [result, spread, gallery, status],
                 concurrency_limit=1)
  page.queue(default_concurrency_limit=1, max_size=16)
  return page
