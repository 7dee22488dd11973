"""The inpainting engine: the methods and their settings, the loss terms, and the latent
search that minimizes them in one compiled loop.

  methods      the registry of fill methods and presets, the loss terms as data
  config       Config: the settings, resolved against the method's defaults
  terms        the loss terms' formulas
  objective    the terms of a batch as one callable; networks in the compute dtype
  starts       random and learned initial codes, the one-pass fill, combining restarts
  loop         Inpainter: the compiled search
  reconstruct  the layer-reconstruction experiment

The names below are the engine's public interface.
"""

from inpaint.engine.config import COMPUTE_DTYPES, FILLS, OPTIMIZERS, RECONSTRUCT_LAYERS  # noqa: F401
from inpaint.engine.config import SEMANTIC_INPUTS, SOFTMAX, STARTS, TERM_NAMES, TERMS  # noqa: F401
from inpaint.engine.config import Z_INITS, Config, for_preset, original  # noqa: F401
from inpaint.engine.loop import Inpainter, LoopState  # noqa: F401
from inpaint.engine.methods import DEFAULT, ITER_BUDGET, METHODS, ORIGINAL, PRESETS  # noqa: F401
from inpaint.engine.objective import FeatureMatchLoss, InpaintingLoss  # noqa: F401
from inpaint.engine.objective import with_compute_dtype  # noqa: F401
from inpaint.engine.reconstruct import reconstruct  # noqa: F401
from inpaint.engine.starts import combine, learned_codes, one_pass, random_codes  # noqa: F401
from inpaint.engine.terms import context_loss, feature_loss, known_positions  # noqa: F401
from inpaint.engine.terms import real_loss, symmetric_kl, weighted_mask  # noqa: F401
