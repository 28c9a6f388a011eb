"""What a run is made of before its loop starts, from its config: the processes
(`initialize_distributed`), the data set (`load_dataset`), the model (`build_model`),
and the PRNG streams its keys come from (`host_key`). Config errors are `ConfigError`
with a message that says what to change. `genjax.training.loop` re-exports these names.
"""

from __future__ import annotations

import jax
import numpy as np

from genjax import data
from genjax.models.base import Model
from genjax.training.workdir import ConfigError

# Streams of randomness, each folded with the step (and the player or batch).
INIT, TRAIN, EVAL, IMAGES, FULL_EVAL = range(5)


def host_key(seed: int, *path: int) -> np.ndarray:
    """``fold_in(...fold_in(PRNGKey(seed), path[0])..., path[-1])`` as a host uint32[2]."""
    key = jax.random.PRNGKey(seed)
    for p in path:
        key = jax.random.fold_in(key, p)
    return np.asarray(key)


def initialize_distributed(dist) -> None:
    """``jax.distributed.initialize`` when ``dist.enabled``; unset fields are
    auto-detected (SLURM, MPI, TPU pods) or read from ``JAX_COORDINATOR_ADDRESS``.

    >>> from experiments import common
    >>> initialize_distributed(common.distributed())  # enabled=False: one process
    >>> jax.process_count()
    1
    """
    if not dist.enabled or jax.distributed.is_initialized():
        return
    names = ("coordinator_address", "num_processes", "process_id")
    jax.distributed.initialize(**{n: dist[n] for n in names if dist.get(n) is not None})


def load_dataset(config) -> data.Dataset:
    """The dataset ``config.data`` names; a source that is unknown or absent is a
    `ConfigError` whose message says how to get it."""
    d = config.data
    try:
        return data.load(
            d.source,
            data_dir=d.data_dir,
            max_train=d.max_train,
            max_test=d.max_test,
            seed=config.seed,
            download=d.get("download", True),
            rescale=d.get("rescale", "none"),
            standardize=d.get("standardize", False),
        )
    except (ValueError, FileNotFoundError) as e:
        raise ConfigError(f"data.source={d.source!r}: {e}") from e


def build_model(config, input_shape) -> Model:
    from genjax import models

    try:
        return models.build_model(config.model, tuple(input_shape))
    except ValueError as e:
        raise ConfigError(f"model: {e}") from e
