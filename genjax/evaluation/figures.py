"""Figures and tables of evaluated models: PNG image grids, the latent cloud, code norms
and learning curves, and Markdown tables of their numbers.

Matplotlib is used through `matplotlib.figure.Figure` alone (the Agg canvas, never
pyplot), so nothing here touches global state, a display, or the caller's backend.
Every function writes one file and returns its path.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.stats
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

MAX_POINTS = 2000  # per cloud in the scatter: more only hides the density


def is_image_shape(shape: Sequence[int]) -> bool:
    """Whether one example of ``shape`` is an image ``(H, W, C)`` with C in {1, 3}."""
    return len(shape) == 3 and shape[-1] in (1, 3) and shape[0] > 1 and shape[1] > 1


def tile(images: np.ndarray, *, ncol: int, pad: int = 2) -> np.ndarray:
    """``images [n, H, W, C]`` (clipped to [0, 1]) tiled row-major into one
    ``[rows·(H+pad)+pad, ncol·(W+pad)+pad, C]`` float array on a white background."""
    images = np.clip(np.asarray(images, np.float32), 0.0, 1.0)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must be [n, H, W, C] with C in (1, 3), got {images.shape}")
    n, h, w, c = images.shape
    ncol = max(1, min(ncol, n))
    rows = -(-n // ncol)
    grid = np.ones((rows * (h + pad) + pad, ncol * (w + pad) + pad, c), np.float32)
    for i in range(n):
        r, q = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + q * (w + pad)
        grid[top : top + h, left : left + w] = images[i]
    return grid


def _save(fig: Figure, path) -> str:
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=fig.dpi)
    return path


def save_image_grid(path, images: np.ndarray, *, ncol: int = 8, title: str = "") -> str:
    """``images [n, H, W, C]`` in [0, 1] as one titled PNG grid (grey for C = 1)."""
    grid = tile(images, ncol=ncol)
    height, width = grid.shape[:2]
    scale = 3.0 / 100  # inches per pixel at dpi 100: 3 screen pixels per image pixel
    fig = Figure(figsize=(width * scale, height * scale + (0.4 if title else 0)), dpi=100)
    ax = fig.add_axes((0, 0, 1, height * scale / fig.get_figheight()))
    if grid.shape[-1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(grid, interpolation="nearest")
    ax.set_axis_off()
    if title:
        fig.suptitle(title, y=1 - 0.05 / fig.get_figheight(), va="top", fontsize=10)
    return _save(fig, path)


def save_reconstructions(
    path, originals: np.ndarray, reconstructions: np.ndarray, *, ncol: int = 8
) -> str:
    """Rows of ``originals [n, H, W, C]`` alternating with rows of their reconstructions."""
    originals, reconstructions = np.asarray(originals), np.asarray(reconstructions)
    rows = [
        part
        for r in range(0, len(originals), ncol)
        for part in (originals[r : r + ncol], reconstructions[r : r + ncol])
    ]
    title = "test images (odd rows) and their reconstructions (even rows)"
    return save_image_grid(path, np.concatenate(rows), ncol=ncol, title=title)


def pca_projection(z: np.ndarray, *, num_components: int = 2):
    """``(mean [d], components [d, c])`` of the principal axes of ``z [n, d]`` (SVD of the
    centred codes); dimensions beyond ``d`` are zero columns, so ``d = 1`` plots too."""
    z = np.asarray(z, np.float64)
    mean = z.mean(axis=0)
    _, _, vt = np.linalg.svd(z - mean, full_matrices=False)  # vt: [min(n, d), d]
    components = np.zeros((z.shape[1], num_components))
    k = min(num_components, vt.shape[0])
    components[:, :k] = vt[:k].T
    return mean, components


def save_latent_scatter(path, z: np.ndarray, z_prior: np.ndarray, *, title: str = "") -> str:
    """Test codes ``z [n, d]`` and prior draws ``z_prior [m, d]`` in the plane of the
    first two principal axes of ``z`` (both projected with the same axes and centre), so a
    hole, a shift or a squashed axis of the aggregate posterior shows against the prior."""
    z, z_prior = np.asarray(z)[:MAX_POINTS], np.asarray(z_prior)[:MAX_POINTS]
    mean, components = pca_projection(z)
    p, q = (z - mean) @ components, (z_prior - mean) @ components  # [n, 2], [m, 2]
    fig = Figure(figsize=(5, 5), dpi=100)
    ax = fig.subplots()
    ax.scatter(q[:, 0], q[:, 1], s=3, alpha=0.35, color="tab:orange", label="prior N(0, I)")
    ax.scatter(p[:, 0], p[:, 1], s=3, alpha=0.35, color="tab:blue", label="test codes")
    ax.set_xlabel("principal axis 1 of the test codes")
    ax.set_ylabel("principal axis 2")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(markerscale=4, loc="upper right")
    ax.set_title(title or f"latent codes (d = {z.shape[1]}), PCA projection")
    fig.tight_layout()
    return _save(fig, path)


def save_norm_histogram(path, z: np.ndarray, *, bins: int = 50, title: str = "") -> str:
    """Histogram (density) of the code norms ``‖z_i‖`` of ``z [n, d]`` against the chi
    distribution with ``d`` degrees of freedom, the law of ``‖z‖`` for z ~ N(0, I_d)
    (mode sqrt(d − 1)): codes on a thin shell or near the origin show at a glance."""
    z = np.asarray(z, np.float64)
    if z.ndim != 2:
        raise ValueError(f"z must be [n, d], got shape {z.shape}")
    d = z.shape[1]
    norms = np.linalg.norm(z, axis=1)  # [n]
    chi = scipy.stats.chi(df=d)
    top = max(float(norms.max()), float(chi.ppf(0.999)))
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.subplots()
    ax.hist(norms, bins=bins, range=(0, top), density=True, alpha=0.6, label="‖z‖ of test codes")
    r = np.linspace(0, top, 400)
    ax.plot(r, chi.pdf(r), color="black", label=f"chi, {d} degrees of freedom (prior)")
    ax.set_xlabel("‖z‖")
    ax.set_ylabel("density")
    ax.legend()
    ax.set_title(title or "norms of latent codes")
    fig.tight_layout()
    return _save(fig, path)


def save_learning_curves(
    path, curves: Mapping[str, Mapping[str, tuple]], *, title: str = ""
) -> str:
    """One panel per metric, one line per run.

    Args:
      curves: ``{metric: {run: (steps [t], values [t])}}``, e.g.
        ``{"train loss": {"vae": (steps, loss)}, "held-out rec_error": {...}}``.
        A panel of positive values spanning a decade or more gets a log y axis.
    """
    panels = [(name, runs) for name, runs in curves.items() if runs]
    fig = Figure(figsize=(5.5 * max(1, len(panels)), 4), dpi=100)
    axes = np.atleast_1d(fig.subplots(1, max(1, len(panels)), squeeze=False)[0])
    for ax, (name, runs) in zip(axes, panels, strict=False):
        finite = []
        for run, (steps, values) in runs.items():
            values = np.asarray(values, np.float64)
            finite.append(values[np.isfinite(values)])
            ax.plot(steps, values, label=run, marker="." if len(values) < 20 else None)
        finite = np.concatenate(finite)
        # Log axis only for positive values spanning a decade or more: losses falling
        # from hundreds to tens read better, a flat curve would only get odd tick labels.
        if finite.size and finite.min() > 0 and finite.max() >= 10 * finite.min():
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def write_figures(directory, outputs) -> list[str]:
    """The PNGs of a `genjax.evaluation.outputs.ModelOutputs` in ``directory``:
    ``reconstructions``, ``samples_prior``, ``samples_gmm`` (image data only),
    ``latent_scatter`` and ``latent_norms``. Returns the paths written."""
    join = functools.partial(os.path.join, os.fspath(directory))
    paths = []
    if is_image_shape(outputs.x_shown.shape[1:]):
        n = min(64, len(outputs.x_prior))
        gmm_title = "decoded draws of the GMM fitted to training codes"
        paths += [
            save_reconstructions(join("reconstructions.png"), outputs.x_shown, outputs.x_shown_rec),
            save_image_grid(
                join("samples_prior.png"),
                outputs.x_prior[:n],
                title="decoded draws of the model's prior",
            ),
            save_image_grid(join("samples_gmm.png"), outputs.x_gmm[:n], title=gmm_title),
        ]
    paths.append(save_latent_scatter(join("latent_scatter.png"), outputs.z_test, outputs.z_prior))
    paths.append(save_norm_histogram(join("latent_norms.png"), outputs.z_test))
    return paths


# --- a table for a paper draft ----------------------------------------------------------

HEADERS = {
    "model": "Model",
    "step": "Steps",
    "rec_error": "Rec. error",
    "fid_prior": "FID prior",
    "fid_gmm": "FID GMM",
    "kid_prior": "KID prior",
    "kid_gmm": "KID GMM",
    "fd_classifier_prior": "FD prior",
    "fd_classifier_gmm": "FD GMM",
    "kid_classifier_prior": "KID prior",
    "kid_classifier_gmm": "KID GMM",
    "precision_prior": "Precision",
    "recall_prior": "Recall",
    "precision_gmm": "Precision GMM",
    "recall_gmm": "Recall GMM",
    "mardia_skewness": "Skewness",
    "mardia_kurtosis": "Kurtosis",
    "cw_normality": "CW normality",
    "normalized_absolute_correlation": "Abs. corr.",
    "num_active": "Active dims",
}


def _decimals(value: float, digits: int) -> int | None:
    """Decimals showing ``digits`` significant digits in fixed point; None: use exponent."""
    a = abs(value)
    if a == 0:
        return 0
    if a < 1e-3 or a >= 1e6:
        return None
    return max(0, digits - 1 - math.floor(math.log10(a)))


def format_number(value, std=None, *, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits (fixed point from 1e-3 to 1e6, whole
    numbers kept whole), and ``± std`` at the same number of decimals. Missing or
    non-finite values read ``–``, ``nan`` or ``inf``."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if not isinstance(value, numbers.Real):
        return str(value).replace("|", "\\|")
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    dec = _decimals(value, digits)
    text = f"{value:.{digits - 1}e}" if dec is None else f"{value:.{dec}f}"
    if std is not None and math.isfinite(float(std)):
        text += " ± " + (f"{float(std):.1e}" if dec is None else f"{float(std):.{dec}f}")
    return text


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str | tuple[str, str]]):
    """A GitHub/pandoc Markdown table of ``rows``, one line per row, pasteable in a draft.

    Args:
      rows: dicts of values (e.g. ``{"model": "wae_mmd", **evaluate_model(...)}``).
      columns: keys to show, in order; each a key (header from `HEADERS`, else the key)
        or a ``(key, header)`` pair. A row's ``<key>_std``, when present, is shown as
        ``value ± std``. Missing entries read ``–``.

    Returns:
      The table as a string (header, alignment line, rows; numbers right-aligned, text
      left-aligned, cells padded so the plain text lines up), ending in a newline.

    Example:
      >>> print(markdown_table([{"model": "ae", "rec_error": 12.345, "kid_classifier_prior": 0.0123,
      ...                        "kid_classifier_prior_std": 0.0004}],
      ...                      ["model", "rec_error", "kid_classifier_prior"]), end="")
      | Model | Rec. error |       KID prior |
      | :---- | ---------: | --------------: |
      | ae    |       12.3 | 0.0123 ± 0.0004 |
    """
    keys = [c if isinstance(c, str) else c[0] for c in columns]
    headers = [HEADERS.get(c, c) if isinstance(c, str) else c[1] for c in columns]
    cells = [[format_number(row.get(k), row.get(f"{k}_std")) for k in keys] for row in rows]
    numeric = [
        any(
            isinstance(row.get(k), numbers.Number) and not isinstance(row.get(k), bool)
            for row in rows
        )
        for k in keys
    ]
    widths = [max([len(h), 4, *(len(r[j]) for r in cells)]) for j, h in enumerate(headers)]

    def line(values):
        padded = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        ("-" * (w - 1) + ":") if num else (":" + "-" * (w - 1))
        for w, num in zip(widths, numeric, strict=True)
    ]
    return "\n".join([line(headers), line(rule), *(line(r) for r in cells)]) + "\n"
