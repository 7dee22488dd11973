"""Inpainting masks: [H, W] float32 arrays, 1 = known pixel, 0 = to fill.

As PNG files the convention is the reverse, as users draw them: white (255) =
pixels to fill, black (0) = pixels to keep.
"""

from masks.generate import MASK_TYPES, HALF_SIDES, make_mask, make_masks, mask_to_png, mask_from_png  # noqa: F401
