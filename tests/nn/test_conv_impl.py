"""`genjax.nn.conv_impl`: every conv and transposed conv, by either implementation,
against lax's own convolutions (values, input and kernel gradients, forward mode and a
second derivative, in float64), the batch chunking, the choice of implementation, and
the flax modules they replace (same parameters, same outputs)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from genjax import nn as gnn
from genjax.nn import conv_impl

NHWC = ("NHWC", "HWIO", "NHWC")
IMPLS = ("matmul", "xla")  # "xla" is lax itself: checked only where modules route it


@pytest.fixture(autouse=True)
def _float64():
    with jax.enable_x64(True):
        yield


def _inputs(h, w, k, c=3, c_out=5, seed=0, b=2):
    kx, kk = jax.random.split(jax.random.key(seed))
    x = jax.random.normal(kx, (b, h, w, c), jnp.float64)
    kernel = jax.random.normal(kk, (k, k, c, c_out), jnp.float64)
    return x, kernel


def _assert_same_values_and_grads(fn, reference, x, kernel, tol=1e-10):
    """``fn(x, kernel)`` equals ``reference(x, kernel)``, and so do the gradients in x
    and in the kernel of a non-linear scalar loss of them."""
    expected = reference(x, kernel)
    got = fn(x, kernel)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    weights = jax.random.normal(jax.random.key(99), expected.shape, jnp.float64)

    def loss(f):
        return lambda x, kernel: jnp.sum(weights * jnp.tanh(f(x, kernel)))

    got = jax.jit(jax.grad(loss(fn), argnums=(0, 1)))(x, kernel)
    want = jax.grad(loss(reference), argnums=(0, 1))(x, kernel)
    for g, e, name in zip(got, want, ("x", "kernel"), strict=True):
        assert float(jnp.abs(e).max()) > 0.1, name  # the check can see an error
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol, err_msg=name)


SLOW = pytest.mark.slow  # more of the same geometry; the default run keeps it small
CONV_CASES = [  # (h, w, k, stride, padding, c, c_out): even/odd sizes and kernels,
    # im2col (c_out >= c / 4) and col2im (c_out < c / 4) products
    (8, 8, 4, 2, "SAME", 3, 5), (7, 7, 4, 2, "SAME", 3, 5), (1, 1, 4, 2, "SAME", 3, 5),
    (9, 7, 3, 2, "VALID", 3, 5), (7, 6, 4, 1, "SAME", 3, 5), (7, 6, 4, 1, "SAME", 8, 1),
    (7, 7, 4, 2, "SAME", 8, 1),
    pytest.param(9, 6, 3, 2, "SAME", 3, 5, marks=SLOW),
    pytest.param(6, 6, 5, 2, "VALID", 2, 3, marks=SLOW),
    pytest.param(6, 5, 4, 1, "VALID", 3, 5, marks=SLOW),
    pytest.param(6, 6, 3, 1, "SAME", 8, 2, marks=SLOW),
    pytest.param(2, 2, 4, 2, "SAME", 3, 5, marks=SLOW),
    pytest.param(5, 5, 5, 2, "SAME", 2, 3, marks=SLOW),
    pytest.param(8, 8, 4, 2, "VALID", 3, 5, marks=SLOW),
    pytest.param(6, 6, 3, 1, "SAME", 3, 5, marks=SLOW),
    pytest.param(6, 5, 4, 1, "VALID", 8, 1, marks=SLOW),
    pytest.param(6, 6, 1, 1, "SAME", 3, 5, marks=SLOW),
]  # fmt: skip


@pytest.mark.parametrize("h,w,k,stride,padding,c,c_out", CONV_CASES)
def test_conv2d_equals_lax(h, w, k, stride, padding, c, c_out, impl="matmul"):
    x, kernel = _inputs(h, w, k, c, c_out, seed=h + k)
    _assert_same_values_and_grads(
        lambda x, kernel: gnn.conv2d(x, kernel, stride, padding, impl=impl),
        lambda x, kernel: lax.conv_general_dilated(
            x, kernel, (stride, stride), padding, dimension_numbers=NHWC
        ),
        x,
        kernel,
    )


def _lax_transpose(x, kernel):
    return lax.conv_transpose(x, kernel, (2, 2), "SAME", dimension_numbers=NHWC)


TRANSPOSE_CASES = [  # h, w, k, c, c_out
    (7, 7, 4, 3, 5), (4, 6, 4, 3, 5), (5, 3, 3, 3, 5), (4, 5, 4, 8, 1),
    pytest.param(1, 1, 4, 3, 5, marks=SLOW), pytest.param(4, 4, 5, 3, 5, marks=SLOW),
    pytest.param(3, 3, 2, 3, 5, marks=SLOW),
]  # fmt: skip


@pytest.mark.parametrize("h,w,k,c,c_out", TRANSPOSE_CASES)
def test_conv2d_transpose_equals_lax(h, w, k, c, c_out, impl="matmul"):
    x, kernel = _inputs(h, w, k, c, c_out, seed=7 + h)
    fn = lambda x, kernel: gnn.conv2d_transpose(x, kernel, impl=impl)  # noqa: E731
    _assert_same_values_and_grads(fn, _lax_transpose, x, kernel)
    assert fn(x, kernel).shape == (2, 2 * h, 2 * w, c_out)


@pytest.mark.parametrize("col2im", [False, True])
def test_forward_mode_and_second_order(col2im):
    """jvp and a Hessian-vector product in x (RAE's gradient penalty differentiates a
    gradient) through the matmul form, `jax.checkpoint` included."""
    c, c_out = (8, 1) if col2im else (3, 5)
    x, kernel = _inputs(7, 7, 4, c, c_out, seed=3)
    tx, tk = _inputs(7, 7, 4, c, c_out, seed=4)

    def ours(x, k):
        return gnn.conv2d(x, k, 2, impl="matmul")

    def ref(x, k):
        return lax.conv_general_dilated(x, k, (2, 2), "SAME", dimension_numbers=NHWC)

    _, got = jax.jvp(ours, (x, kernel), (tx, tk))
    _, expected = jax.jvp(ref, (x, kernel), (tx, tk))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)

    def hvp(fn):
        f = lambda x: jnp.sum(jnp.sin(fn(x, kernel)))  # noqa: E731
        return jax.jvp(jax.grad(f), (x,), (tx,))[1]

    np.testing.assert_allclose(hvp(ours), hvp(ref), rtol=1e-9, atol=1e-9)


WINOGRAD_CASES = [  # h, w, c, c_out: even and odd outputs (padded to even tiles)
    (7, 7, 3, 5), (6, 10, 2, 4),
    pytest.param(8, 8, 3, 5, marks=SLOW), pytest.param(1, 1, 3, 5, marks=SLOW),
    pytest.param(5, 9, 2, 3, marks=SLOW), pytest.param(2, 2, 3, 5, marks=SLOW),
]  # fmt: skip


def _check_stride2_same(x, kernel, transpose: bool):
    """The matmul 4x4 stride-2 SAME conv (or transposed conv) against lax's."""
    if transpose:
        fn = lambda x, kernel: gnn.conv2d_transpose(x, kernel, impl="matmul")  # noqa: E731
        _assert_same_values_and_grads(fn, _lax_transpose, x, kernel)
    else:
        _assert_same_values_and_grads(
            lambda x, kernel: gnn.conv2d(x, kernel, 2, impl="matmul"),
            lambda x, kernel: lax.conv_general_dilated(
                x, kernel, (2, 2), "SAME", dimension_numbers=NHWC
            ),
            x,
            kernel,
        )


