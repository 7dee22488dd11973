"""The page (python -m inpaint.app) driven in a real browser, and how long a user waits.

Layer: above the page (inpaint.webapp) and the speed benchmark's helpers, below the entry
point metrics.page_speed; the page's browser test uses it too.
Needs Playwright's Python package and a Chromium on the PATH (Debian's `chromium`).
"""

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Iterator, List

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync']


def free_port() -> int:
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


@contextlib.contextmanager
def serving(args: List[str], log: dict) -> Iterator[str]:
  """Runs `python -m inpaint.app` with args on a free port; yields its URL once it answers.
  log['text'] holds the server's output once it has stopped."""
  port = free_port()
  server = subprocess.Popen(
      [sys.executable, '-m', 'inpaint.app', f'--port={port}'] + list(args), cwd=ROOT,
      env={**os.environ, 'PYTHONPATH': ROOT}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
      text=True)
  url = f'http://127.0.0.1:{port}/'
  try:
    for _ in range(240):  # The server imports TensorFlow and loads the models first.
      try:
        urllib.request.urlopen(url, timeout=1)
        break
      except OSError:
        if server.poll() is not None:
          raise RuntimeError(server.stdout.read())
        time.sleep(0.5)
    yield url
  finally:
    server.terminate()
    server.wait(timeout=30)
    log['text'] = server.stdout.read()


@contextlib.contextmanager
def browser_page(url: str):
  """A Playwright page of Chromium (headless) on url, loaded."""
  from playwright.sync_api import sync_playwright  # pylint: disable=import-outside-toplevel
  with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
      page = browser.new_page(viewport={'width': 1400, 'height': 1000})
      page.goto(url, wait_until='networkidle')
      yield page
    finally:
      browser.close()


def upload(page, path: str) -> None:
  page.set_input_files('#editor input[type=file]', path)


def stroke(page) -> None:
  """A brush stroke with the mouse across the middle of the photo in the editor."""
  box = page.query_selector('#editor canvas').bounding_box()
  y = box['y'] + box['height'] / 2
  page.mouse.move(box['x'] + box['width'] * 0.35, y)
  page.mouse.down()
  for k in range(15):
    page.mouse.move(box['x'] + box['width'] * (0.35 + 0.02 * k), y, steps=2)
  page.mouse.up()


def fetch(url: str):
  """The image at url, as PIL reads it."""
  return Image.open(io.BytesIO(urllib.request.urlopen(url).read()))


def measure(width: int, height: int, server_args=(), log=print) -> dict:
  """Seconds a user waits on the page with a width x height photo (a synthetic JPEG) and
  the default method: for each bad input's message (a file that is not an image, a photo
  above the page's limit, Fill with nothing painted), for a photo above EDIT_PIXELS to be
  sent (its copy in the editor), and from Fill to a brush stroke's result."""
  from inpaint import webapp  # pylint: disable=import-outside-toplevel
  from metrics import benchmark_lib  # pylint: disable=import-outside-toplevel
  out = {'photo': f'{width}x{height}'}
  with tempfile.TemporaryDirectory() as tmp:
    photo = os.path.join(tmp, 'photo.jpg')
    Image.fromarray(benchmark_lib.synthetic_photo(height, width)).save(photo, quality=92)
    # A phone-like photo just above the limit (8000x7000 for 50 megapixels), as a JPEG
    # with detail, which the browser takes as long to decode as a real one.
    hh = int((webapp.MAX_PIXELS * 1.12 * 7 / 8) ** 0.5)
    huge = os.path.join(tmp, 'huge.jpg')
    Image.fromarray(benchmark_lib.synthetic_photo(hh, hh * 8 // 7)).save(huge, quality=92)
    text = os.path.join(tmp, 'notes.txt')
    with open(text, 'w') as f:
      f.write('not a photo')
    server = {}
    with serving(server_args, server) as url, browser_page(url) as page:

      def timed(key, act, wait_text):
        t0 = time.perf_counter()
        act()
        page.get_by_text(wait_text).first.wait_for(timeout=300_000)
        out[key] = time.perf_counter() - t0
        log(f'{key}: {out[key]:.2f} s')

      timed('not_an_image_message_s', lambda: upload(page, text), 'notes.txt is not an image')
      timed('above_the_limit_message_s', lambda: upload(page, huge), 'the limit is')
      if width * height > webapp.EDIT_PIXELS:  # Edited as a copy: ready when it is sent.
        timed('photo_ready_s', lambda: upload(page, photo),
              f"The fill is made at the photo's own {width}x{height}")
      else:
        upload(page, photo)
      page.wait_for_timeout(1500)  # The editor draws the photo.
      timed('nothing_painted_message_s', lambda: page.click('#fill'), 'Nothing is painted')
      page.get_by_text('Nothing is painted').first.wait_for(state='hidden', timeout=60_000)
      stroke(page)
      timed('fill_to_result_s', lambda: page.click('#fill'), f'{width}x{height}, hole')
      out['status'] = page.inner_text('#status')
      out['result_size'] = list(fetch(page.get_attribute('#result img', 'src')).size)
  log(out['status'])
  return out
