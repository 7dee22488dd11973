"""The inpainting page: upload a photo, brush over what to replace, press Fill.

Built on Gradio (its image editor gives the brush, layers, undo and clear; its queue runs
one job at a time and tells a second user where they wait). The fill itself is the own-
photos job's (photos.fill_photos: the 64x64 fill, then the hole at the photo's own
resolution, Poisson-blended), so the page and `--image=... --mask=...` give the same
result. A photo above EDIT_PIXELS is painted on a smaller copy that the browser makes
(HEAD) while the photo itself is uploaded as it is; Fill sends the copy, its brush layer and
that upload's path, and the server fills the photo (full_size_inputs), so a bad input is
answered from the small copy at once.

Layer: a job over jobs (it drives inpaint.photos), below the entry point inpaint.app.
"""

import dataclasses
import json
import os
import queue
import tempfile
import threading
import time
from typing import Optional

import numpy as np
from absl import logging
from PIL import Image
from PIL import ImageOps

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
# A photo above this many pixels is edited as a copy of this size, made in the browser,
# while the photo itself goes to the server at full size as the user paints: the image
# editor encodes and sends every layer at the size it holds, which for a 20-megapixel
# photo took longer than the 2 s a bad input's message may take. The fill is made at the
# photo's own size (the brush mask scaled up to it).
EDIT_PIXELS = 2_000_000
# In the browser, as soon as a file is chosen or dropped on the editor: a file that is not
# an image, that the browser cannot decode or that is above MAX_PIXELS is named in a message
# under the editor (the file never reaches the server); a photo above EDIT_PIXELS goes to
# the editor as a smaller copy and to the server as it is. Fill then sends that upload's
# path with the editor's value (FILL_JS).
HEAD = """<script>
(() => {
  const LIMITS = %s;
  let original = null;  // Promise of the server's path of the photo in the editor, or null.
  let passing = false;  // The event this script sends on, with the file it chose.
  const say = (text, ok) => {
    const note = document.querySelector('#upload_note');
    if (note) {
      note.textContent = text;
      note.style.color = ok ? '' : '#b91c1c';
      note.style.display = text ? 'block' : 'none';
    }
  };
  const upload = async (file) => {
    const form = new FormData();
    form.append('files', file);
    const r = await fetch(new URL('gradio_api/upload', document.baseURI),
                          {method: 'POST', body: form});
    if (!r.ok) throw new Error((await r.text()) || r.statusText);
    return (await r.json())[0];
  };
  // The file for the editor (the photo or a smaller copy), or null when refused. An example
  // or a pasted image may replace the photo later: the server checks that the upload is the
  // editor's photo (webapp.full_size_inputs).
  const prepare = async (file) => {
    original = null;
    const hint = ': upload a JPEG, PNG or WebP photo.';
    if (!file.type.startsWith('image/')) { say(`${file.name} is not an image${hint}`); return null; }
    let bitmap;
    try { bitmap = await createImageBitmap(file); } catch (e) {
      say(`${file.name} could not be read as an image${hint}`);
      return null;
    }
    const w = bitmap.width, h = bitmap.height, n = (k) => k.toLocaleString('en-US');
    if (w * h > LIMITS.max_pixels) {
      bitmap.close();
      say(`The photo has ${w}x${h} = ${n(w * h)} pixels; the limit is ${n(LIMITS.max_pixels)} ` +
          'pixels. Resize it and upload again.');
      return null;
    }
    if (w * h <= LIMITS.edit_pixels) { bitmap.close(); say(''); return file; }
    const s = Math.sqrt(LIMITS.edit_pixels / (w * h));
    const cw = Math.max(1, Math.round(w * s)), ch = Math.max(1, Math.round(h * s));
    const canvas = new OffscreenCanvas(cw, ch), ctx = canvas.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, cw, ch);
    bitmap.close();
    const copy = await canvas.convertToBlob({type: 'image/png'});
    say(`Sending the ${w}x${h} photo; you can paint on this ${cw}x${ch} copy meanwhile.`, true);
    const sent = upload(file).then((path) => {
      if (original === sent) {  // Not replaced by another file meanwhile.
        say(`The fill is made at the photo's own ${w}x${h} (you paint on a ${cw}x${ch} copy).`,
            true);
      }
      return path;
    }, (e) => {
      if (original === sent) {
        say(`The full-size photo did not reach the server (${e.message}); the fill will be ` +
            `${cw}x${ch}.`);
      }
      return '';
    });
    original = sent;
    return new File([copy], file.name.replace(/\\.[^.]*$/, '') + '.png', {type: 'image/png'});
  };
  const intercept = (e, files, send) => {
    if (passing || !files || !files.length) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    prepare(files[0]).then((file) => {
      if (!file) return;
      const dt = new DataTransfer();
      dt.items.add(file);
      passing = true;
      try { send(dt); } finally { passing = false; }
    });
  };
  document.addEventListener('change', (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement && t.type === 'file' && t.closest('#editor')) {
      intercept(e, t.files, (dt) => {
        t.files = dt.files;
        t.dispatchEvent(new Event('change', {bubbles: true}));
      });
    }
  }, true);
  document.addEventListener('drop', (e) => {
    const t = e.target;
    if (t instanceof Element && t.closest('#editor') && e.dataTransfer) {
      intercept(e, e.dataTransfer.files, (dt) => t.dispatchEvent(
          new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})));
    }
  }, true);
  // An example replaces the photo, so the note about the photo goes (the upload stays, for
  // the server to tell which photo the editor holds). Gradio's editor keeps a large photo
  // against an example unless its canvas is cleared first.
  document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('#examples button')) {
      say('');
      document.querySelector('#editor button[aria-label="Clear canvas"]')?.click();
    }
  }, true);
  window.inpaintOriginal = async () => (original ? await original : '') || '';
})();
</script>""" % json.dumps({'max_pixels': MAX_PIXELS, 'edit_pixels': EDIT_PIXELS})
# Fill's first step, in the browser: the full-size photo's path (once its upload is done)
# in place of the hidden field's value.
FILL_JS = ('async (value, method, restarts, original) => '
           '[value, method, restarts, await window.inpaintOriginal()]')
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
  _check_size(w, h)
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
  return _on_white(bg), (~hole).astype(np.float32)


