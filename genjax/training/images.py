"""PNG grids of images (PIL only): reconstructions, samples, interpolations."""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

# One tiling for the trainer's PIL grids and the evaluation's matplotlib figures.
from genjax.evaluation.figures import is_image_shape, tile

__all__ = ["image_grid", "is_image_shape", "save_image_grid"]


def image_grid(images: np.ndarray, *, ncol: int, pad: int = 2) -> np.ndarray:
    """``images: [n, H, W, C]`` (values in [0, 1], clipped) tiled row-major on a white
    background, as ``uint8 [rows·(H+pad)+pad, ncol·(W+pad)+pad, C]`` with
    ``rows = ceil(n / ncol)``.

    >>> grid = image_grid(np.zeros((5, 4, 4, 1)), ncol=3)   # 2 rows of 3
    >>> grid.shape, grid.dtype, int(grid.max())               # white padding
    ((14, 20, 1), dtype('uint8'), 255)
    """
    return np.round(tile(images, ncol=ncol, pad=pad) * 255.0).astype(np.uint8)


def save_image_grid(path: str | os.PathLike, images: np.ndarray, *, ncol: int, scale: int = 2):
    """Write ``images: [n, H, W, C]`` as one PNG, each pixel ``scale``×``scale``
    (grayscale for C = 1, RGB for C = 3); creates the folder.

    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.png")
    >>> save_image_grid(path, np.ones((4, 4, 4, 3)), ncol=2)
    >>> Image.open(path).size, Image.open(path).mode         # (2·6+2)·2 pixels
    ((28, 28), 'RGB')
    """
    grid = image_grid(images, ncol=ncol)
    # A 2-D uint8 array becomes mode "L", [H, W, 3] becomes "RGB".
    img = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    img.save(path)
