"""The generic jitted update: players, keys, scan, donation, sharding."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from experiments.common import CADENCE_QUANTUM
from genjax.training import (
    default_steps_per_dispatch,
    init_train_state,
    make_multi_step,
    make_train_step,
    player_params,
)
from tests.training.tiny import TinyAdversarial, TinyAE, tiny_data

BASE_KEY = jax.random.PRNGKey(42)


def _setup(model, lrs=None, batch=16):
    lrs = lrs or {}
    optimizers = {p: optax.adam(lrs.get(p, 1e-2)) for p in model.players}
    x = jnp.asarray(tiny_data().train[:batch])
    state = init_train_state(model, optimizers, jax.random.PRNGKey(0), x)
    return optimizers, state, x


def _allclose(a, b, rtol=1e-5, atol=1e-6):
    jax.tree.map(
        lambda u, v: np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=rtol, atol=atol),
        a,
        b,
    )


def test_one_player_trains_and_counts():
    model = TinyAE()
    optimizers, state, x = _setup(model)
    step = make_train_step(model, optimizers)
    losses = []
    for _ in range(30):
        state, metrics = step(state, x, BASE_KEY)
        losses.append(float(metrics["loss"]))
    assert set(metrics) == {"loss", "rec", "reg"}
    assert int(state.step) == 30
    assert int(state.model_state["encoder"]["calls"]) == 30  # the model state is threaded
    assert losses[-1] < 0.5 * losses[0]


def test_compiles_once_and_donates_the_state():
    traces = []

    class Counting(TinyAE):
        def loss(self, *args):
            traces.append(1)  # runs only while tracing
            return super().loss(*args)

    model = Counting()
    optimizers, state, _ = _setup(model)
    step = make_train_step(model, optimizers)
    data = tiny_data().train
    for i in range(3):
        old = state
        state, _ = step(state, jnp.asarray(data[16 * i : 16 * (i + 1)]), BASE_KEY)
        assert all(leaf.is_deleted() for leaf in jax.tree.leaves(old.params))
    assert len(traces) == 1


def test_scan_of_k_steps_matches_k_single_steps():
    model = TinyAE()
    optimizers, state_a, _ = _setup(model)
    _, state_b, _ = _setup(model)
    xs = jnp.asarray(tiny_data().train[:64]).reshape(4, 16, *model.input_shape)
    single = make_train_step(model, optimizers)
    per_step = []
    for x in xs:
        state_a, m = single(state_a, x, BASE_KEY)
        per_step.append(m)
    state_b, stacked = make_multi_step(model, optimizers)(state_b, xs, BASE_KEY)
    assert stacked["loss"].shape == (4,)
    _allclose(state_a.params, state_b.params)
    _allclose(jax.tree.map(lambda *v: jnp.stack(v), *per_step), stacked)
    assert int(state_b.step) == 4


def test_one_step_per_dispatch_is_a_plain_step_and_the_default_rule():
    model = TinyAE()
    optimizers, state_a, x = _setup(model)
    _, state_b, _ = _setup(model)
    state_a, m_a = make_train_step(model, optimizers)(state_a, x, BASE_KEY)
    state_b, m_b = make_multi_step(model, optimizers)(state_b, x[None], BASE_KEY)
    assert m_b["loss"].shape == (1,)
    _allclose(state_a.params, state_b.params)


@pytest.mark.parametrize("network", ["mlp", "conv"])
@pytest.mark.parametrize("backend", ["cpu", "gpu", "tpu"])
def test_default_steps_per_dispatch_keeps_events_on_chunk_boundaries(network, backend):
    # Cadences are multiples of CADENCE_QUANTUM so that logging, evaluation and
    # checkpoints fall on chunk boundaries (experiments/common.py); the default chunk
    # length must divide it, whatever value the speed measurements pick.
    for conv_impl in ("auto", "xla", "matmul"):
        k = default_steps_per_dispatch(network, backend, conv_impl=conv_impl)
        assert isinstance(k, int) and k >= 1 and CADENCE_QUANTUM % k == 0
    # XLA:CPU's own convs are slow in a scan; the CPU's default matmul convs are not.
    assert default_steps_per_dispatch("conv", "cpu", conv_impl="xla") == 1


def test_keys_depend_on_seed_and_step_only():
    """The step's key is fold_in(fold_in(base_key, step), player): recomputed by hand."""
    model = TinyAE()
    optimizers, state, x = _setup(model)
    train_step = make_train_step(model, optimizers)

    def rec(step, base_key):
        s = jax.tree.map(jnp.copy, state).replace(step=jnp.int32(step))
        return float(train_step(s, x, base_key)[1]["rec"])

    def by_hand(step, base_key):
        key = jax.random.fold_in(jax.random.fold_in(base_key, step), 0)  # player 0
        _, (terms, _) = model.loss("autoencoder", state.params, state.model_state, x, key)
        return float(terms["rec"])

    other_seed = jax.random.PRNGKey(7)
    for step, key in [(5, BASE_KEY), (6, BASE_KEY), (5, other_seed)]:
        np.testing.assert_allclose(rec(step, key), by_hand(step, key), rtol=1e-6)
    assert rec(5, BASE_KEY) == rec(5, BASE_KEY)  # same seed and step: the same noise
    assert rec(5, BASE_KEY) != rec(6, BASE_KEY)  # another step
    assert rec(5, BASE_KEY) != rec(5, other_seed)  # another seed
    # Nothing else: a state with other optimiser moments and model state, at the same
    # step, draws the same noise (same params, so the same rec).
    moved = jax.tree.map(jnp.copy, state)
    for _ in range(3):
        moved, _ = train_step(moved, x, BASE_KEY)
    moved = moved.replace(step=jnp.int32(5), params=jax.tree.map(jnp.copy, state.params))
    assert float(train_step(moved, x, BASE_KEY)[1]["rec"]) == rec(5, BASE_KEY)


