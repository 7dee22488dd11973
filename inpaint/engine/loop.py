"""The compiled latent search: every restart of every image optimized in one
tf.while_loop, with the lowest loss per code kept.

Every network runs in inference mode, so an image's result does not depend on the
other images of its batch. With early stopping, an image whose best loss has not
improved by a relative early_stop_tol within early_stop_patience iterations stops
moving; the batch ends when all have stopped.

Layer: the engine, above engine.objective and engine.starts.
"""

import time
from typing import Callable, NamedTuple, Optional

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from inpaint import distribute
from inpaint import tb
from inpaint.engine import config
from inpaint.engine import methods
from inpaint.engine import objective
from inpaint.engine import starts
from inpaint.engine import terms

# inpaint() results indexed [restart, image, ...].
_RESTART_KEYS = ('g_restarts', 'loss_restarts')


class LoopState(NamedTuple):
  """What the compiled loop carries from one iteration to the next; rows = images x restarts."""
  it: tf.Tensor  # scalar int32: iterations done.
  z: tf.Tensor  # [R, z_dim]
  s1: tf.Tensor  # [R, z_dim]: momentum (Nesterov) or first moment (Adam).
  s2: tf.Tensor  # [R, z_dim]: Adam's second moment.
  best_loss: tf.Tensor  # [R]
  best_z: tf.Tensor  # [R, z_dim]
  best_terms: tf.Tensor  # [R, T]
  last_terms: tf.Tensor  # [R, T]
  ref_loss: tf.Tensor  # [R]: the loss at the last relative improvement (early stop).
  stale: tf.Tensor  # [R] int32: iterations since then.
  used: tf.Tensor  # [R] int32: iterations each row actually moved.


def _f32(t):
  return tf.cast(t, tf.float32)


