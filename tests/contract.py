"""Checks of the DESIGN.md contract shared by every test module.

A divergence (or loss) is a function of arrays with a leading sample axis that
returns a scalar. These helpers check that it behaves the same eagerly, under
``jit``, under ``vmap`` over a batch of sample sets, sharded over the 8 fake
devices, that a jitted call compiles once for a fixed shape, and that its
gradient matches finite differences (in float64).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P


def assert_jit_matches_eager(fn, *args, rtol=1e-5, atol=1e-6):
    eager = fn(*args)
    jitted = jax.jit(fn)(*args)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=rtol, atol=atol)


def assert_vmap_matches_loop(fn, *batched_args, rtol=1e-5, atol=1e-6):
    """``batched_args`` carry a leading axis over independent sample sets."""
    mapped = jax.vmap(fn)(*batched_args)
    looped = jnp.stack([fn(*(a[i] for a in batched_args)) for i in range(len(batched_args[0]))])
    np.testing.assert_allclose(np.asarray(mapped), np.asarray(looped), rtol=rtol, atol=atol)


def assert_sharded_matches(fn, mesh, *args, rtol=1e-5, atol=1e-6):
    """Shard every array argument over ``mesh``'s ``data`` axis (its sample axis)
    and compare ``jit(fn)`` on the global arrays with the unsharded result."""
    sharding = NamedSharding(mesh, P("data"))
    sharded_args = [jax.device_put(a, sharding) for a in args]
    assert sharded_args[0].sharding == sharding
    expected = jax.jit(fn)(*args)
    got = jax.jit(fn)(*sharded_args)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=rtol, atol=atol)


def assert_compiles_once(fn, make_args, calls=3):
    """``make_args(i)`` returns fresh arguments of one fixed shape for call ``i``."""
    traces = []

    @jax.jit
    def traced(*args):
        traces.append(1)  # runs only while tracing
        return fn(*args)

    for i in range(calls):
        jax.block_until_ready(traced(*make_args(i)))
    assert len(traces) == 1, f"traced {len(traces)} times for one shape"


def assert_grads_match_finite_differences(
    fn, *args, order=1, eps=1e-4, rtol=1e-5, atol=1e-9, directions=2, seed=0
):
    """Forward- and reverse-mode derivatives of ``fn`` against finite differences, in float64.

    For each argument on its own (so that a wrong derivative in any one of them shows,
    however small its share of the total) and ``directions`` random directions ``v`` in
    it, the directional derivative ``J·v`` (``jax.jvp``) is compared, output by output,
    with a Richardson-extrapolated central difference
    ``(4 D(eps/2) − D(eps)) / 3``, ``D(h) = (f(x + h v) − f(x − h v)) / (2h)``, whose
    error is O(eps⁴) plus rounding of order ``1e-16·|f|/eps``. The tolerance is relative
    to each output's own derivative, ``rtol·|J·v| + atol·(1 + max|f|)``: with the
    defaults a derivative off by 1e-5 of its size fails, so a 1% error fails by 1000x.
    Reverse mode is checked through ``⟨Jᵀu, v⟩ = ⟨u, J·v⟩`` for a random cotangent ``u``
    against the same differences. ``order=2`` repeats the check on ``x ↦ J(x)·w`` for a
    fixed random ``w`` (second derivatives). ``fn`` returns an array or a pytree of them.
    """
    with jax.enable_x64(True):
        args64 = tuple(jnp.asarray(np.asarray(a, dtype=np.float64)) for a in args)
        rng = np.random.default_rng(seed)
        _check_first_derivatives(fn, args64, eps, rtol, atol, directions, rng)
        if order >= 2:
            w = tuple(jnp.asarray(rng.standard_normal(a.shape)) for a in args64)

            def directional(*xs):
                return jax.jvp(fn, xs, w)[1]

            assert_grads_match_finite_differences(
                directional,
                *args64,
                order=order - 1,
                eps=eps,
                rtol=rtol,
                atol=atol,
                directions=directions,
                seed=seed + 1,
            )


def _flat(tree):
    return np.concatenate([np.ravel(np.asarray(leaf)) for leaf in jax.tree.leaves(tree)])


def _check_first_derivatives(fn, args, eps, rtol, atol, directions, rng):
    # Jitted once per check: the many shifted evaluations then cost a dispatch each.
    value_fn = jax.jit(fn)
    jvp_fn = jax.jit(lambda xs, ts: jax.jvp(fn, xs, ts)[1])
    vjp_fn = jax.jit(lambda xs, ct: jax.vjp(fn, *xs)[1](ct))
    value = value_fn(*args)
    f0 = _flat(value)
    assert np.all(np.isfinite(f0)), f"fn is not finite at the checked point: {f0}"
    tolerance_floor = atol * (1.0 + np.max(np.abs(f0)))
    leaves, structure = jax.tree.flatten(value)
    splits = np.cumsum([np.size(leaf) for leaf in leaves])[:-1]

    def shifted(i, v, h):
        moved = list(args)
        moved[i] = args[i] + h * v
        return _flat(value_fn(*moved))

    def central(i, v, h):
        return (shifted(i, v, h) - shifted(i, v, -h)) / (2.0 * h)

    for i, a in enumerate(args):
        for k in range(directions):
            v = jnp.asarray(rng.standard_normal(a.shape))
            tangents = tuple(v if j == i else jnp.zeros_like(b) for j, b in enumerate(args))
            jvp = _flat(jvp_fn(args, tangents))
            fd = (4.0 * central(i, v, eps / 2) - central(i, v, eps)) / 3.0
            error = np.abs(jvp - fd)
            bound = rtol * np.abs(fd) + tolerance_floor
            where = f"argument {i}, direction {k}"
            assert np.all(error <= bound), (
                f"forward-mode derivative differs from finite differences ({where}): "
                f"jvp={jvp}, fd={fd}, relative error={error / np.maximum(np.abs(fd), 1e-300)}"
            )
            u = rng.standard_normal(f0.shape)
            cotangent = jax.tree.unflatten(
                structure,
                [
                    jnp.asarray(part.reshape(np.shape(leaf)), leaf.dtype)
                    for part, leaf in zip(np.split(u, splits), leaves, strict=True)
                ],
            )
            reverse = float(np.sum(np.asarray(vjp_fn(args, cotangent)[i]) * np.asarray(v)))
            expected = float(np.sum(u * fd))
            bound = rtol * np.sum(np.abs(u * fd)) + tolerance_floor * np.sum(np.abs(u))
            assert abs(reverse - expected) <= bound, (
                f"reverse-mode derivative differs from finite differences ({where}): "
                f"<vjp(u), v>={reverse}, <u, fd>={expected}"
            )


def float64(fn):
    """Decorator: run a reference computation with jax in float64."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with jax.enable_x64(True):
            return fn(*args, **kwargs)

    return wrapper
