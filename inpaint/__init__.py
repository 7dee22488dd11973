"""Semantic image inpainting for cars (DCGAN + GoogLeNet losses)."""

import os

# Set before TensorFlow is first imported: keeps its C++ start-up chatter
# (CUDA probing, oneDNN notices) out of every command's output.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
