"""Image-quality metrics (PSNR, SSIM, L1; whole image and hole) and the Frechet distance."""

import inpaint  # noqa: F401  (sets TF's log level before TensorFlow loads)
