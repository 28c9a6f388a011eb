"""Small pieces the VAE families beyond the basic nine share: the diagonal Gaussian log
density and a step counter kept in the model state (for losses whose weights follow a
schedule; the trainer hands a loss no step)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

LOG_2PI = math.log(2 * math.pi)


def gaussian_log_density(z: jax.Array, mean: jax.Array, log_var: jax.Array) -> jax.Array:
    """Elementwise ``log N(z; mean, exp(log_var))`` (broadcasting), not summed:
    ``-½ (log 2π + log_var + (z - mean)² exp(-log_var))``.

    >>> import jax.numpy as jnp
    >>> round(float(gaussian_log_density(jnp.zeros(()), 0.0, 0.0)), 4)  # -½ log 2π
    -0.9189
    """
    return -0.5 * (LOG_2PI + log_var + jnp.square(z - mean) * jnp.exp(-log_var))


# The counter is a "network" with no parameters and one int32 leaf of state, so that it
# is checkpointed with the rest of the state and set(params) == set(state) holds.
COUNTER = "counter"


def init_counter() -> tuple[dict, dict]:
    """``(params, state)`` entries of a step counter starting at 0."""
    return {}, {"step": jnp.zeros((), jnp.int32)}


def counter_value(state) -> jax.Array:
    """The number of steps counted so far (int32 scalar)."""
    return state[COUNTER]["step"]


def incremented(state) -> dict:
    """``state`` with the counter advanced by one (returned by the loss that counts)."""
    return {**state, COUNTER: {"step": counter_value(state) + 1}}
