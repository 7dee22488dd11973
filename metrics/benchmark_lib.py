"""Speed of the inpainting loop, blending, own photos and training (library of
`python -m metrics.benchmark`; see that module for what is measured and how).

Timings of long loops are measured over `measure_iters` iterations (after a
warm-up that includes tracing) and scaled linearly to `iters`: every iteration
does the same work, so this only removes waiting.
"""

import dataclasses
import json
import os
import platform
import time
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from googlenet import train_lib as gtrain
from inpaint import engine
from inpaint import photos
from inpaint import run as runlib
from inpaint import train_gan
from inpaint.engine import methods
from masks import generate as mg
from metrics import tables


@dataclasses.dataclass
class Settings:
  """What one benchmark run measures (the flags of metrics.benchmark)."""
  iters: int = 1500
  measure_iters: int = 60
  eager_iters: int = 20
  batches: Sequence[int] = (1, 16, 64)
  methods: Sequence[str] = ('search', 'semantic', 'yeh')
  fill_methods: Sequence[str] = ('one_pass', 'search', 'random_start', 'yeh')
  fill_batches: Sequence[int] = (1, 16, 64)
  variants: Sequence[str] = ('fp32', 'xla', 'bf16')
  photos: bool = True
  photo_iters: int = 100
  page: bool = True  # Time the page's default fill of a 900x560 photo with a brush stroke.
  training: bool = True
  train_widths: Sequence[float] = (0.5, 1.0)
  train_variants: Sequence[str] = ('fp32', 'xla', 'bf16')
  train_steps: int = 5
  load_model: str = None
  classifier_dir: str = None


def macs(model: keras.Model) -> int:
  """Multiply-adds of one forward pass of one image through conv/dense layers."""
  total = 0
  for layer in model.layers:
    if isinstance(layer, keras.layers.Conv2DTranspose):
      h, w, cin = layer.input.shape[1:]
      k = layer.kernel_size
      total += h * w * k[0] * k[1] * cin * layer.filters
    elif isinstance(layer, keras.layers.Conv2D):
      h, w, cout = layer.output.shape[1:]
      k = layer.kernel_size
      total += h * w * k[0] * k[1] * layer.input.shape[-1] * cout
    elif isinstance(layer, keras.layers.Dense):
      total += int(np.prod(layer.input.shape[1:])) * layer.units
  return int(total)


def loss_macs(g, d, c, cfg: engine.Config) -> int:
  """Per image-iteration: forward G once, D and GoogLeNet (when cfg's terms use them) on
  G(z) and x; the backward pass to z costs about one more forward (input gradients only,
  no weight gradients), hence the factor 2."""
  nets = cfg.networks()
  fwd = (macs(g) + (2 * macs(d) if methods.DISCRIMINATOR in nets else 0) +
         (2 * macs(c) if methods.CLASSIFIER in nets else 0))
  return 2 * fwd


def cpu_flags() -> str:
  """The vector instruction sets that decide TensorFlow's CPU speed (AVX-512 variants, else
  AVX2 / FMA), from /proc/cpuinfo; '' where it cannot be read."""
  try:
    with open('/proc/cpuinfo') as f:
      words = set(f.read().split())
  except OSError:
    return ''
  avx512 = sorted(w for w in words if w.startswith('avx512'))
  return ' '.join(avx512) if avx512 else ' '.join(w for w in ('avx2', 'fma') if w in words)


def matmul_gflops(n: int = 2048, reps: int = 10) -> float:
  a = tf.random.uniform([n, n])
  b = tf.random.uniform([n, n])
  f = tf.function(lambda: tf.matmul(a, b))
  f().numpy()
  t = time.perf_counter()
  for _ in range(reps):
    r = f()
  r.numpy()
  return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9


def _data(n, seed=0):
  rng = np.random.default_rng(seed)
  y = rng.uniform(-1, 1, (n, 64, 64, 3)).astype(np.float32)
  m = np.stack([mg.make_mask('center', 64)] * n)
  return y, m


def _loop_inputs(inp: engine.Inpainter, batch: int):
  """The compiled loop's inputs for `batch` images and all their restarts (rows
  restart-major), and its initial state from random codes."""
  y, m = _data(batch)
  r = inp.cfg.restarts
  yt = tf.constant(np.tile(y, (r, 1, 1, 1)))
  mt = tf.constant(np.tile(m[..., None], (r, 1, 1, 1)))
  wt = engine.weighted_mask(mt, inp.cfg.nsize, inp.cfg.use_weighted_mask)
  return yt, mt, wt, inp.initial_state(tf.constant(inp.initial_z(batch * r)))


