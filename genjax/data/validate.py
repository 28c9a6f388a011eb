"""Checks and rescalings of user data, applied where arrays are loaded.

A model can only fit data it can produce: a decoder with a sigmoid output makes
values in [0, 1], one with an identity output any real value. Data that break
this (float images stored as 0..255, NaNs in a table) otherwise fail much later
and far from the cause: a "non-finite loss at step 0", or a run that trains
silently to a reconstruction error of 8e5. So `genjax.data.load` and
`from_arrays` reject non-finite values and images outside [0, 1] when the data
are read, naming the array and what was found, and offer explicit fixes:

- ``rescale="255"``: divide by 255 (float images stored as 0..255);
- ``rescale="minmax"``: ``(x - min) / (max - min)`` with the train split's
  minimum and maximum (one pair for images, one per column for tabular data);
  test values outside the train range are clipped to [0, 1];
- ``standardize=True`` (tabular data): ``(x - mean) / std`` per column, train
  statistics.

`check_range` is the check against a model's output activation, for the
trainer to call once it knows the model:

>>> x = np.array([[0.0, 0.5], [1.0, 0.25]], np.float32)
>>> check_range(x, output_activation="sigmoid")  # in [0, 1]: passes
>>> check_range(2 * x, output_activation="identity")  # any finite range
>>> check_range(2 * x, output_activation="sigmoid")  # doctest: +ELLIPSIS
Traceback (most recent call last):
ValueError: data values span [0, 2] but output_activation='sigmoid' produces only [0, 1]; ...
"""

from __future__ import annotations

import numpy as np

RESCALE_OPTIONS = ("none", "255", "minmax")
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "identity": (-np.inf, np.inf)}


def check_finite(x: np.ndarray, what: str) -> None:
    """Raise ``ValueError`` naming ``what`` and the count when ``x`` has NaN or ±Inf.

    ``x`` is any numeric array; integer arrays are always finite.

    >>> check_finite(np.array([1.0, np.nan, np.inf]), "train")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: train: 2 non-finite values (NaN or Inf) among 3 (first at index (1,)); ...
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.inexact):
        return
    bad = ~np.isfinite(x)
    count = int(bad.sum())
    if count:
        first = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), x.shape))
        raise ValueError(
            f"{what}: {count} non-finite values (NaN or Inf) among {x.size} (first at index "
            f"{first}); remove or impute them before training"
        )


def is_image(x: np.ndarray) -> bool:
    """Whether ``x`` is a stack of images ``[N, H, W, C]`` (as `to_float` leaves them)."""
    return np.ndim(x) == 4


def check_image_range(x: np.ndarray, what: str) -> None:
    """Raise ``ValueError`` when images ``x: [N, H, W, C]`` leave [0, 1]; no-op for tabular data.

    The message names the range found and the ``rescale`` option that fixes it.

    >>> check_image_range(np.full((2, 4, 4, 1), 255.0), "train")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: train: image values span [255, 255], expected [0, 1]; ...
    """
    if not is_image(x) or x.size == 0:
        return
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"{what}: image values span [{lo:.4g}, {hi:.4g}], expected [0, 1]; "
            f"{_rescale_hint(lo, hi)}"
        )


def _rescale_hint(lo: float, hi: float) -> str:
    if lo >= 0.0 and hi <= 255.0:
        return (
            "for images stored as 0..255 pass rescale='255' (--config.data.rescale=255), "
            "else rescale='minmax'"
        )
    return "pass rescale='minmax' (--config.data.rescale=minmax) to map the train range to [0, 1]"


def check_range(x, *, output_activation: str, what: str = "data") -> None:
    """Raise ``ValueError`` when ``x`` holds values the model's output cannot produce.

    Args:
      x: an array ``[N, *shape]``, or a `Dataset` (both splits are checked).
      output_activation: the decoder's output, ``"sigmoid"`` (values in [0, 1])
        or ``"identity"`` (any finite value).
      what: names the data in the message.

    Cost: one pass over ``x`` (min, max, isfinite).

    >>> check_range(np.zeros((3, 2)), output_activation="sigmoid")
    """
    if output_activation not in OUTPUT_RANGES:
        raise ValueError(
            f"output_activation={output_activation!r}; expected one of {tuple(OUTPUT_RANGES)}"
        )
    if hasattr(x, "train") and hasattr(x, "test"):
        name = getattr(x, "name", what)
        check_range(x.train, output_activation=output_activation, what=f"{name} train")
        check_range(x.test, output_activation=output_activation, what=f"{name} test")
        return
    x = np.asarray(x)
    check_finite(x, what)
    if x.size == 0:
        return
    lo, hi = float(np.min(x)), float(np.max(x))
    out_lo, out_hi = OUTPUT_RANGES[output_activation]
    if lo < out_lo or hi > out_hi:
        raise ValueError(
            f"{what} values span [{lo:.4g}, {hi:.4g}] but "
            f"output_activation={output_activation!r} produces only [{out_lo:g}, {out_hi:g}]; "
            f"{_rescale_hint(lo, hi)}, or use output_activation='identity' "
            "(--config.model.output_activation=identity)"
        )


def rescale(train: np.ndarray, test: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """``(train, test)`` rescaled by ``how`` in `RESCALE_OPTIONS` (see the module docstring).

    Both are float32 ``[N, *shape]`` / ``[M, *shape]``; ``"minmax"`` takes its
    statistics from ``train`` only (per column for tabular ``[N, D]``, one pair
    for images), maps constant columns to 0 and clips ``test`` to [0, 1].

    >>> tr, te = rescale(np.array([[0.0], [4.0]]), np.array([[2.0], [8.0]]), "minmax")
    >>> tr.ravel().tolist(), te.ravel().tolist()
    ([0.0, 1.0], [0.5, 1.0])
    """
    how = str(how)
    if how not in RESCALE_OPTIONS:
        raise ValueError(f"rescale={how!r}; expected one of {RESCALE_OPTIONS}")
    if how == "none":
        return train, test
    if how == "255":
        return (
            np.divide(train, 255, dtype=np.float32),
            np.divide(test, 255, dtype=np.float32),
        )
    axis = tuple(range(train.ndim)) if is_image(train) else 0
    lo, hi = np.min(train, axis=axis), np.max(train, axis=axis)
    span = np.where(hi > lo, hi - lo, 1).astype(np.float32)
    train = ((train - lo) / span).astype(np.float32)
    test = np.clip((test - lo) / span, 0.0, 1.0).astype(np.float32)
    # Rounding can leave train a hair outside [0, 1]; the range is the contract.
    return np.clip(train, 0.0, 1.0), test


def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column ``(x - mean) / std`` of tabular ``[N, D]`` data, with train statistics.

    Constant columns are only centred (std 1 in place of 0).

    >>> tr, te = standardize(np.array([[1.0], [3.0]]), np.array([[5.0]]))
    >>> tr.ravel().tolist(), te.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    if train.ndim != 2:
        raise ValueError(f"standardize is for tabular [N, D] data, got shape {train.shape}")
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1)
    return (
        ((train - mean) / std).astype(np.float32),
        ((test - mean) / std).astype(np.float32),
    )