def test_two_players_update_in_order_each_its_own_networks():
    model = TinyAdversarial()
    optimizers, state, x = _setup(model)
    before = jax.tree.map(np.asarray, state.params)
    new_state, metrics = make_train_step(model, optimizers)(
        jax.tree.map(jnp.copy, state), x, BASE_KEY
    )
    assert set(metrics) == {
        "autoencoder/loss", "autoencoder/rec", "autoencoder/adv",
        "critic/loss", "critic/real", "critic/fake",
    }  # fmt: skip

    # Reference: the autoencoder steps first; the critic then sees its new codes.
    @jax.jit
    def reference(state, x):
        step_key = jax.random.fold_in(BASE_KEY, 0)
        own = player_params(state.params, ("encoder", "decoder"))
        grads = jax.grad(
            lambda o: model.loss(
                "autoencoder", {**state.params, **o}, {}, x, jax.random.fold_in(step_key, 0)
            )[0]
        )(own)
        updates, _ = optimizers["autoencoder"].update(grads, state.opt_states["autoencoder"], own)
        params = {**state.params, **optax.apply_updates(own, updates)}
        critic_loss, _ = model.loss("critic", params, {}, x, jax.random.fold_in(step_key, 1))
        return params, critic_loss

    params, critic_loss = reference(state, x)
    np.testing.assert_allclose(float(metrics["critic/loss"]), float(critic_loss), rtol=1e-5)
    _allclose(new_state.params["encoder"], params["encoder"])
    assert not np.allclose(
        new_state.params["critic"]["Dense_0"]["kernel"], before["critic"]["Dense_0"]["kernel"]
    )


@pytest.mark.parametrize("frozen", ["autoencoder", "critic"])
def test_a_player_moves_only_its_networks(frozen):
    model = TinyAdversarial()
    optimizers, state, x = _setup(model, lrs={frozen: 0.0})
    before = jax.tree.map(np.asarray, state.params)
    state, _ = make_train_step(model, optimizers)(state, x, BASE_KEY)
    for name in ("encoder", "decoder", "critic"):
        same = jax.tree.leaves(jax.tree.map(np.array_equal, before[name], state.params[name]))
        assert all(same) == (name in model.player_networks[frozen]), name


@pytest.mark.parametrize("model", [TinyAE(), TinyAdversarial()], ids=["one", "two"])
def test_eight_devices_match_one(mesh, model):
    """The same loss and update with the batch split over 8 fake devices."""
    optimizers, state_1, x = _setup(model)
    _, state_8, _ = _setup(model)
    state_8 = jax.device_put(state_8, NamedSharding(mesh, P()))
    single = make_train_step(model, optimizers)
    sharded = make_train_step(model, optimizers, mesh=mesh)
    x_8 = jax.device_put(x, NamedSharding(mesh, P("data")))
    for _ in range(3):
        state_1, m_1 = single(state_1, x, BASE_KEY)
        state_8, m_8 = sharded(state_8, x_8, BASE_KEY)
        jax.block_until_ready(m_8)  # bound the steps in flight on faked devices
        _allclose(m_1, m_8, rtol=1e-5, atol=1e-6)
    assert state_8.params["encoder"]["Dense_0"]["kernel"].sharding.is_fully_replicated
    _allclose(state_1.params, state_8.params, rtol=1e-5, atol=1e-6)