def time_compiled(inp: engine.Inpainter, batch: int, measure: int) -> float:
  """Seconds per iteration of the compiled loop (Inpainter.chunk) for a batch with all
  its restarts: a warm-up chunk (tracing) first, then `measure` iterations timed."""
  y, m, w, st = _loop_inputs(inp, batch)
  st = inp.chunk(st, y, m, w, tf.constant(2))
  done = int(st.it.numpy())
  t = time.perf_counter()
  st = inp.chunk(st, y, m, w, tf.constant(measure))
  ran = int(st.it.numpy()) - done  # Fewer than asked when every row stopped early.
  return (time.perf_counter() - t) / max(1, ran)


def time_eager(inp: engine.Inpainter, steps: int) -> float:
  """Seconds per iteration of one image, the 2018 project's way: a Python loop of eager
  steps, each fetching its loss to the host."""
  y, m, w, st = _loop_inputs(inp, 1)
  y, m, w = y[:1], m[:1], w[:1]
  st = st._replace(**{k: v[:1] for k, v in st._asdict().items() if k != 'it'})
  active = tf.ones([1], tf.bool)

  def step(st):
    with tf.GradientTape() as tape:
      tape.watch(st.z)
      total, _, _ = inp.loss_terms(st.z, y, m, w)
    st = inp.optimizer_step(st, tape.gradient(total, st.z), active)
    return st._replace(it=st.it + 1), float(total[0])  # The per-step host round trip.

  st, _ = step(st)
  t = time.perf_counter()
  for _ in range(steps):
    st, _ = step(st)
  return (time.perf_counter() - t) / steps


def time_fill(models: runlib.Models, name: str, batch: int, reps: int = 2) -> dict:
  """A whole fill with a method's or preset's defaults, as a user runs it: start codes,
  search, restarts combined, blend (run.inpaint_batch). A warm-up call (tracing) first.

  Returns:
    {'method', 'batch', 'sec_per_image', 'restarts', 'iters'} (restarts and iterations
    per restart of a search, else 0).
  """
  cfg = engine.for_preset(name).resolved()
  rc = runlib.RunConfig(engine=cfg)
  models.load(cfg.networks())
  y, m = _data(batch)
  runlib.inpaint_batch(rc, models, y, m, log=lambda s: None)
  t = time.perf_counter()
  for _ in range(reps):
    runlib.inpaint_batch(rc, models, y, m, log=lambda s: None)
  searches = methods.get(cfg.method).searches
  return {'method': name, 'batch': batch, 'sec_per_image': (time.perf_counter() - t) / reps / batch,
          'restarts': cfg.restarts if searches else 0, 'iters': cfg.iters if searches else 0}


VARIANTS = {'fp32': {}, 'xla': {'jit_compile': True}, 'bf16': {'compute_dtype': 'bfloat16'},
            'xla_bf16': {'jit_compile': True, 'compute_dtype': 'bfloat16'}}


def check_variant(g, d, c, method, variant, iters=100) -> dict:
  """How far a faster variant's result is from the plain fp32 loop's (same y, M, z0)."""
  y, m = _data(4)
  outs = []
  for v in ('fp32', variant):
    cfg = engine.Config(method=method, iters=iters, print_freq=iters, start='random',
                        **VARIANTS[v])
    outs.append(engine.Inpainter(g, d, c, cfg).inpaint(y, m, log=lambda s: None))
  return {'max_abs_diff_gz': float(np.abs(outs[0]['g'] - outs[1]['g']).max()),
          'mean_abs_diff_gz': float(np.abs(outs[0]['g'] - outs[1]['g']).mean()),
          'loss_fp32': float(np.mean(outs[0]['loss'])),
          'loss_variant': float(np.mean(outs[1]['loss']))}


def time_blend(reps: int = 20) -> dict:
  """Milliseconds per 64x64 Poisson blend, for each mask type's hole."""
  from inpaint import blend  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(0)
  y, g = rng.uniform(-1, 1, (2, 64, 64, 3))
  out = {}
  for t in ('center', 'left', 'random'):
    m = mg.make_mask(t, 64)
    t0 = time.perf_counter()
    for _ in range(reps):
      blend.poisson_blend(y, g, m)
    out[f'blend_ms_{t}'] = 1000 * (time.perf_counter() - t0) / reps
  return out