class Inpainter:
  """Optimizes latent codes so that G(z) fills masked images.

  Args:
    generator: z [N, z_dim] -> [N, S, S, 3] in [-1, 1].
    discriminator: [N, S, S, 3] -> logit [N, 1]; needed when lamb or lambda_inp > 0.
    classifier: GoogLeNet (image -> logits); needed when lambda_sem or lambda_cat > 0.
    cfg: the settings.
    strategy: optional tf.distribute strategy; the batch's rows are split over its
      replicas (each keeps the best of its own rows), then gathered in order.
    loss: the loss class, built from the three networks (in the compute dtype) and
      cfg: objective.InpaintingLoss, or FeatureMatchLoss (engine.reconstruct); the loop,
      optimizer and best-result bookkeeping are the same for every loss.
    encoder: E (inpaint.encoder), needed when cfg.start is 'learned'.
  """

  def __init__(self, generator: keras.Model, discriminator: Optional[keras.Model],
               classifier: Optional[keras.Model], cfg: config.Config,
               strategy: Optional[tf.distribute.Strategy] = None,
               loss=objective.InpaintingLoss, encoder: Optional[keras.Model] = None):
    cfg.validate()
    if not methods.get(cfg.method).searches:
      raise ValueError(f'the {cfg.method} method does not search; it needs no Inpainter')
    cfg = self.cfg = cfg.resolved()
    self.encoder = encoder
    self.strategy = strategy or tf.distribute.get_strategy()
    self.replicas = distribute.replicas(self.strategy)
    if self.replicas > 1 and cfg.jit_compile:
      raise ValueError('jit_compile runs on one device; use --strategy=default with it')
    nets = [objective.with_compute_dtype(net, cfg.compute_dtype, self.strategy)
            for net in (generator, discriminator, classifier)]
    self.generator = nets[0]
    self.z_dim = generator.input_shape[-1]
    self.loss = loss(*nets, cfg)
    self.keys = list(self.loss.keys)
    chunk = self.run_chunk if self.replicas == 1 else self._run_chunk_replicated
    # The compiled loop: chunk(state, y, m, w, n_steps) -> state (run_chunk, traced once).
    self.chunk = tf.function(chunk, jit_compile=cfg.jit_compile, reduce_retracing=True)

  def loss_terms(self, z, y, m, w):
    """self.loss(z, y, m, w): (total [N], {term: [N]}, G(z) [N, S, S, 3])."""
    return self.loss(z, y, m, w)

  # ---- the compiled loop -------------------------------------------------

  def _lr(self, it):
    decays = tf.cast(it // self.cfg.lr_decay_every, tf.float32)
    return self.cfg.learning_rate * tf.pow(self.cfg.lr_decay, decays)

  def optimizer_step(self, st: LoopState, grad: tf.Tensor, active: tf.Tensor) -> LoopState:
    """One optimizer step on the rows still active (the others keep z and moments).

    The one implementation of Nesterov / Adam on z (the loop and the benchmark's eager
    loop both call it).
    """
    cfg = self.cfg
    lr = self._lr(st.it)
    if cfg.optimizer == 'nesterov':
      # tf.compat.v1.train.MomentumOptimizer(use_nesterov=True), as the seed.
      s1 = cfg.momentum * st.s1 + grad
      z = st.z - lr * (grad + cfg.momentum * s1)
      s2 = st.s2
    else:
      t = tf.cast(st.it + 1, tf.float32)
      s1 = 0.9 * st.s1 + 0.1 * grad
      s2 = 0.999 * st.s2 + 0.001 * tf.square(grad)
      z = st.z - lr * (s1 / (1 - 0.9 ** t)) / (tf.sqrt(s2 / (1 - 0.999 ** t)) + 1e-8)
    z = tf.clip_by_value(z, -1.0, 1.0)
    a = active[:, None]
    return st._replace(z=tf.where(a, z, st.z), s1=tf.where(a, s1, st.s1),
                       s2=tf.where(a, s2, st.s2))

  def _active(self, st: LoopState) -> tf.Tensor:
    # Always computed from the state: a constant all-true mask here made the loop
    # hang under MirroredStrategy (TF 2.21, two logical CPUs).
    patience = self.cfg.early_stop_patience if self.cfg.early_stop_patience > 0 else 2**31 - 1
    return st.stale < patience

  def run_chunk(self, st: LoopState, y, m, w, n_steps) -> LoopState:
    """Runs up to n_steps optimization steps; everything stays in the graph.

    Stops early when every row has stopped (early stopping).
    """
    keys = self.keys
    tol = self.cfg.early_stop_tol

    def cond(i, st):
      return (i < n_steps) & tf.reduce_any(self._active(st))

    def body(i, st):
      active = self._active(st)
      with tf.GradientTape() as tape:
        tape.watch(st.z)
        total, terms, _ = self.loss_terms(st.z, y, m, w)
        objective = tf.reduce_sum(total)  # Images are independent: one backward pass.
      grad = tape.gradient(objective, st.z)
      term_mat = tf.stack([terms[k] for k in keys], axis=1)
      improved = (total < st.best_loss) & active  # False for NaN: the best so far is kept.
      progress = (total < st.ref_loss * (1.0 - tol)) & active
      finite = tf.reduce_all(tf.math.is_finite(grad), axis=1, keepdims=True)
      grad = tf.where(finite, grad, tf.zeros_like(grad))
      st = st._replace(
          best_loss=tf.where(improved, total, st.best_loss),
          best_z=tf.where(improved[:, None], st.z, st.best_z),
          best_terms=tf.where(improved[:, None], term_mat, st.best_terms),
          ref_loss=tf.where(progress, total, st.ref_loss),
          stale=tf.where(progress, tf.zeros_like(st.stale), st.stale + tf.cast(active, tf.int32)),
          used=st.used + tf.cast(active, tf.int32),
          last_terms=term_mat)
      st = self.optimizer_step(st, grad, active)
      return i + 1, st._replace(it=st.it + 1)

    return tf.while_loop(cond, body, (tf.constant(0), st))[1]

  def _run_chunk_replicated(self, st: LoopState, y, m, w, n_steps) -> LoopState:
    """_run_chunk on each replica's contiguous block of rows, gathered back in order."""

    def replica(st, y, m, w):
      rows = {k: distribute.local(v) for k, v in st._asdict().items() if k != 'it'}
      return self.run_chunk(LoopState(it=st.it, **rows), distribute.local(y),
                             distribute.local(m), distribute.local(w), n_steps)

    out = self.strategy.run(replica, args=(st, y, m, w))
    rows = {k: self.strategy.gather(v, axis=0) for k, v in out._asdict().items() if k != 'it'}
    # Replicas whose rows all stopped early ran fewer iterations: the most counts.
    it = tf.reduce_max(self.strategy.gather(
        self.strategy.run(lambda i: i[None], args=(out.it,)), axis=0))
    return LoopState(it=it, **rows)

  def initial_z(self, n: int, seed: Optional[int] = None) -> np.ndarray:
    """Seeded random codes [n, z_dim] (starts.random_codes, cfg.z_init)."""
    return starts.random_codes(n, self.z_dim, self.cfg.seed if seed is None else seed,
                               self.cfg.z_init)

  def start_codes(self, y, m) -> np.ndarray:
    """The codes the search starts from, [restarts * N, z_dim] (restart r of image i at
    row r * N + i): random (initial_z) or the encoder's (starts.learned_codes)."""
    cfg = self.cfg
    if cfg.start == 'learned':
      if self.encoder is None:
        raise ValueError('a learned start needs the encoder (or codes z0)')
      return starts.learned_codes(self.encoder, y, m, cfg.restarts, cfg.start_noise, cfg.seed)
    return self.initial_z(int(y.shape[0]) * cfg.restarts)

  def inpaint(self, y: np.ndarray, m: np.ndarray, z0: Optional[np.ndarray] = None,
              writer=None, log: Callable[[str], None] = print,
              on_chunk: Optional[Callable[[dict], None]] = None) -> dict:
    """Fills the holes of a batch.

    Args:
      y: [N, S, S, 3] in [-1, 1] (hole pixels are ignored).
      m: [N, S, S] or [N, S, S, 1], 1 = known.
      z0: initial codes [N * restarts, z_dim] (restart r of image i at row r * N + i);
        default: start_codes.
      writer: optional summary writer for TensorBoard scalars.
      log: where progress lines go.
      on_chunk: called after every print_freq iterations with the current best
        result ({'g', 'composite', 'iters'}), e.g. to write a preview; from a learned
        start also before the first step, with the one-pass fill (iters 0).

    Returns:
      dict with 'g' [N, S, S, 3] in [-1, 1] (the fill: G(z) of the best restart, or the
      ensemble of cfg.fill, see combine()), 'spread' [N, S, S] (combine()), 'composite'
      (M y + (1-M) g), 'g_restarts' [R, N, S, S, 3] and 'loss_restarts' [R, N] (every
      restart's best G(z) and loss); of the lowest-loss restart: 'z' [N, z_dim], 'loss'
      [N], 'terms' {term: [N]}, 'iters_used' [N], 'clip_frac' [N] (share of z on the
      [-1, 1] bound); 'seconds', 'iters' (run), 'nan' (bool [N]: every loss was NaN).
    """
    cfg = self.cfg
    y = tf.convert_to_tensor(y, tf.float32)
    m = tf.convert_to_tensor(m, tf.float32)
    if m.shape.rank == 3:
      m = m[..., None]
    n, r = int(y.shape[0]), cfg.restarts
    z0 = self.start_codes(y, m) if z0 is None else np.asarray(z0, np.float32)
    if z0.shape != (n * r, self.z_dim):
      raise ValueError(f'z0 has shape {z0.shape}, expected {(n * r, self.z_dim)}')
    if n % self.replicas:
      return self._inpaint_padded(y, m, z0, writer, log, on_chunk)
    if bool(tf.reduce_all(m > 0.5)):
      return self._unchanged(y, z0[:n])
    self._warn_no_context(m)
    t0 = time.time()
    yt, mt = tf.tile(y, [r, 1, 1, 1]), tf.tile(m, [r, 1, 1, 1])
    wt = terms.weighted_mask(mt, cfg.nsize, cfg.use_weighted_mask)
    st = self.initial_state(tf.constant(z0))
    if on_chunk is not None and cfg.start == 'learned':
      # The one-pass fill (restart 0 starts at E's code): a first picture before the search.
      g0 = _f32(self.generator(z0[:n], training=False))
      on_chunk({'g': g0.numpy(), 'composite': (m * y + (1 - m) * g0).numpy(), 'iters': 0})
    done = 0
    while done < cfg.iters:
      steps = min(cfg.print_freq, cfg.iters - done)
      t = time.time()
      st = self.chunk(st, yt, mt, wt, tf.constant(steps))
      ran = int(st.it.numpy()) - done  # The one host transfer per print_freq steps.
      done += ran
      self._report(st, done, (time.time() - t) / max(1, ran), writer, log)
      if on_chunk is not None:
        on_chunk(self._best(st, y, m, z0, t0, done, quiet=True))
      if ran < steps:  # Every image has stopped.
        break
    return self._best(st, y, m, z0, t0, done)

  def _warn_no_context(self, m) -> None:
    missing_all = int(tf.reduce_sum(tf.cast(tf.reduce_all(m < 0.5, axis=[1, 2, 3]), tf.int32)))
    if missing_all and self.loss.uses_context:
      logging.warning('%d image(s) have no known pixel: running without context '
                      '(prior and semantic terms only)', missing_all)

  def _inpaint_padded(self, y, m, z0, writer, log, on_chunk) -> dict:
    """inpaint() with copies of the first image appended so the rows split evenly over
    the replicas; the padding rows are dropped from the result."""
    n, r = int(y.shape[0]), self.cfg.restarts
    k = self.replicas - n % self.replicas
    zr = z0.reshape(r, n, -1)
    zp = np.concatenate([zr, np.repeat(zr[:, :1], k, 1)], 1).reshape(r * (n + k), -1)
    out = self.inpaint(tf.concat([y, tf.repeat(y[:1], k, 0)], 0),
                       tf.concat([m, tf.repeat(m[:1], k, 0)], 0), zp, writer, log,
                       on_chunk and (lambda res: on_chunk(_first(res, n))))
    return _first(out, n)

  def _unchanged(self, y, z0) -> dict:
    """The result for a batch with nothing to fill: the input is the answer."""
    n = int(y.shape[0])
    zeros = np.zeros(n, np.float32)
    r = self.cfg.restarts
    return {'z': z0, 'g': y.numpy(), 'composite': y.numpy(), 'loss': zeros,
            'spread': np.zeros(y.shape[:3], np.float32),
            'g_restarts': np.repeat(y.numpy()[None], r, 0), 'loss_restarts': np.zeros((r, n)),
            'terms': {k: zeros for k in self.keys}, 'seconds': 0.0, 'iters': 0,
            'iters_used': np.zeros(n, np.int32), 'clip_frac': zeros, 'nan': np.zeros(n, bool)}

  def initial_state(self, z: tf.Tensor) -> LoopState:
    """The loop's state before the first step from codes z [R, z_dim] (R = rows)."""
    rows = int(z.shape[0])
    big = tf.fill([rows], np.float32(np.inf))
    zk = tf.zeros([rows, len(self.keys)])
    zi = tf.zeros([rows], tf.int32)
    return LoopState(it=tf.constant(0), z=z, s1=tf.zeros_like(z), s2=tf.zeros_like(z),
                     best_loss=big, best_z=z, best_terms=zk, last_terms=zk, ref_loss=big,
                     stale=zi, used=zi)

  def _report(self, st: LoopState, done: int, sec_per_iter: float, writer, log) -> None:
    """One progress line (the mean of each term at the last iteration) and, with a
    writer, the same as TensorBoard scalars."""
    cfg = self.cfg
    means = dict(zip(self.keys, st.last_terms.numpy().mean(axis=0)))
    line = (f'iter {done}/{cfg.iters} ' + ' '.join(f'{k}={v:.4g}' for k, v in means.items()) +
            f' total={sum(means.values()):.4g} sec_per_iter={sec_per_iter:.4f}'
            f' eta={sec_per_iter * (cfg.iters - done):.0f}s')
    if cfg.early_stop_patience > 0:
      line += f' active={int(np.sum(self._active(st).numpy()))}/{int(st.z.shape[0])}'
    log(line)
    if writer is not None:
      tb.scalars(writer, done, {**{f'inpaint/{k}': v for k, v in means.items()},
                                'inpaint/sec_per_iter': sec_per_iter})

  def _best(self, st: LoopState, y, m, z0, t0, done, quiet=False) -> dict:
    """Every restart's best G(z), the fill they make (cfg.fill) and the lowest-loss
    restart's details, as inpaint() returns them."""
    n, r = int(y.shape[0]), self.cfg.restarts
    loss_all = st.best_loss.numpy()
    nan = ~np.isfinite(loss_all)
    # A row whose loss was NaN from the start never improved: its result is G(z0).
    z_all = np.where(nan[:, None], z0, st.best_z.numpy())
    g_all = _f32(self.generator(z_all, training=False)).numpy().reshape((r, n) + tuple(y.shape[1:]))
    losses = loss_all.reshape(r, n)
    g, spread = starts.combine(g_all, losses, m.numpy(), self.cfg.fill, self.cfg.fill_k)
    pick = np.argmin(np.where(np.isfinite(losses), losses, np.inf), axis=0)
    rows = pick * n + np.arange(n)
    # Before the first step no loss was computed: that is no NaN.
    nan_img = nan.reshape(r, n).all(axis=0) & (done > 0)
    if nan_img.any() and not quiet:
      logging.warning('%d image(s) had a NaN loss from the start; their result is G(z0)',
                      int(nan_img.sum()))
    term_vals = st.best_terms.numpy()[rows]
    zb = z_all[rows]
    return {'z': zb, 'g': g, 'spread': spread, 'composite': (m * y + (1 - m) * g).numpy(),
            'g_restarts': g_all, 'loss_restarts': losses,
            'loss': loss_all[rows],
            'terms': {k: term_vals[:, i] for i, k in enumerate(self.keys)},
            'seconds': time.time() - t0, 'iters': done,
            'iters_used': st.used.numpy()[rows],
            'clip_frac': np.mean(np.abs(zb) >= 1.0 - 1e-6, axis=1), 'nan': nan_img}


def _first(result: dict, n: int) -> dict:
  """The first n images of an inpaint() result (drops padding rows)."""
  def cut(k, v):
    if isinstance(v, dict):
      return _first(v, n)
    if not (isinstance(v, np.ndarray) and v.ndim):
      return v
    return v[:, :n] if k in _RESTART_KEYS else v[:n]
  return {k: cut(k, v) for k, v in result.items()}