@pytest.fixture
def winograd_calls(monkeypatch):
    """Every 4x4 stride-2 SAME conv through Winograd, whatever its channels; the calls."""
    monkeypatch.setattr(conv_impl, "WINOGRAD_MIN_CHANNELS", 1)
    calls = []
    real = conv_impl._winograd_conv2x2
    monkeypatch.setattr(
        conv_impl, "_winograd_conv2x2", lambda xp, k: calls.append(xp.shape) or real(xp, k)
    )
    return calls


@pytest.mark.parametrize("h,w,c,c_out", WINOGRAD_CASES)
@pytest.mark.parametrize("transpose", [False, True])
def test_winograd_conv_and_transpose_equal_lax(winograd_calls, h, w, c, c_out, transpose):
    x, kernel = _inputs(h, w, 4, c, c_out, seed=5 + h)
    _check_stride2_same(x, kernel, transpose)
    assert winograd_calls  # the check went through the Winograd form


def test_winograd_is_used_for_wide_dcgan_convs_only():
    use = conv_impl._use_winograd
    assert use((4, 4), 2, "SAME", 128, 256)  # a DCGAN encoder's second conv
    assert use((4, 4), 2, "SAME", 256, 128)  # a decoder's transposed conv, transposed
    assert not use((4, 4), 2, "SAME", 1, 128)  # the first conv, on one channel
    assert not use((4, 4), 2, "SAME", 128, 8)
    assert not use((3, 3), 2, "SAME", 128, 256)
    assert not use((4, 4), 1, "SAME", 128, 256)
    assert not use((4, 4), 2, "VALID", 128, 256)


