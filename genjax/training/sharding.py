"""Data-parallel placement: a 1-D mesh over every device, axis ``data``.

Parameters and optimiser states are replicated; batches are split over
``data`` along their example axis. The mesh's axis is ``Auto`` (not the
``Explicit`` default of ``jax.make_mesh``) so that the loss is written for
the *global* batch and XLA inserts the collectives: a divergence between the
codes and the prior sees all ``b`` codes, not a per-device shard.

The examples use a mesh over the first device, so they read the same on any
machine; ``make_mesh()`` spans every device.

>>> mesh = make_mesh(jax.devices()[:1])
>>> x = put_local(np.zeros((8, 3), np.float32), batch_sharding(mesh))
>>> x.shape, x.sharding.spec
((8, 3), P('data',))
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

DATA_AXIS = "data"


def make_mesh(devices=None) -> Mesh:
    """A mesh over ``devices`` (default: all devices of all processes), axis ``data``.

    >>> mesh = make_mesh(jax.devices()[:1])
    >>> dict(mesh.shape), mesh.axis_names
    ({'data': 1}, ('data',))
    """
    devices = list(jax.devices() if devices is None else devices)
    return jax.make_mesh(
        (len(devices),), (DATA_AXIS,), axis_types=(AxisType.Auto,), devices=devices
    )


def replicated(mesh: Mesh) -> NamedSharding:
    """Every device holds the whole array (parameters, optimiser states, keys).

    >>> replicated(make_mesh(jax.devices()[:1])).spec
    P()
    """
    return NamedSharding(mesh, P())


def batch_sharding(mesh: Mesh, *, stacked: bool = False) -> NamedSharding:
    """Split ``[b, ...]`` over ``data``; with ``stacked``, ``[k, b, ...]`` along ``b``.

    >>> mesh = make_mesh(jax.devices()[:1])
    >>> batch_sharding(mesh).spec, batch_sharding(mesh, stacked=True).spec
    (P('data',), P(None, 'data'))
    """
    return NamedSharding(mesh, P(None, DATA_AXIS) if stacked else P(DATA_AXIS))


def check_batch_size(batch_size: int, mesh: Mesh) -> None:
    """Raise ``ValueError`` unless the global batch splits evenly over devices and processes.

    >>> check_batch_size(100, make_mesh(jax.devices()[:1]))  # 1 device: any size
    """
    n = mesh.devices.size
    if batch_size % n:
        raise ValueError(
            f"batch_size={batch_size} must be a multiple of the number of devices ({n})"
        )
    if batch_size % jax.process_count():
        raise ValueError(
            f"batch_size={batch_size} must be a multiple of the process count "
            f"({jax.process_count()})"
        )


def put_local(local: np.ndarray, sharding: NamedSharding) -> jax.Array:
    """A global array from this process's rows (its contiguous slice of the global batch).

    With one process this is ``device_put``; with several each contributes its
    slice and the global shape is inferred from the sharding: ``local [b / P, ...]``
    from each of ``P`` processes gives ``[b, ...]``.

    >>> mesh = make_mesh(jax.devices()[:1])
    >>> put_local(np.ones((4, 2), np.float32), batch_sharding(mesh)).shape
    (4, 2)
    """
    return jax.make_array_from_process_local_data(sharding, local)


def replicate(tree, mesh: Mesh):
    """Host values that are identical on every process, as replicated global arrays.

    ``tree`` is any pytree of arrays or scalars; the result has the same structure.

    >>> tree = replicate({"w": np.ones(3), "step": 0}, make_mesh(jax.devices()[:1]))
    >>> tree["w"].shape, tree["w"].sharding.is_fully_replicated
    ((3,), True)
    """
    sharding = replicated(mesh)
    return jax.tree.map(
        lambda x: jax.make_array_from_process_local_data(sharding, np.asarray(x)), tree
    )


def to_host(tree):
    """Numpy copies of replicated (or single-process) arrays, without a collective.

    >>> import jax.numpy as jnp
    >>> to_host({"loss": jnp.float32(0.5), "z": jnp.zeros((2, 3))})["z"].shape
    (2, 3)
    """
    leaves = jax.tree.leaves(tree)
    if all(not isinstance(x, jax.Array) or x.is_fully_addressable for x in leaves):
        return jax.device_get(tree)  # one batched transfer, not one per leaf

    def fetch(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            return np.asarray(x.addressable_data(0))
        return np.asarray(x)

    return jax.tree.map(fetch, tree)