TRAIN_VARIANTS = {'fp32': {}, 'xla': {'jit_compile': True},
                  'bf16': {'compute_dtype': 'bfloat16'}}


def time_gan_step(width: float, variant: str, steps: int, diffaug: str = '') -> float:
  """Seconds per DCGAN training step at batch 64 (D once, G twice)."""
  gan = train_gan.GAN(train_gan.Config(width=width, batch_size=64, diffaug=diffaug,
                                       ema_decay=0.999 if diffaug else 0.0,
                                       **TRAIN_VARIANTS[variant]))
  real = tf.random.uniform([64, 64, 64, 3], -1, 1)
  for _ in range(2):  # Trace + one warm step.
    gan.train_step(real)[0].numpy()
  t = time.perf_counter()
  for _ in range(steps):
    d_loss, _ = gan.train_step(real)
  float(d_loss)
  return (time.perf_counter() - t) / steps


def time_exemplar(n: int = 4) -> dict:
  """Seconds per 64x64 image of the exemplar method, for each mask type."""
  from inpaint import exemplar  # pylint: disable=import-outside-toplevel
  from scipy import ndimage  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(0)
  y = np.clip(ndimage.gaussian_filter(rng.uniform(-1, 1, (n, 64, 64, 3)), (0, 2, 2, 0)) * 3, -1, 1)
  out = {}
  for t in ('center', 'left', 'random'):
    m = np.stack([mg.make_mask(t, 64, i) for i in range(n)])
    t0 = time.perf_counter()
    exemplar.complete_batch(y, m)
    out[f'exemplar_s_per_image_{t}'] = (time.perf_counter() - t0) / n
  return out


# The photos the full-resolution targets name: (label, height, width, hole share); the
# hole is a centred box of the photo's aspect.
FULL_RES_CASES = (('900x560, 5% hole', 560, 900, 0.05), ('12 MP, 30% hole', 3000, 4000, 0.30),
                  ('12 MP, 0.5% hole', 3000, 4000, 0.005))
FULL_RES_MODES = ('paste_back', 'detail')


def synthetic_photo(h: int, w: int, seed: int = 0) -> np.ndarray:
  """uint8 [h, w, 3]: smooth colour regions, fine stripes and grain (a stand-in photo
  with detail at every scale, made at any size without a dataset)."""
  rng = np.random.default_rng(seed)
  base = np.asarray(Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize(
      (w, h), Image.BICUBIC), np.float32)
  yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
  stripes = 20.0 * np.sin(xx * 0.7 + yy * 0.3)[..., None]
  grain = rng.normal(0, 6, (h, w, 1)).astype(np.float32)
  return np.clip(base + stripes + grain, 0, 255).astype(np.uint8)


def time_full_res() -> list:
  """full_res_here() for every case and mode, each in a fresh process so that its peak
  memory is its own."""
  import subprocess  # pylint: disable=import-outside-toplevel
  import sys  # pylint: disable=import-outside-toplevel
  out = []
  for label, h, w, share in FULL_RES_CASES:
    for mode in FULL_RES_MODES:
      code = ('import json; from metrics import benchmark_lib; print(json.dumps('
              f'benchmark_lib.full_res_here({h}, {w}, {share}, {mode!r})))')
      proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            check=True)
      out.append({'case': label, **json.loads(proc.stdout.strip().splitlines()[-1])})
  return out


def _peak_rss_mb() -> float:
  """This process's peak resident memory (VmHWM), in MB. Not getrusage's ru_maxrss: Linux
  carries that over from the parent across fork and exec."""
  with open('/proc/self/status') as f:
    for line in f:
      if line.startswith('VmHWM:'):
        return int(line.split()[1]) / 1024
  return 0.0