@pytest.mark.parametrize(
    "transpose,winograd", [(False, False), (True, True), pytest.param(True, False, marks=SLOW),
                           pytest.param(False, True, marks=SLOW)]
)  # fmt: skip
def test_batch_chunks_give_the_same_values_and_grads(monkeypatch, transpose, winograd):
    """Patches over the bound: the batch (5, not a multiple of the chunk) runs in chunks."""
    x, kernel = _inputs(6, 6, 4, seed=11, b=5)
    # One example's patches: 9 output pixels x 16 taps x 3 channels x 8 bytes = 3456
    # (stride 2, im2col); the transposed conv is the transpose of the stride-2 conv
    # [12, 12, 5] -> [6, 6, 3], whose im2col patches are 36 x 16 x 5 x 8 = 23040 bytes.
    # Winograd's transformed input: 9 x (2 x 2 tiles) x 12 channels x 8 = 3456 bytes;
    # transposed 9 x (3 x 3 tiles) x 20 channels x 8 = 12960.
    # A bound of two examples' patches: chunks of 2.
    if winograd:
        monkeypatch.setattr(conv_impl, "WINOGRAD_MIN_CHANNELS", 1)
    per_example = {False: 3456, True: 12960 if winograd else 23040}[transpose]
    monkeypatch.setattr(conv_impl, "MAX_PATCH_BYTES", 2 * per_example)
    calls = []
    real_map = lax.map
    monkeypatch.setattr(
        conv_impl.lax, "map", lambda f, xs: calls.append(xs.shape) or real_map(f, xs)
    )
    _check_stride2_same(x, kernel, transpose)
    assert calls and calls[0][:2] == (3, 2)  # 5 examples in 3 chunks of 2 (one padded)


def test_resolve_conv_impl(monkeypatch):
    monkeypatch.delenv(gnn.CONV_IMPL_ENV, raising=False)
    assert gnn.resolve_conv_impl() == ("matmul" if jax.default_backend() == "cpu" else "xla")
    monkeypatch.setenv(gnn.CONV_IMPL_ENV, "xla")
    assert gnn.resolve_conv_impl("auto") == "xla"
    assert gnn.resolve_conv_impl("matmul") == "matmul"  # an explicit choice wins
    monkeypatch.setenv(gnn.CONV_IMPL_ENV, "fast")
    with pytest.raises(ValueError, match="GENJAX_CONV_IMPL='fast'"):
        gnn.resolve_conv_impl()
    with pytest.raises(ValueError, match="impl='cudnn'"):
        gnn.resolve_conv_impl("cudnn")


def test_env_var_picks_the_implementation(monkeypatch):
    """With the variable set to xla, "auto" traces lax's convolution, else none."""
    x, kernel = _inputs(6, 6, 4)

    def has_conv():
        jaxpr = jax.make_jaxpr(lambda x, k: gnn.conv2d(x, k, 2))(x, kernel)
        return "conv_general_dilated" in str(jaxpr)

    monkeypatch.setenv(gnn.CONV_IMPL_ENV, "xla")
    assert has_conv()
    monkeypatch.setenv(gnn.CONV_IMPL_ENV, "matmul")
    assert not has_conv()


