"""Frechet distance on GoogLeNet pooled features (an FID-style score for the DCGAN).

Measured on a FROZEN reference network (checkpoints/fd_reference, the GoogLeNet
shipped when FD was first reported), so that FD values stay comparable while the
shipped classifier improves. `python -m metrics.fd_main` prints them.
"""


import time
from typing import Optional

import numpy as np
import scipy.linalg
import scipy.ndimage
import tensorflow as tf

from googlenet import model as gmodel
from inpaint import ckpt
from inpaint import data
from inpaint import dcgan
from inpaint import networks

REFERENCE = ckpt.shipped('fd_reference')


def pooled_features(net, images: np.ndarray, batch_size: int = 250) -> np.ndarray:
  """GoogLeNet's global average pool before the classifier.

  Args:
    net: inference GoogLeNet.
    images: uint8 [N, S, S, 3] or float [N, S, S, 3] in [-1, 1].

  Returns:
    float64 [N, 1024 * width].
  """
  feat = gmodel.feature_model(net, ['global_pool'])
  fn = tf.function(lambda x: feat(x, training=False)['global_pool'])
  out = []
  for i in range(0, len(images), batch_size):
    x = images[i:i + batch_size]
    x = data.to_float(x) if x.dtype == np.uint8 else tf.constant(x, tf.float32)
    out.append(fn(x).numpy())
  return np.concatenate(out).astype(np.float64)


def frechet_terms(a: np.ndarray, b: np.ndarray) -> dict:
  """The two parts of FD for features a [N, D], b [M, D].

  FD = mean + cov: 'mean' = ||mu_a - mu_b||^2 (where the two sets sit), 'cov' =
  Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) (their spread and shape). 'var_a' / 'var_b' =
  Tr(S_a) / Tr(S_b): a generator whose var_a is well below the real var_b covers
  less of the real variety (a diversity gap), whatever its mean.
  """
  mu_a, mu_b = a.mean(0), b.mean(0)
  s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
  covmean = scipy.linalg.sqrtm(s_a @ s_b)
  if not np.isfinite(covmean).all():  # Near-singular product: nudge the diagonals.
    eps = np.eye(len(s_a)) * 1e-6
    covmean = scipy.linalg.sqrtm((s_a + eps) @ (s_b + eps))
  var_a, var_b = float(np.trace(s_a)), float(np.trace(s_b))
  cov = var_a + var_b - 2 * float(np.trace(np.real(covmean)))
  mean = float(np.sum((mu_a - mu_b) ** 2))
  return {'fd': mean + cov, 'mean': mean, 'cov': cov, 'var_a': var_a, 'var_b': var_b}


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
  """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) for features [N, D], [M, D]."""
  return frechet_terms(a, b)['fd']


def generate(generator, n: int, seed: int = 0, batch_size: int = 250) -> np.ndarray:
  """n images from G in inference mode, float32 [n, S, S, 3] in [-1, 1]."""
  rng = np.random.default_rng(seed)
  z_dim = generator.input_shape[-1]
  fn = tf.function(lambda z: generator(z, training=False))
  return np.concatenate([
      fn(dcgan.sample_z(rng, min(batch_size, n - i), z_dim)).numpy()
      for i in range(0, n, batch_size)])


def real_accepted(discriminator, images: np.ndarray, batch_size: int = 500) -> float:
  """Fraction of `images` (uint8 [N, S, S, 3]) that D scores as real (logit > 0).

  On real train vs real val images: D's overfitting signal (metrics.fd_curve).
  """
  # Eager: one forward pass per batch, each a new snapshot's D (a tf.function would retrace).
  logits = [tf.cast(discriminator(data.to_float(images[i:i + batch_size]), training=False),
                    tf.float32).numpy()
            for i in range(0, len(images), batch_size)]
  return float(np.mean(np.concatenate(logits) > 0))


