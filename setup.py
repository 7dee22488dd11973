"""Semantic image inpainting for cars: a TensorFlow 2 / Keras 3 port."""

from setuptools import find_packages, setup

setup(
    name='semantic-inpainting-cars',
    version='0.1.0',
    description='Semantic image inpainting for cars (DCGAN + GoogLeNet losses), TF2 / Keras 3.',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(include=['inpaint', 'googlenet', 'metrics', 'masks']),
    package_data={'inpaint': ['original.flags', 'recipes/*', 'examples/*.png'],
                  'googlenet': ['original.flags']},
    install_requires=[
        'tensorflow>=2.16,<3',  # Keras 3.
        'numpy',
        'pillow',
        'scikit-image',
        'absl-py',
        'tensorflow-datasets',
        'scipy',
        # Photos at full resolution: PatchMatch's search and voting are loops over pixels,
        # which Numba compiles (inpaint/patchmatch.py); numpy would need a temporary array
        # per candidate patch.
        'numba',
    ],
    extras_require={
        # The inpainting page (python -m inpaint.app): Gradio gives the brush, layers,
        # progress and the job queue.
        'app': ['gradio>=5,<7'],
        # The tests include the page, driven in Debian's chromium by Playwright (its Python
        # package only; no browser download).
        # The full-resolution benchmark's Telea row (python -m metrics.hires): OpenCV's
        # cv2.inpaint, the fast classical fill many users reach for.
        'metrics': ['opencv-python-headless'],
        'test': ['pytest', 'gradio>=5,<7', 'playwright', 'opencv-python-headless'],
    },
)
