"""`stride2_conv` and `stride2_conv_transpose` against lax's strided and transposed convs:
values, both gradients, forward mode, and the flax modules they replace."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from genjax import nn as gnn
from genjax.nn.conv import _stride2_conv_by_blocks, space_to_depth


def _reference(x, kernel, padding):
    return lax.conv_general_dilated(
        x, kernel, (2, 2), padding, dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def _inputs(h, w, k, c=3, c_out=5, seed=0):
    kx, kk = jax.random.split(jax.random.key(seed))
    x = jax.random.normal(kx, (2, h, w, c), jnp.float64)
    kernel = jax.random.normal(kk, (k, k, c, c_out), jnp.float64)
    return x, kernel


CASES = [  # (h, w, k, padding): even and odd sizes, even and odd kernels
    (8, 8, 4, "SAME"), (7, 7, 4, "SAME"), (4, 4, 4, "SAME"), (2, 2, 4, "SAME"),
    (9, 6, 3, "SAME"), (5, 5, 5, "SAME"), (1, 1, 4, "SAME"),
    (8, 8, 4, "VALID"), (9, 7, 3, "VALID"), (6, 6, 5, "VALID"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _float64():
    with jax.enable_x64(True):
        yield


@pytest.mark.parametrize("h,w,k,padding", CASES)
def test_blocked_form_and_function_equal_lax(h, w, k, padding):
    x, kernel = _inputs(h, w, k)
    expected = np.asarray(_reference(x, kernel, padding))
    for fn in (_stride2_conv_by_blocks, gnn.stride2_conv):
        np.testing.assert_allclose(fn(x, kernel, padding), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("h,w,k,padding", CASES)
def test_gradients_equal_lax(h, w, k, padding):
    x, kernel = _inputs(h, w, k, seed=1)
    weights = jax.random.normal(jax.random.key(2), _reference(x, kernel, padding).shape)

    def loss(fn):
        return lambda x, kernel: jnp.sum(weights * jnp.tanh(fn(x, kernel, padding)))

    got = jax.jit(jax.grad(loss(gnn.stride2_conv), argnums=(0, 1)))(x, kernel)
    expected = jax.grad(loss(_reference), argnums=(0, 1))(x, kernel)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


def test_forward_mode_and_second_order():
    x, kernel = _inputs(7, 7, 4, seed=3)
    tx, tk = _inputs(7, 7, 4, seed=4)
    _, got = jax.jvp(lambda x, k: gnn.stride2_conv(x, k, "SAME"), (x, kernel), (tx, tk))
    _, expected = jax.jvp(lambda x, k: _reference(x, k, "SAME"), (x, kernel), (tx, tk))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)

    def hvp(fn):  # Hessian-vector product in x of a non-quadratic loss
        f = lambda x: jnp.sum(jnp.sin(fn(x, kernel, "SAME")))  # noqa: E731
        return jax.jvp(jax.grad(f), (x,), (tx,))[1]

    np.testing.assert_allclose(hvp(gnn.stride2_conv), hvp(_reference), rtol=1e-9, atol=1e-9)


def test_space_to_depth_inverts_depth_to_space():
    x = jnp.arange(2 * 4 * 6 * 3.0).reshape(2, 4, 6, 3)
    np.testing.assert_array_equal(gnn.depth_to_space(space_to_depth(x)), x)
    assert space_to_depth(x).shape == (2, 2, 3, 12)


def test_strided_conv_module_matches_flax_conv():
    """Same parameter shapes, initialiser and outputs as the nn.Conv it replaces."""
    x = jax.random.normal(jax.random.key(5), (3, 7, 7, 2))
    ours = gnn.StridedConv(6, kernel_size=4)
    theirs = nn.Conv(6, (4, 4), strides=(2, 2), padding="SAME", use_bias=False)
    p_ours, p_theirs = ours.init(jax.random.key(6), x), theirs.init(jax.random.key(6), x)
    assert jax.tree.map(jnp.shape, p_ours) == jax.tree.map(jnp.shape, p_theirs)
    np.testing.assert_allclose(p_ours["params"]["kernel"], p_theirs["params"]["kernel"])
    np.testing.assert_allclose(ours.apply(p_ours, x), theirs.apply(p_ours, x), rtol=1e-5, atol=1e-5)


def test_bad_padding_and_too_small_valid_input():
    x, kernel = _inputs(3, 3, 4)
    with pytest.raises(ValueError, match="padding='FULL'"):
        _stride2_conv_by_blocks(x, kernel, "FULL")
    with pytest.raises(ValueError, match="input size 3 < kernel size 4"):
        _stride2_conv_by_blocks(x, kernel, "VALID")


def _reference_transpose(x, kernel):
    return lax.conv_transpose(x, kernel, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))


TRANSPOSE_CASES = [(7, 7, 4), (4, 6, 4), (1, 1, 4), (5, 3, 3), (4, 4, 5), (3, 3, 2)]  # h, w, k


@pytest.mark.parametrize("h,w,k", TRANSPOSE_CASES)
def test_transpose_values_and_gradients_equal_lax(h, w, k):
    x, kernel = _inputs(h, w, k, seed=7)
    expected = _reference_transpose(x, kernel)
    got = gnn.stride2_conv_transpose(x, kernel)
    assert got.shape == expected.shape == (2, 2 * h, 2 * w, 5)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    weights = jax.random.normal(jax.random.key(8), expected.shape)

    def loss(fn):
        return lambda x, kernel: jnp.sum(weights * jnp.tanh(fn(x, kernel)))

    got = jax.jit(jax.grad(loss(gnn.stride2_conv_transpose), argnums=(0, 1)))(x, kernel)
    expected = jax.grad(loss(_reference_transpose), argnums=(0, 1))(x, kernel)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


def test_strided_conv_transpose_module_matches_flax():
    x = jax.random.normal(jax.random.key(9), (3, 7, 5, 2))
    ours = gnn.StridedConvTranspose(6, kernel_size=4)
    theirs = nn.ConvTranspose(6, (4, 4), strides=(2, 2), padding="SAME", use_bias=False)
    p_ours, p_theirs = ours.init(jax.random.key(10), x), theirs.init(jax.random.key(10), x)
    np.testing.assert_allclose(p_ours["params"]["kernel"], p_theirs["params"]["kernel"])
    np.testing.assert_allclose(ours.apply(p_ours, x), theirs.apply(p_ours, x), rtol=1e-5, atol=1e-5)
