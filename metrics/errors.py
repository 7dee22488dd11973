"""PSNR, SSIM and L1 over the whole image and inside the hole (skimage.metrics)."""

from typing import Dict

import numpy as np
from skimage import metrics as skm

NAMES = ('psnr', 'psnr_hole', 'ssim', 'l1', 'l1_hole')


def _to01(img):
  img = np.asarray(img)
  if img.dtype == np.uint8:
    return img.astype(np.float64) / 255.0
  return (img.astype(np.float64) + 1.0) / 2.0  # [-1, 1] floats.


def image_errors(result, original, mask) -> Dict[str, float]:
  """Errors of one inpainted image.

  Args:
    result, original: [H, W, 3], uint8 or float in [-1, 1].
    mask: [H, W], 1 = known, 0 = hole.

  Returns:
    {'psnr', 'psnr_hole', 'ssim', 'l1', 'l1_hole'}; values in [0, 1] pixel units
    (L1 is the mean absolute error; PSNR with data range 1). Hole values are NaN
    when there is no hole; PSNR is inf for identical images.
  """
  a, b = _to01(result), _to01(original)
  hole = np.asarray(mask) < 0.5
  out = {
      'psnr': float(skm.peak_signal_noise_ratio(b, a, data_range=1.0)) if not np.array_equal(a, b)
              else float('inf'),
      'ssim': float(skm.structural_similarity(b, a, data_range=1.0, channel_axis=-1)),
      'l1': float(np.mean(np.abs(a - b))),
  }
  if hole.any():
    ah, bh = a[hole], b[hole]
    mse = float(np.mean((ah - bh) ** 2))
    out['psnr_hole'] = float(10 * np.log10(1.0 / mse)) if mse > 0 else float('inf')
    out['l1_hole'] = float(np.mean(np.abs(ah - bh)))
  else:
    out['psnr_hole'] = out['l1_hole'] = float('nan')
  return out