def full_size_inputs(photo: np.ndarray, mask: np.ndarray, original: Optional[str]):
  """The editor's photo and mask -> the photo to fill and its mask, at the photo's own size.

  photo: uint8 [h, w, 3] and mask: float [h, w] with 1 = known, as editor_inputs gives them.
  original: the file of the photo as uploaded, when the editor holds a smaller copy of it
    (HEAD makes one above EDIT_PIXELS), or None. It is used when it is the editor's photo:
    the same shape and, shrunk to the copy's size, the same picture (an example picked or an
    image pasted since replaces the photo in the editor, not the upload).
  Returns (uint8 [H, W, 3], float32 [H, W] with 1 = known: the brush mask scaled up, a pixel
  a hole if any of it was; a note for the page: '' or why the editor's copy was filled).
  Raises:
    InputError: the upload is above MAX_PIXELS.
  """
  if not original:
    return photo, mask, ''
  if not os.path.isfile(original):  # The page's uploads are deleted after a while.
    return photo, mask, ('the full-size photo is no longer on the server, so the editor\'s '
                         'copy was filled: upload the photo again for a full-size fill')
  h, w = photo.shape[:2]
  with Image.open(original) as im:
    _check_size(*im.size)  # Before decoding it.
    im = ImageOps.exif_transpose(im)  # As the browser shows it.
    big = _on_white(np.asarray(im.convert('RGBA' if 'A' in im.getbands() else 'RGB')))
  H, W = big.shape[:2]
  # The copy is the photo shrunk with its sides rounded to whole pixels.
  same = H * W > h * w and abs(H * w - W * h) <= max(H, W)
  if same:  # Compared at 48 pixels across, where the browser's and PIL's filters agree.
    side = (max(1, round(48 * h / max(h, w))), max(1, round(48 * w / max(h, w))))
    a, b = (np.asarray(Image.fromarray(im).resize(side[::-1], Image.BOX), np.float32)
            for im in (big, photo))
    # Of 255: a photo against its own copy measured 0.2-5.3 (noise, real cars, several
    # shrinking filters), against another photo 54-88.
    same = np.abs(a - b).mean() < 12.0
  if not same:
    logging.info('the upload %s is not the photo in the editor; filling the editor\'s', original)
    return photo, mask, ''
  hole = blend.resize((np.asarray(mask) < 0.5).astype(np.float32), (H, W)) > 1e-3
  return big, (~hole).astype(np.float32), ''