class RealFeatures:
  """Pooled features of the real images of a split and of the floor pair, computed once.

  Args:
    classifier: the reference GoogLeNet.
    split: the real side: 'val' (default), 'train' or 'all'.
  """

  def __init__(self, classifier, data_dir: Optional[str] = None, split: str = 'val',
               seed: int = 0):
    size = classifier.input_shape[1]
    self.classifier, self.split = classifier, split
    real, _ = data.load_arrays(data_dir, split, size, seed)
    self.features = pooled_features(classifier, real)
    self.num = len(real)
    self.images = real  # uint8 [N, S, S, 3], for other measures on the same images.
    self._data = (data_dir, seed, size)

  def floor(self, log=lambda line: None, sec_per_image: float = 0.0) -> dict:
    """FD(train, val): two disjoint real sets, the best a generator can hope for."""
    data_dir, seed, size = self._data
    train, _ = data.load_arrays(data_dir, 'train', size, seed)
    val, _ = data.load_arrays(data_dir, 'val', size, seed)
    log(f'floor: features of {len(train)} train + {len(val)} val images, eta '
        f'{sec_per_image * (len(train) + len(val)):.0f}s')
    return {'fd_train_val': frechet_distance(pooled_features(self.classifier, train),
                                             pooled_features(self.classifier, val)),
            'num_train': len(train), 'num_val': len(val)}

  def distance(self, images: np.ndarray) -> float:
    return self.terms(images)['fd']

  def terms(self, images: np.ndarray) -> dict:
    """frechet_terms(images' features, this split's): fd, mean, cov, var_a (images), var_b."""
    return frechet_terms(pooled_features(self.classifier, images), self.features)


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
  """Gaussian blur of `sigma` pixels over height and width (not across images or channels).

  Args:
    images: uint8 [N, S, S, 3].

  Returns:
    float32 [N, S, S, 3] in [-1, 1] (sigma 0: the images unchanged).
  """
  x = images.astype(np.float32)
  if sigma > 0:
    x = scipy.ndimage.gaussian_filter(x, sigma=(0, sigma, sigma, 0), mode='nearest')
  return np.clip(x / 127.5 - 1, -1, 1)


def blur_distances(classifier, sigmas, data_dir: Optional[str] = None, num: int = 2000,
                   seed: int = 0) -> dict:
  """What blur alone costs in FD: `num` train images, blurred by each sigma, against val.

  A yardstick for a generator's FD: if its mean term and feature variance look like
  those of blurred real images, its gap is sharpness; if its variance is far lower at
  a like mean term, its gap is variety.

  Args:
    classifier: the reference GoogLeNet.
    sigmas: blur widths in pixels (0 = the images as they are).
    num: train images drawn (seeded), at most the split's size.

  Returns:
    {'rows': [{'sigma', 'fd', 'mean', 'cov', 'var_a', 'var_b'}] in the order of
    `sigmas`, 'num_train': images drawn, 'num_val'}.
  """
  val = RealFeatures(classifier, data_dir, 'val', seed)
  train, _ = data.load_arrays(data_dir, 'train', classifier.input_shape[1], seed)
  pick = np.random.default_rng(seed).choice(len(train), min(num, len(train)), replace=False)
  rows = [{'sigma': float(s), **val.terms(blurred(train[np.sort(pick)], s))} for s in sigmas]
  return {'rows': rows, 'num_train': len(pick), 'num_val': val.num}


def gan_distances(generator, classifier, data_dir: Optional[str] = None, num: int = 2000,
                  seed: int = 0, training_mode: bool = False, split: str = 'val',
                  log=lambda line: None) -> dict:
  """FD(generated, real split) and the floor FD(train, val) on pooled features; `log`
  gets one progress line per stage, with an ETA for what is left.

  Returns:
    {'fd_generated_<split>', 'fd_train_val', 'num_generated', 'num_<split>',
    'num_train', 'num_val', and FD's two parts (frechet_terms): 'fd_mean_term',
    'fd_cov_term', 'feature_var_generated', 'feature_var_<split>'}.
  """
  t0 = time.time()
  real = RealFeatures(classifier, data_dir, split, seed)
  per_image = (time.time() - t0) / max(1, real.num)  # Reading + features, seconds per image.
  log(f'features of {real.num} {split} images: {time.time() - t0:.0f}s; {num} generated '
      f'next, eta {per_image * num:.0f}s')
  if training_mode:  # Batch statistics, for comparing with inference mode.
    rng = np.random.default_rng(seed)
    z = dcgan.sample_z(rng, num, generator.input_shape[-1])
    fake = np.concatenate([generator(z[i:i + 64], training=True).numpy()
                           for i in range(0, num, 64)])
  else:
    fake = generate(generator, num, seed)
  terms = real.terms(fake)
  fd = terms['fd']
  log(f'{num} generated images: FD {fd:.2f} ({time.time() - t0:.0f}s)')
  return {f'fd_generated_{split}': fd, f'num_{split}': real.num, 'num_generated': num,
          'fd_mean_term': terms['mean'], 'fd_cov_term': terms['cov'],
          'feature_var_generated': terms['var_a'], f'feature_var_{split}': terms['var_b'],
          **real.floor(log, per_image)}


