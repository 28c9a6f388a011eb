"""The `Dataset` record every source returns, and `from_arrays` for user arrays.

A dataset is held in memory as float32 numpy arrays: images ``[N, H, W, C]``
in [0, 1] (C = 1 for grayscale), tabular data ``[N, D]``. Train and test are
kept apart; nothing here ever mixes them.

>>> x = np.random.default_rng(0).normal(size=(100, 5))
>>> ds = from_arrays(x, test_fraction=0.2, seed=0)
>>> ds.train.shape, ds.test.shape, ds.shape
((80, 5), (20, 5), (5,))
"""

from __future__ import annotations

import dataclasses
import os
import zipfile

import numpy as np

from genjax.data import validate
from genjax.data.validate import check_finite, check_image_range


@dataclasses.dataclass(frozen=True)
class Dataset:
    """An in-memory dataset with a fixed train/test split.

    Attributes:
      name: the source it came from, e.g. ``"fashion_mnist"``, ``"synthetic:manifold8"``.
      train: float32 ``[N, *shape]``; images ``(H, W, C)`` in [0, 1], tabular ``(D,)``.
      test: float32 ``[M, *shape]``, disjoint from ``train``.
      train_labels, test_labels: int32 ``[N]`` / ``[M]`` when the source has labels.
      true_latent_dim: the intrinsic dimension, when known (synthetic sets).

    Checked on construction: float32 arrays of equal example shape, labels of
    matching length (``ValueError`` otherwise). Sources build it; `from_arrays`
    builds it from arrays of any numeric type.

    >>> ds = Dataset("mine", np.zeros((6, 3), np.float32), np.ones((2, 3), np.float32))
    >>> ds.shape, len(ds.train), len(ds.test)
    ((3,), 6, 2)
    """

    name: str
    train: np.ndarray
    test: np.ndarray
    train_labels: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    true_latent_dim: int | None = None

    def __post_init__(self):
        for split in ("train", "test"):
            x = getattr(self, split)
            if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim < 2:
                raise ValueError(
                    f"Dataset {self.name!r}: {split} must be a float32 numpy array "
                    f"[N, *shape], got {type(x).__name__} "
                    f"{getattr(x, 'dtype', '')} {getattr(x, 'shape', '')}"
                )
            labels = getattr(self, f"{split}_labels")
            if labels is not None and labels.shape != (x.shape[0],):
                raise ValueError(
                    f"Dataset {self.name!r}: {split}_labels has shape {labels.shape}, "
                    f"expected ({x.shape[0]},)"
                )
        if self.train.shape[1:] != self.test.shape[1:]:
            raise ValueError(
                f"Dataset {self.name!r}: train examples have shape {self.train.shape[1:]} "
                f"but test examples {self.test.shape[1:]}"
            )

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one example, e.g. ``(28, 28, 1)`` or ``(64,)``."""
        return tuple(self.train.shape[1:])


def subset(
    x: np.ndarray, labels: np.ndarray | None, n: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """A deterministic random subset of ``n`` examples (all when ``n`` is None or >= N).

    The kept examples stay in their original order; which ones are kept depends
    only on ``(seed, N, n)``.

    >>> x, y = subset(np.arange(10.0)[:, None], np.arange(10), 3, seed=0)
    >>> x.shape, bool(np.all(np.diff(y) > 0))
    ((3, 1), True)
    """
    keep = subset_indices(x.shape[0], n, seed)
    if keep is None:
        return x, labels
    return x[keep], None if labels is None else labels[keep]


def subset_indices(size: int, n: int | None, seed: int) -> np.ndarray | None:
    """Sorted indices ``[n]`` of the subset `subset` keeps, or None to keep all ``size``.

    >>> subset_indices(5, None, seed=0) is None, len(subset_indices(5, 2, seed=0))
    (True, 2)
    """
    if n is None or n >= size:
        return None
    if n < 1:
        raise ValueError(f"max_train / max_test must be >= 1 or None, got {n}")
    return np.sort(np.random.default_rng(seed).permutation(size)[:n])


def to_float(x: np.ndarray) -> np.ndarray:
    """float32 data: integer arrays (uint8 images) are divided by 255, others cast.

    Grayscale image stacks ``[N, H, W]`` get a channel axis ``[N, H, W, 1]``;
    ``[N, D]`` (tabular) and ``[N, H, W, C]`` keep their shape.

    >>> x = to_float(np.array([[[0, 255]]], np.uint8))
    >>> x.shape, x.dtype, x.ravel().tolist()
    ((1, 1, 2, 1), dtype('float32'), [0.0, 1.0])
    """
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim < 2:
        raise ValueError(f"data must be [N, D] or [N, H, W(, C)], got shape {x.shape}")
    if np.issubdtype(x.dtype, np.integer):
        # Exact division keeps 255 -> 1.0 exactly, so images stay in [0, 1].
        return np.divide(x, 255, dtype=np.float32)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"data must be numeric, got dtype {x.dtype}")
    return np.asarray(x, dtype=np.float32)


def split_train_test(
    x: np.ndarray, labels: np.ndarray | None, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Random split: ``round(test_fraction * N)`` examples (at least 1) go to test.

    Returns ``(train [N - n_test, ...], test [n_test, ...], train_labels,
    test_labels)``; the labels are None when ``labels`` is.

    >>> tr, te, _, _ = split_train_test(np.zeros((10, 2)), None, 0.3, seed=0)
    >>> tr.shape, te.shape
    ((7, 2), (3, 2))
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = x.shape[0]
    n_test = max(1, round(test_fraction * n))
    if n - n_test < 1:
        raise ValueError(f"{n} examples are too few to split with test_fraction={test_fraction}")
    order = np.random.default_rng(seed).permutation(n)
    test_idx, train_idx = np.sort(order[:n_test]), np.sort(order[n_test:])
    if labels is None:
        return x[train_idx], x[test_idx], None, None
    return x[train_idx], x[test_idx], labels[train_idx], labels[test_idx]


def from_arrays(
    train,
    test=None,
    *,
    name: str = "arrays",
    test_fraction: float = 0.1,
    seed: int = 0,
    train_labels=None,
    test_labels=None,
    true_latent_dim: int | None = None,
    standardize: bool = False,
    rescale: str = "none",
    max_train: int | None = None,
    max_test: int | None = None,
) -> Dataset:
    """A `Dataset` from arrays in memory, checked (see `genjax.data.validate`).

    Args:
      train: ``[N, D]`` tabular, ``[N, H, W]`` grayscale or ``[N, H, W, C]`` images.
        Integer arrays (uint8 images) are scaled to [0, 1] by dividing by 255;
        float arrays are kept as they are (cast to float32).
      test: held-out examples of the same shape; when None, a random
        ``test_fraction`` of ``train`` (chosen by ``seed``) is held out.
      standardize: tabular data only: subtract the train mean and divide by the
        train standard deviation per column (statistics from train only, applied
        to both splits; constant columns are only centred). Off by default so
        that the values the user passed are the values the model sees.
      rescale: ``"none"`` (default: float values kept), ``"255"`` (divide float
        values by 255; integer arrays are divided by 255 whatever ``rescale``)
        or ``"minmax"`` (train min/max to [0, 1]); see `validate.rescale`. Not
        together with ``standardize``.
      max_train, max_test: keep a deterministic random subset (see `subset`).

    Raises:
      ValueError: NaN or Inf values (naming the split and the count), images
        ``[N, H, W, C]`` with values outside [0, 1] after ``rescale`` (naming
        the range and the option that fixes it), or inconsistent arguments.

    >>> ds = from_arrays(np.zeros((10, 28, 28), np.uint8), test_fraction=0.2)
    >>> ds.shape, ds.train.dtype, ds.train.shape, ds.test.shape
    ((28, 28, 1), dtype('float32'), (8, 28, 28, 1), (2, 28, 28, 1))
    >>> from_arrays(np.full((4, 2, 2), 255.0), rescale="255").train.max()
    np.float32(1.0)
    """
    rescale = "none" if rescale is None else str(rescale)
    if standardize and rescale != "none":
        raise ValueError(
            f"standardize=True and rescale={rescale!r} both given; pick one "
            "(standardize for tabular data, rescale for data a sigmoid output must fit)"
        )
    if rescale == "255" and np.issubdtype(np.asarray(train).dtype, np.integer):
        rescale = "none"  # integers are divided by 255 by `to_float` already
    train = to_float(train)
    check_finite(train, f"{name}: train")
    train_labels = None if train_labels is None else _labels(train_labels, "train_labels")
    if test is None:
        if test_labels is not None:
            raise ValueError("test_labels given without test")
        train, test, train_labels, test_labels = split_train_test(
            train, train_labels, test_fraction, seed
        )
    else:
        test = to_float(test)
        check_finite(test, f"{name}: test")
        test_labels = None if test_labels is None else _labels(test_labels, "test_labels")
    train, test = validate.rescale(train, test, rescale)
    if standardize:
        train, test = validate.standardize(train, test)
    check_image_range(train, f"{name}: train")
    check_image_range(test, f"{name}: test")
    train, train_labels = subset(train, train_labels, max_train, seed)
    test, test_labels = subset(test, test_labels, max_test, seed + 1)
    return Dataset(
        name=name,
        train=np.ascontiguousarray(train),
        test=np.ascontiguousarray(test),
        train_labels=train_labels,
        test_labels=test_labels,
        true_latent_dim=true_latent_dim,
    )


def _labels(y, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{what} must be integers [N], got {y.dtype} {y.shape}")
    return y.astype(np.int32)


def read_array_file(kind: str, path: str, **kwargs) -> Dataset:
    """`from_arrays` on a ``.npz``, ``.npy`` or ``.csv`` file (``kind`` is its type).

    - ``npz``: keys ``train``/``test`` or ``x_train``/``x_test`` (labels, if any,
      under ``train_labels``/``test_labels`` or ``y_train``/``y_test``), or a
      single array, split by ``test_fraction``.
    - ``npy``: one array, split by ``test_fraction``.
    - ``csv``: numeric, comma-separated, one example per row; a first row that
      does not parse as numbers is taken as a header and skipped.

    ``kwargs`` go to `from_arrays` (``seed``, ``standardize``, ``rescale``, ...).

    Raises:
      FileNotFoundError: no file at ``path``.
      ValueError: one line naming the file and what was expected: a ``.npy``
        file given as ``npz:`` (or the reverse), a file of another format, an
        archive without the expected keys, non-numeric or non-finite values.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> np.savez(path, x_train=np.ones((8, 3)), x_test=np.zeros((2, 3)))
    >>> ds = read_array_file("npz", path)
    >>> ds.train.shape, ds.test.shape
    ((8, 3), (2, 3))
    >>> read_array_file("npy", path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: npy:...x.npz is a .npz archive (a zip of arrays), not a .npy array; ...
    """
    if kind not in ARRAY_FILE_KINDS:
        raise ValueError(f"unknown array file kind {kind!r}; use one of {ARRAY_FILE_KINDS}")
    source = f"{kind}:{path}"
    if not os.path.exists(path):
        raise FileNotFoundError(f"{source}: no such file")
    if not os.path.isfile(path):
        raise ValueError(f"{source} is a directory, expected a .{kind} file")
    kwargs.setdefault("name", source)
    found = _file_format(path)
    if kind == "csv":
        if found in ("npz", "npy"):
            raise ValueError(
                f"{source} is a .{found} file, not comma-separated text; use {found}:{path}"
            )
        return from_arrays(_read_csv(path), **kwargs)
    if found != kind:
        what = {
            "npz": ".npz archive (a zip of arrays)",
            "npy": ".npy array",
            None: "file of another format (neither .npy nor .npz)",
        }[found]
        fix = f"use {found}:{path}" if found else "save it with numpy.save or numpy.savez"
        raise ValueError(f"{source} is a {what}, not a .{kind} {_WHAT[kind]}; {fix}")
    try:
        if kind == "npy":
            x = np.load(path, allow_pickle=False)
            if np.issubdtype(x.dtype, np.number):
                check_finite(x, source)
            return from_arrays(x, **kwargs)
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{source}: cannot read the file ({e}); is it truncated?") from e
    except ValueError as e:  # object arrays need pickle, which is never allowed here
        raise ValueError(f"{source}: cannot read the file without pickle ({e})") from e
    for key, x in arrays.items():
        if np.issubdtype(x.dtype, np.number):
            check_finite(x, f"{source} array {key!r}")
    for x_key, t_key, ly, lt in [
        ("train", "test", "train_labels", "test_labels"),
        ("x_train", "x_test", "y_train", "y_test"),
    ]:
        if x_key in arrays:
            return from_arrays(
                arrays[x_key],
                arrays.get(t_key),
                train_labels=arrays.get(ly),
                test_labels=arrays.get(lt) if t_key in arrays else None,
                **kwargs,
            )
    if len(arrays) == 1:
        return from_arrays(next(iter(arrays.values())), **kwargs)
    raise ValueError(
        f"{source}: found keys {sorted(arrays)}; expected 'train' (and 'test'), "
        "'x_train' (and 'x_test'), or a single array"
    )


ARRAY_FILE_KINDS = ("npz", "npy", "csv")
_WHAT = {"npz": "archive", "npy": "array", "csv": "table"}
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip


def _file_format(path: str) -> str | None:
    """``"npy"``, ``"npz"`` or None, from the file's first bytes (not its name)."""
    with open(path, "rb") as f:
        head = f.read(6)
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _ZIP_MAGIC:
        return "npz"
    return None


def _read_csv(path: str) -> np.ndarray:
    try:
        with open(path) as f:
            first = f.readline()
    except UnicodeDecodeError as e:
        raise ValueError(f"csv:{path}: not a text file ({e})") from e
    try:
        [float(v) for v in first.strip().split(",")]
        skip = 0
    except ValueError:
        skip = 1
    try:
        x = np.loadtxt(path, delimiter=",", skiprows=skip, dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise ValueError(f"csv:{path}: not a numeric comma-separated table ({e})") from e
    if x.shape[0] == 0:
        raise ValueError(f"csv:{path}: no rows")
    return x
