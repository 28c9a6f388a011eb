"""genjax.data: datasets in memory and the batches the trainer consumes.

One interface (see DESIGN.md, Data):

- `load(source, ...)` -> `Dataset` from ``fashion_mnist``, ``mnist`` (local IDX
  files or tensorflow-datasets), ``cifar10``, ``celeb_a`` (tensorflow-datasets),
  ``synthetic:<name>`` (known true latent dimension) or ``npz:``/``npy:``/``csv:``
  files; `from_arrays` for arrays in memory.
- `batches(x, batch_size=..., seed=...)`: the infinite, resumable stream of this
  process's part of each shuffled global batch.
- `global_batch(local_batch, sharding)`: those parts as one sharded `jax.Array`.
- `check_range(x, output_activation=...)`: whether a model's output can produce
  the data (sigmoid: [0, 1]); `load` and `from_arrays` already reject NaN/Inf
  and images outside [0, 1], and take ``rescale=`` / ``standardize=`` options
  (see `genjax.data.validate`).

>>> ds = load("synthetic:manifold8", max_train=1000, max_test=100)
>>> it = batches(ds.train, batch_size=100, seed=0)
>>> next(it).shape
(100, 64)
"""

from genjax.data.batching import batches, epoch_permutation, global_batch
from genjax.data.dataset import Dataset, from_arrays
from genjax.data.idx import read_idx, write_idx
from genjax.data.sources import load
from genjax.data.validate import check_finite, check_range

__all__ = [
    "Dataset",
    "batches",
    "check_finite",
    "check_range",
    "epoch_permutation",
    "from_arrays",
    "global_batch",
    "load",
    "read_idx",
    "write_idx",
]