# The reference GoogLeNet's layers a perceptual distance compares (fine to coarse).
PERCEPTUAL_LAYERS = ('conv2_3x3', 'inception_3b', 'inception_4e')
# Bootstrap draws for the standard error of a completed set's FD.
FD_BOOTSTRAP = 10


class Realism:
  """Realism of completed images, on the frozen reference GoogLeNet (never the network
  inside the inpainting loss):

  * perceptual(): per image, a feature distance to the ground truth in the spirit of LPIPS
    (Zhang et al., arXiv 1801.03924, without its learned weights): at each layer of
    PERCEPTUAL_LAYERS the feature vector of every position is scaled to unit length, the
    squared difference is summed over channels and averaged over positions; the mean over
    layers. 0 = the same features; blur and wrong parts both raise it.
  * fd(): FD of a set of completed images against the real images of a split (pooled
    features; a split other than the completed images', so that they are not compared
    with themselves), with a bootstrap standard error; FD of few images is biased upwards, so
    only sets of the same size compare (fd() of the originals gives that size's floor).

  Args:
    classifier: the reference GoogLeNet (default: checkpoints/fd_reference).
    data_dir, split, seed: the real images of fd() (read on first use).
  """

  def __init__(self, classifier=None, data_dir: Optional[str] = None, split: str = 'val',
               seed: int = 0):
    if classifier is None:
      classifier = networks.load(REFERENCE, 'googlenet').models['googlenet']
    self.classifier = classifier
    feat = gmodel.feature_model(classifier, list(PERCEPTUAL_LAYERS))
    self._layers = tf.function(lambda x: [feat(x, training=False)[l] for l in PERCEPTUAL_LAYERS])
    self._real = None
    self._data = (data_dir, split, seed)

  def perceptual(self, a: np.ndarray, b: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Per-image distance between a and b, each [N, S, S, 3] in [-1, 1]. Returns [N]."""
    out = []
    for i in range(0, len(a), batch_size):
      x = tf.constant(np.concatenate([a[i:i + batch_size], b[i:i + batch_size]]), tf.float32)
      n = min(batch_size, len(a) - i)
      d = 0.0
      for f in self._layers(x):
        f = f / (tf.norm(f, axis=-1, keepdims=True) + 1e-10)
        d += tf.reduce_mean(tf.reduce_sum(tf.square(f[:n] - f[n:]), axis=-1), axis=[1, 2])
      out.append((d / len(PERCEPTUAL_LAYERS)).numpy())
    return np.concatenate(out).astype(np.float64)

  def fd(self, images: np.ndarray, seed: int = 0, bootstrap: int = FD_BOOTSTRAP) -> dict:
    """{'fd', 'fd_se' (over `bootstrap` resamples of the images; nan for 0), 'n',
    'num_real'} of images [N, S, S, 3] in [-1, 1] (or uint8) against the real split."""
    if self._real is None:
      data_dir, split, data_seed = self._data
      self._real = RealFeatures(self.classifier, data_dir, split, data_seed)
    feats = pooled_features(self.classifier, images)
    rng = np.random.default_rng(seed)
    boot = [frechet_distance(feats[rng.integers(0, len(feats), len(feats))], self._real.features)
            for _ in range(bootstrap)]
    return {'fd': frechet_distance(feats, self._real.features),
            'fd_se': float(np.std(boot)) if boot else float('nan'),
            'n': len(feats), 'num_real': self._real.num}
