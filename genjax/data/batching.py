"""Shuffled batches that a resumed run sees exactly as an uninterrupted one.

The stream is a pure function of ``(seed, step)``: epoch ``e = step // S``
(``S = N // batch_size`` steps per epoch, the incomplete last batch dropped)
is ordered by a permutation drawn from ``(seed, e)`` only, and step ``t``
takes rows ``[(t % S) * B, (t % S + 1) * B)`` of it. With several processes
each takes its contiguous share of that global batch, so concatenating the
processes' batches in process order gives the single-process batch.

>>> x = np.arange(10, dtype=np.float32)[:, None]
>>> it = batches(x, batch_size=4, seed=0)
>>> [next(it).shape for _ in range(3)]
[(4, 1), (4, 1), (4, 1)]
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import numpy as np


def epoch_permutation(size: int, seed: int, epoch: int) -> np.ndarray:
    """The order ``[size]`` of epoch ``epoch``; depends only on ``(seed, epoch, size)``.

    >>> p = epoch_permutation(5, seed=0, epoch=1)
    >>> sorted(p.tolist()), bool(np.array_equal(p, epoch_permutation(5, 0, 1)))
    ([0, 1, 2, 3, 4], True)
    """
    return np.random.default_rng([seed, epoch]).permutation(size)


def batches(
    x: np.ndarray,
    *,
    batch_size: int,
    seed: int,
    start_step: int = 0,
    process_index: int = 0,
    process_count: int = 1,
) -> Iterator[np.ndarray]:
    """Infinite iterator of this process's part of each global batch, from ``start_step``.

    Args:
      x: the examples ``[N, *shape]``.
      batch_size: the *global* batch size B (over all processes).
      seed: the shuffling seed; epoch e uses `epoch_permutation` ``(N, seed, e)``.
      start_step: the first step to yield; ``batches(..., start_step=t)`` yields
        what ``batches(...)`` yields from its t-th item on.
      process_index, process_count: this process and how many there are
        (``jax.process_index()``, ``jax.process_count()``).

    Yields:
      ``[B // process_count, *shape]`` arrays (fresh copies, same dtype as ``x``).

    Each batch is one fancy-indexing gather (a few microseconds per 100 MNIST
    images); a permutation is drawn once per epoch.

    >>> x = np.arange(12, dtype=np.float32)[:, None]            # N = 12, S = 3
    >>> it = batches(x, batch_size=4, seed=0)
    >>> first = [next(it) for _ in range(4)]                    # 3 of epoch 0, 1 of epoch 1
    >>> sorted(np.concatenate(first[:3]).ravel().tolist()) == list(range(12))
    True
    >>> later = next(batches(x, batch_size=4, seed=0, start_step=3))  # resumed at step 3
    >>> bool(np.array_equal(later, first[3]))
    True
    >>> half = next(batches(x, batch_size=4, seed=0, process_index=1, process_count=2))
    >>> bool(np.array_equal(half, first[0][2:]))                # process 1's share
    True
    """
    n = x.shape[0]
    if batch_size < 1 or batch_size > n:
        raise ValueError(f"batch_size must be in [1, {n}] for {n} examples, got {batch_size}")
    if process_count < 1 or not 0 <= process_index < process_count:
        raise ValueError(
            f"process_index must be in [0, process_count), got {process_index} of {process_count}"
        )
    if batch_size % process_count:
        raise ValueError(
            f"batch_size {batch_size} is not divisible by process_count {process_count}; "
            "choose a global batch size that is a multiple of the number of processes"
        )
    if start_step < 0:
        raise ValueError(f"start_step must be >= 0, got {start_step}")
    return _batches(x, batch_size, seed, start_step, process_index, process_count)


def _batches(x, batch_size, seed, start_step, process_index, process_count):
    steps_per_epoch = x.shape[0] // batch_size
    local = batch_size // process_count
    lo = process_index * local  # this process's offset inside a global batch
    epoch, pos = divmod(start_step, steps_per_epoch)
    while True:
        # Keep only this process's rows of the whole epoch: [steps_per_epoch, local].
        order = epoch_permutation(x.shape[0], seed, epoch)[: steps_per_epoch * batch_size]
        order = order.reshape(steps_per_epoch, batch_size)[:, lo : lo + local]
        for i in range(pos, steps_per_epoch):
            yield x[order[i]]
        epoch, pos = epoch + 1, 0


def global_batch(local_batch: np.ndarray, sharding: jax.sharding.Sharding) -> jax.Array:
    """This process's slice -> the global batch as one `jax.Array` laid out by ``sharding``.

    The global batch is the processes' slices concatenated in process order
    (what `batches` yields in each process), ``[process_count * b, *shape]``,
    usually sharded over its first axis, e.g.
    ``NamedSharding(mesh, PartitionSpec("data"))``.

    Raises ``ValueError`` when the batch does not divide evenly over the devices
    that share its first axis.

    >>> from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    >>> mesh = Mesh(np.array(jax.devices()[:1]), ("data",))
    >>> x = global_batch(np.zeros((8, 3), np.float32), NamedSharding(mesh, P("data")))
    >>> type(x).__name__, x.shape
    ('ArrayImpl', (8, 3))
    """
    local_batch = np.asarray(local_batch)
    global_shape = (local_batch.shape[0] * jax.process_count(), *local_batch.shape[1:])
    shards = _batch_shards(sharding, len(global_shape))
    if shards is not None and global_shape[0] % shards:
        raise ValueError(
            f"global batch of {global_shape[0]} examples ({local_batch.shape[0]} per process "
            f"x {jax.process_count()} processes) does not divide over the {shards} devices "
            "its first axis is sharded over; use a batch size that is a multiple of "
            f"{shards}"
        )
    try:
        return jax.make_array_from_process_local_data(sharding, local_batch)
    except ValueError as e:
        raise ValueError(
            f"cannot lay out a local batch of shape {local_batch.shape} with {sharding}: {e}"
        ) from e


def _batch_shards(sharding: jax.sharding.Sharding, ndim: int) -> int | None:
    """How many pieces ``sharding`` cuts the first axis into (None when unknown)."""
    if isinstance(sharding, jax.sharding.NamedSharding):
        spec = tuple(sharding.spec) + (None,) * ndim
        axes = spec[0]
        if axes is None:
            return 1
        axes = (axes,) if isinstance(axes, str) else tuple(axes)
        return int(np.prod([sharding.mesh.shape[a] for a in axes]))
    if isinstance(sharding, jax.sharding.SingleDeviceSharding):
        return 1
    return None