def test_bad_arguments():
    x, kernel = _inputs(3, 3, 4)
    with pytest.raises(ValueError, match="padding='FULL'"):
        gnn.conv2d(x, kernel, 2, "FULL", impl="matmul")
    with pytest.raises(ValueError, match="input size 3 < kernel size 4"):
        gnn.conv2d(x, kernel, 2, "VALID", impl="xla")
    with pytest.raises(ValueError, match="NHWC and HWIO"):
        gnn.conv2d(x, kernel[:, :, :2], 1)
    with pytest.raises(ValueError, match="stride=0"):
        gnn.conv2d(x, kernel, 0)


def test_space_to_depth_inverts_depth_to_space():
    x = jnp.arange(2 * 4 * 6 * 3.0).reshape(2, 4, 6, 3)
    np.testing.assert_array_equal(gnn.depth_to_space(gnn.space_to_depth(x)), x)
    assert gnn.space_to_depth(x).shape == (2, 2, 3, 12)


MODULE_PAIRS = [  # (ours, the flax module it replaces, input shape)
    (gnn.StridedConv(6), nn.Conv(6, (4, 4), strides=(2, 2), padding="SAME", use_bias=False),
     (3, 7, 7, 2)),
    (gnn.StridedConvTranspose(6),
     nn.ConvTranspose(6, (4, 4), strides=(2, 2), padding="SAME", use_bias=False), (3, 7, 5, 2)),
    (gnn.Conv(2, 4), nn.Conv(2, (4, 4), padding="SAME"), (3, 6, 6, 9)),
    (gnn.Conv(6, 3, use_bias=False), nn.Conv(6, (3, 3), padding="SAME", use_bias=False),
     (3, 6, 6, 2)),
]  # fmt: skip


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("index", range(len(MODULE_PAIRS)))
def test_modules_match_flax(index, impl):
    """Same parameter tree, initialiser and outputs as the flax module each replaces,
    so checkpoints written with either load into the other."""
    ours, theirs, shape = MODULE_PAIRS[index]
    ours = ours.clone(impl=impl)
    x = jax.random.normal(jax.random.key(5), shape)
    p_ours, p_theirs = ours.init(jax.random.key(6), x), theirs.init(jax.random.key(6), x)
    assert jax.tree.map(jnp.shape, p_ours) == jax.tree.map(jnp.shape, p_theirs)
    jax.tree.map(np.testing.assert_array_equal, p_ours, p_theirs)
    # A non-zero bias, so that a dropped one would show.
    p = jax.tree.map(lambda a: a + 0.1 if a.ndim == 1 else a, p_ours)
    np.testing.assert_allclose(ours.apply(p, x), theirs.apply(p, x), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(  # slow: test_modules_match_flax checks each module in both
    "upsampling", [pytest.param("transpose", marks=SLOW), pytest.param("pixel_shuffle", marks=SLOW),
                   pytest.param("resize", marks=SLOW)]
)  # fmt: skip
def test_networks_agree_across_implementations(upsampling):
    """Encoder and decoder: the same variables give the same outputs and batch-norm
    updates with either implementation."""
    x = jax.random.uniform(jax.random.key(0), (3, 16, 16, 1), jnp.float64)
    z = jax.random.normal(jax.random.key(1), (3, 4), jnp.float64)
    for module, inputs in [
        (gnn.ConvEncoder(features=4, channels=(4, 8)), x),
        (gnn.ConvDecoder(output_shape=(16, 16, 1), channels=(8, 4), upsampling=upsampling), z),
    ]:
        variables = module.init(jax.random.key(2), inputs)
        outs = [
            module.clone(impl=impl).apply(variables, inputs, train=True, mutable=["batch_stats"])
            for impl in IMPLS
        ]
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9), *outs)


def test_network_rejects_unknown_impl():
    with pytest.raises(ValueError, match="impl='fast'"):
        gnn.ConvEncoder(features=2, channels=(4,), impl="fast").init(
            jax.random.key(0), jnp.ones((1, 8, 8, 1))
        )