def full_res_here(h: int, w: int, share: float, mode: str) -> dict:
  """The full-resolution stage alone (after the 64x64 fill) on a synthetic photo with a
  centred hole: mode 'paste_back' (fullres.paste_back) or 'detail' (fullres.fill_photo),
  guided by the photo itself at 64x64. Seconds, and the process's peak memory before
  and after (TensorFlow is imported here, as in the jobs)."""
  from inpaint import fullres  # pylint: disable=import-outside-toplevel
  photo = synthetic_photo(h, w)
  bh, bw = int(round(h * np.sqrt(share))), int(round(w * np.sqrt(share)))
  mask = np.ones((h, w), np.float32)
  mask[(h - bh) // 2:(h - bh) // 2 + bh, (w - bw) // 2:(w - bw) // 2 + bw] = 0
  small = np.asarray(Image.fromarray(photo).resize((64, 64), Image.BOX), np.float32) / 127.5 - 1
  fill = {'paste_back': fullres.paste_back,
          'detail': lambda p, s_, m: fullres.fill_photo(p, m, s_)}[mode]
  warm = np.ones((96, 128), np.float32)
  warm[40:60, 50:80] = 0
  fill(synthetic_photo(96, 128), small, warm)  # Compiled code loaded (or compiled) first.
  before = _peak_rss_mb()
  t = time.perf_counter()
  out = fill(photo, small, mask)
  sec = time.perf_counter() - t
  peak = _peak_rss_mb()
  assert np.array_equal(out[mask > 0.5], photo[mask > 0.5])
  return {'mode': mode, 'photo_megapixels': h * w / 1e6, 'hole_fraction': float(1 - mask.mean()),
          'seconds': sec, 'peak_rss_growth_mb': peak - before, 'peak_rss_mb': peak}


def time_photos(n: int = 16, iters: int = 100) -> dict:
  """Own photos: n photos of mixed sizes (each with its own mask, paired by stem),
  inpainted batched (one batch of n) and one at a time, end to end (reading,
  inpainting at 64x64, pasting back, writing); seconds per photo at `iters`.
  """
  import tempfile  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(0)
  sizes = [(320, 240), (640, 480), (1024, 768), (300, 400)]
  out = {'photos': n, 'iters': iters, 'sizes': sizes}
  with tempfile.TemporaryDirectory() as tmp:
    for folder in ('photos', 'masks'):
      os.makedirs(os.path.join(tmp, folder))
    for i in range(n):
      w, h = sizes[i % len(sizes)]
      Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(
          os.path.join(tmp, 'photos', f'car{i:02d}.jpg'))
      m = np.zeros((h, w), np.uint8)
      m[h // 4:3 * h // 4, w // 4:3 * w // 4] = 255
      Image.fromarray(m).save(os.path.join(tmp, 'masks', f'car{i:02d}.png'))
    for name, batch in (('batched', n), ('one_at_a_time', 1)):
      rc = runlib.RunConfig(engine=engine.Config(iters=iters, print_freq=iters, start='random'),
                            image=os.path.join(tmp, 'photos'), mask=os.path.join(tmp, 'masks'),
                            output_dir=os.path.join(tmp, name), sample_batch=batch)
      t0 = time.perf_counter()
      photos.inpaint_photos(rc, log=lambda s: None)
      out[f'{name}_s_per_photo'] = (time.perf_counter() - t0) / n
  return out


def time_page_fill(rc: runlib.RunConfig, size=(560, 900), reps: int = 3) -> dict:
  """What the page does after a click on Fill with the default method (webapp.Filler.fill,
  its models loaded and its loop traced at start, as the page does): a photo of `size`
  (h, w) with one brush stroke 7% of its height thick across the car. Seconds per fill."""
  from inpaint import webapp  # pylint: disable=import-outside-toplevel
  filler = webapp.Filler(rc)
  h, w = size
  small = np.asarray(Image.open(os.path.join(webapp.EXAMPLES, 'generated_car_1.png')).convert('RGB'))
  photo = np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC))
  mask = np.ones((h, w), np.float32)
  t = max(1, int(0.07 * h))
  mask[h // 2 - t // 2:h // 2 - t // 2 + t, w // 8:7 * w // 8] = 0
  default = rc.engine.resolved()
  times = []
  for _ in range(reps):
    t0 = time.perf_counter()
    filler.fill(photo, mask, default.method, default.restarts or 1)
    times.append(time.perf_counter() - t0)
  return {'photo': f'{w}x{h}', 'hole_fraction': float(1 - mask.mean()), 'method': default.method,
          'seconds_per_fill': float(np.median(times))}


def time_training(widths=(0.5,), variants=('fp32',), steps=5, log=print) -> dict:
  out = {'dcgan_steps': []}
  for w in widths:
    for v in variants:
      sec = time_gan_step(w, v, steps)
      out['dcgan_steps'].append({'width': w, 'variant': v, 'sec_per_step_batch64': sec})
      log(f'DCGAN width {w} {v}: {sec:.3f} s per training step (batch 64)')
  sec = time_gan_step(widths[0], variants[-1], steps, diffaug='color,translation,cutout')
  out['dcgan_steps'].append({'width': widths[0], 'variant': variants[-1] + '+diffaug+ema',
                             'sec_per_step_batch64': sec})
  log(f'DCGAN width {widths[0]} {variants[-1]} + DiffAugment + EMA: {sec:.3f} s per step')
  cfg = gtrain.Config(bsize=64)
  trainer = gtrain.Trainer(cfg)
  x = tf.random.uniform([64, 64, 64, 3], -1, 1)
  lab = tf.zeros([64], tf.int32)
  trainer.train_step(x, lab)
  t = time.perf_counter()
  for _ in range(5):
    loss, _ = trainer.train_step(x, lab)
  float(loss)
  per_step = (time.perf_counter() - t) / 5
  steps = 6431 // 64  # The train split of the shipped run.
  out['googlenet_sec_per_step_batch64'] = per_step
  out['googlenet_sec_per_epoch'] = per_step * steps
  return out


def _time_losses(g, d, c, s: Settings, log) -> tuple:
  """The compiled and eager rows for each loss set, plus the variant checks."""
  rows, res = [], {}
  for method in [m for m in s.methods if m != 'none']:
    # One code per image from a random start: the loop's cost, whatever the start.
    one = dict(restarts=1, start='random')
    n_macs = loss_macs(g, d, c, engine.Config(method=method, **one))
    log(f'{method}: {n_macs / 1e6:.1f} M multiply-adds per image-iteration '
        '(forward G + 2x D + 2x GoogLeNet when used, times 2 for the backward pass to z)')
    res[f'{method}_macs_per_image_iter'] = n_macs
    for variant in s.variants:
      name = f'compiled {variant}'
      inp = engine.Inpainter(g, d, c, engine.Config(method=method, **one, **VARIANTS[variant]))
      for b in s.batches:
        spi = time_compiled(inp, b, s.measure_iters)
        rows.append({'method': method, 'loop': name, 'batch': b,
                     'sec_per_image': spi * s.iters / b, 'gflops': 2 * n_macs * b / spi / 1e9})
        log(f'{method:9s} {name:13s} batch {b:3d}: {rows[-1]["sec_per_image"]:8.2f} s/image at '
            f'{s.iters} iters, {rows[-1]["gflops"]:6.1f} GFLOP/s')
    spi = time_eager(engine.Inpainter(g, d, c, engine.Config(method=method, **one)),
                     s.eager_iters)
    rows.append({'method': method, 'loop': 'eager per-image', 'batch': 1,
                 'sec_per_image': spi * s.iters, 'gflops': 2 * n_macs / spi / 1e9})
    log(f'{method:9s} eager per-image batch   1: {spi * s.iters:8.2f} s/image')
    for variant in s.variants:
      if variant != 'fp32':
        chk = res[f'{method}_{variant}_vs_fp32'] = check_variant(g, d, c, method, variant)
        log(f'{method:9s} {variant} vs fp32 after 100 iters (4 images): max |dG| '
            f'{chk["max_abs_diff_gz"]:.4f}, mean |dG| {chk["mean_abs_diff_gz"]:.4f}, '
            f'loss {chk["loss_variant"]:.4g} vs {chk["loss_fp32"]:.4g}')
  return rows, res


def _targets(fills) -> dict:
  """The speed targets, from the fill rows: the default and the one-pass fill, batched."""
  def at(name):
    got = [r['sec_per_image'] for r in fills if r['method'] == name and r['batch'] > 1]
    return min(got) if got else None
  out = {}
  if at(engine.DEFAULT) is not None:
    out['target_default_le_1.5s_per_image'] = at(engine.DEFAULT) <= 1.5
  if at('one_pass') is not None:
    out['target_one_pass_le_20ms_per_image'] = at('one_pass') <= 0.02
  if at(engine.DEFAULT) and at('random_start'):
    out['speedup_default_vs_random_start'] = at('random_start') / at(engine.DEFAULT)
  return out


def _full_res_targets(rows) -> dict:
  """The full-resolution stage's targets, from its 'detail' rows: at most 2 s for the
  900x560 photo with a 5% hole; at most 20 s and 2 GB more peak memory for the
  12-megapixel photo with a 30% hole."""
  got = {r['case']: r for r in rows if r['mode'] == 'detail'}
  out = {}
  small, large = got.get(FULL_RES_CASES[0][0]), got.get(FULL_RES_CASES[1][0])
  if small:
    out['target_full_res_900x560_le_2s'] = small['seconds'] <= 2.0
  if large:
    out['target_full_res_12mp_le_20s_and_2gb'] = (large['seconds'] <= 20.0 and
                                                   large['peak_rss_growth_mb'] <= 2048)
  return out


def measure(s: Settings, log=print) -> dict:
  """Runs every timing `s` asks for and returns them (rows, targets, machine); logs one
  line per measurement as it goes."""
  models = runlib.Models(runlib.RunConfig(load_model=s.load_model,
                                          classifier_dir=s.classifier_dir),
                         (methods.GENERATOR, methods.CLASSIFIER))
  g, d, c = models.generator, models.discriminator, models.classifier
  res = {'machine': {'cpus': os.cpu_count(), 'platform': platform.platform(),
                     'processor': platform.processor(), 'tensorflow': tf.__version__},
         'cpu_flags': cpu_flags(),
         'iters': s.iters, 'measure_iters': s.measure_iters}
  res['matmul_gflops_fp32'] = matmul_gflops()
  log(f'fp32 matmul (2048^3): {res["matmul_gflops_fp32"]:.1f} GFLOP/s')
  rows, more = _time_losses(g, d, c, s, log)
  res.update(more)
  res['rows'] = rows
  res['fills'] = fills = []
  for name in s.fill_methods:
    for b in s.fill_batches:
      fills.append(time_fill(models, name, b))
      log(f'fill {name:13s} batch {b:3d}: {fills[-1]["sec_per_image"]:8.3f} s/image '
          f'({fills[-1]["restarts"]} restarts x {fills[-1]["iters"]} iterations)')
  res['blend'] = time_blend()
  res['exemplar'] = time_exemplar()
  log('exemplar, s per 64x64 image: ' + ', '.join(
      f'{k.rsplit("_", 1)[1]} {v:.2f}' for k, v in res['exemplar'].items()))
  res['full_res'] = time_full_res()
  res.update(_full_res_targets(res['full_res']))
  for r in res['full_res']:
    log(f'{r["case"]}, {r["mode"]}: {r["seconds"]:.2f} s, peak memory '
        f'+{r["peak_rss_growth_mb"]:.0f} MB (process peak {r["peak_rss_mb"]:.0f} MB, TensorFlow '
        'imported)')
  log('Poisson blend, ms per 64x64 image: ' +
      ', '.join(f'{k[9:]} {v:.1f}' for k, v in res['blend'].items()))
  if s.page:
    res['page'] = pg = time_page_fill(runlib.RunConfig(load_model=s.load_model,
                                                       classifier_dir=s.classifier_dir))
    log(f'page: the default fill of a {pg["photo"]} photo with a brush stroke '
        f'({pg["hole_fraction"]:.1%}): {pg["seconds_per_fill"]:.2f} s')
  if s.photos:
    res['photos'] = ph = time_photos(16, s.photo_iters)
    log(f'own photos (16, mixed sizes, {ph["iters"]} iters, end to end): batched '
        f'{ph["batched_s_per_photo"]:.2f} s/photo, one at a time '
        f'{ph["one_at_a_time_s_per_photo"]:.2f} s/photo')
  if s.training:
    res['training'] = time_training(s.train_widths, s.train_variants, s.train_steps, log)
  res.update(_targets(fills))
  return res


def table(res: dict) -> str:
  """The Markdown table of the loop rows, then the other results, one per line."""
  lines = tables.markdown_table(
      ['fill (defaults)', 'batch', 'restarts x iterations', 's/image'],
      ([r['method'], r['batch'], f'{r["restarts"]} x {r["iters"]}', f'{r["sec_per_image"]:.3f}']
       for r in res.get('fills', []))).splitlines()
  lines += [''] + tables.markdown_table(
      ['method', 'loop', 'batch', f's/image @{res["iters"]} iters', 'GFLOP/s', '% of matmul peak'],
      ([r['method'], r['loop'], r['batch'], f'{r["sec_per_image"]:.2f}', f'{r["gflops"]:.1f}',
        f'{100 * r["gflops"] / res["matmul_gflops_fp32"]:.0f}%'] for r in res['rows'])
  ).splitlines()
  for k in ('cpu_flags', 'target_default_le_1.5s_per_image', 'target_one_pass_le_20ms_per_image',
            'speedup_default_vs_random_start', 'target_full_res_900x560_le_2s',
            'target_full_res_12mp_le_20s_and_2gb', 'page', 'training', 'blend', 'exemplar',
            'full_res', 'photos'):
    if k in res:
      lines.append(f'{k}: {res[k]}')
  return '\n'.join(lines)