def uploaded(path: Optional[str], uploads) -> Optional[str]:
  """path when it is a file the page's upload route took (uploads: the set of them), else
  None: the page names the full-size photo by its path, which no user may choose."""
  if not path:
    return None
  if path not in uploads:
    logging.warning('refused: %r is not an upload of this page', path)
    return None
  for _ in range(20):  # Gradio moves an upload into place just after answering it.
    if os.path.isfile(path):
      break
    time.sleep(0.1)
  return path


def _png(image: np.ndarray, cache: str) -> str:
  """uint8 [H, W, 3] -> the path of a PNG of it in the page's cache (where the page's own
  files are deleted after a while): compressed fast, which for a 20-megapixel photo takes
  1 s where Gradio's own PNG takes 4 s, for a file 4% larger."""
  os.makedirs(cache, exist_ok=True)
  path = os.path.join(tempfile.mkdtemp(dir=cache), 'result.png')
  Image.fromarray(image).save(path, compress_level=1)
  return path


def _check_size(w: int, h: int):
  if h * w > MAX_PIXELS:
    raise InputError(f'The photo has {w}x{h} = {h * w:,} pixels; the limit is '
                     f'{MAX_PIXELS:,} pixels. Resize it and upload again.')


def _on_white(image: np.ndarray) -> np.ndarray:
  """uint8 [H, W, 3 or 4] -> uint8 [H, W, 3]: transparent pixels shown on white."""
  if image.shape[-1] != 4:
    return np.ascontiguousarray(image[..., :3])
  alpha = image[..., 3:4].astype(np.float32) / 255.0
  rgb = image[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
  return np.round(rgb).astype(np.uint8)


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
    """One photo: {'result' uint8 [H, W, 3], 'spread' uint8 [H, W] (grey) or None,
    'candidates' [uint8 [h, w, 3]] (one per restart when several, at most CANDIDATE_SIDE
    across), 'seconds', 'iters'}.

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
    if spread is not None:  # Grey, one channel: a full-size map of a large photo is large.
      spread = data.to_uint8(outputs.spread_image(spread)[..., :1])[..., 0]
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

  def run(value, method, restarts, original, progress=gr.Progress()):
    """The Fill button: the one-pass preview first (a search from the encoder's code),
    then the result. The fill runs in a worker thread so the preview can be shown.
    original: the path of the full-size photo when the editor holds a copy (FILL_JS)."""
    try:
      photo, mask = editor_inputs(value)
      photo, mask, why = full_size_inputs(photo, mask, uploaded(original, page.upload_file_set))
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
            + (f' ({out["iters"]} iterations x {restarts} restarts)' if out['iters'] else '')
            + (f'; {why}' if why else ''))
    yield _png(out['result'], page.GRADIO_CACHE), out['spread'], out['candidates'] or None, note

  # Uploads and results are deleted after an hour (a full-size photo waits there while its
  # copy is painted).
  with gr.Blocks(title='Car inpainting', delete_cache=(300, 3600)) as page:
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
        original = gr.Textbox(visible=False)  # Set by FILL_JS.
        method = gr.Radio(list(methods.METHODS), value=default.method, label='Method',
                          info=' · '.join(f'{m.name}: {m.summary}'
                                          for m in methods.METHODS.values()))
        restarts = gr.Slider(1, 16, value=default.restarts, step=1,
                             label='Restarts (the methods that search)')
        button = gr.Button('Fill', variant='primary', elem_id='fill')
        if os.path.isdir(EXAMPLES):
          gr.Examples(sorted(os.path.join(EXAMPLES, f) for f in os.listdir(EXAMPLES)),
                      inputs=editor, label='Examples (cars drawn from the generator)',
                      elem_id='examples')
      with gr.Column():
        result = gr.Image(label='Result (full resolution)', type='numpy', format='png',
                          elem_id='result', interactive=False)
        spread = gr.Image(label='Spread of the restarts', type='numpy', format='png',
                          interactive=False)
        gallery = gr.Gallery(label='Each restart\'s fill (click to view)', columns=4,
                             format='png')
        status = gr.Markdown(elem_id='status')
    button.click(run, [editor, method, restarts, original], [result, spread, gallery, status],
                 js=FILL_JS, concurrency_limit=1)
  page.queue(default_concurrency_limit=1, max_size=16)
  return page
