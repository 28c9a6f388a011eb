"""Argument checks shared by every divergence: one dtype rule, one positivity rule.

Dtypes: real inputs are computed in at least float32. Floating arrays keep float32 /
float64; bf16 and f16 are computed in float32; integer and boolean arrays (and Python
ints) are cast to float32, as ``jnp.promote_types(dtype, float32)`` does. Complex and
other non-real inputs are a ``ValueError`` naming the argument.

Values: a positivity condition (``gamma > 0``, ``n > 0``) is checked whenever the value
is known when the function is called (a Python or numpy number, a concrete array);
under ``jit``/``vmap``/``grad`` it is a tracer, whose value is not known then, so the
docstrings state the valid range instead.
"""

import jax
import jax.numpy as jnp
import numpy as np


def as_real(x, name):
    """``x`` as a ``jax.Array`` of at least float32, or a ``ValueError`` naming ``name``."""
    x = jnp.asarray(x)
    dtype = x.dtype
    if not (
        jnp.issubdtype(dtype, jnp.floating)
        or jnp.issubdtype(dtype, jnp.integer)
        or jnp.issubdtype(dtype, jnp.bool_)
    ):
        raise ValueError(f"{name} must be real (floating, integer or bool), got dtype {dtype}")
    return x.astype(jnp.promote_types(dtype, jnp.float32))


def is_concrete(x):
    """True when the value of ``x`` is known now (not a tracer inside jit/vmap/grad)."""
    return not isinstance(x, jax.core.Tracer)


def check_positive(value, name):
    """Raise ``ValueError`` naming ``name`` unless ``value`` is a real number (or array of
    them) that is > 0; tracers pass unchecked. Returns ``value`` unchanged."""
    if value is None:
        raise ValueError(f"{name} is required: a positive number, got None")
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not is_concrete(value):
        return value
    try:
        array = np.asarray(value)
    except TypeError as error:  # e.g. a string or an object numpy cannot hold
        raise ValueError(f"{name} must be a positive number, got {value!r}") from error
    if not (jnp.issubdtype(array.dtype, jnp.floating) or jnp.issubdtype(array.dtype, jnp.integer)):
        raise ValueError(f"{name} must be a positive real number, got {value!r}")
    if not np.all(array > 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return value
