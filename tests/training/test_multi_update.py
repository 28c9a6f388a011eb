"""A player with several updates per step (a WGAN critic's n_critic, with a schedule):
each update sees its own batch and its own key, all inside one jitted step, and the
plain, stacked and on-device-indexed paths agree."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from genjax.training.state import init_train_state
from genjax.training.step import (
    batches_per_step,
    indexed_multi_step,
    make_multi_step,
    multi_step,
    player_updates,
    train_step,
)


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class Recorder:
    """Two players; the critic's loss is linear in its parameter ``c`` with slope
    ``mean(x) + u``, ``u`` a uniform drawn from its key, so SGD at rate 1 leaves in
    ``c`` minus the sum of the slopes it saw; ``seen_*`` count the updates."""

    n_critic: int = 3
    schedule: tuple[int, ...] | None = None  # updates at step 0, 1, ... (then the last)
    latent_dim: int = 1
    input_shape: tuple = (2,)
    players = ("critic", "generator")
    player_networks = {"critic": ("critic",), "generator": ("generator",)}

    @property
    def player_updates(self):
        return {"critic": self.n_critic}

    def num_updates(self, player, step):
        if self.schedule is None or player != "critic":
            return self.player_updates.get(player, 1)
        table = jnp.asarray(self.schedule, jnp.int32)
        return table[jnp.minimum(step, len(self.schedule) - 1)]

    def init(self, key, x):
        del key, x
        return {"critic": jnp.zeros(()), "generator": jnp.zeros(())}, {}

    def loss(self, player, params, state, x, key):
        u = jax.random.uniform(key)
        slope = jnp.mean(x) + u
        if player == "critic":
            return params["critic"] * slope, ({"slope": slope, "u": u}, state)
        return params["generator"] * slope, ({"slope": slope}, state)

    def sample(self, params, state, key, n):
        return jnp.zeros((n, 2))

    def evaluate(self, params, state, x, key):
        return {}


SGD = {"critic": optax.sgd(1.0), "generator": optax.sgd(1.0)}
BASE_KEY = jax.random.key(3)


def _expected_critic(model, xs_per_step, num_steps):
    """The critic's parameter after ``num_steps`` steps, from the documented keys."""
    c = 0.0
    for t in range(num_steps):
        step_key = jax.random.fold_in(jax.random.fold_in(BASE_KEY, t), 0)
        n = (
            model.n_critic
            if model.schedule is None
            else model.schedule[min(t, len(model.schedule) - 1)]
        )
        for j in range(n):
            u = float(jax.random.uniform(jax.random.fold_in(step_key, j)))
            c -= float(np.mean(xs_per_step[t][j])) + u
    return c


def _batches(model, num_steps, seed=0):
    rng = np.random.default_rng(seed)
    u = batches_per_step(model)
    return rng.normal(size=(num_steps, u, 4, 2)).astype(np.float32)  # [t, u, b, d]


@pytest.mark.parametrize("model", [Recorder(3), Recorder(4, schedule=(4, 1, 2))])
def test_each_critic_update_sees_its_own_batch_and_key(model):
    assert player_updates(model) == {"critic": model.n_critic, "generator": 1}
    xs = _batches(model, 3)
    state = init_train_state(model, SGD, jax.random.key(0), xs[0, 0])
    for t in range(3):
        state, metrics = train_step(model, SGD, state, jnp.asarray(xs[t]), BASE_KEY)
    np.testing.assert_allclose(
        float(state.params["critic"]), _expected_critic(model, xs, 3), rtol=1e-5
    )
    # The generator's one update reads batch 0 with key fold_in(step_key, 1).
    last_key = jax.random.fold_in(jax.random.fold_in(BASE_KEY, 2), 1)
    expected_slope = float(np.mean(xs[2][0])) + float(jax.random.uniform(last_key))
    np.testing.assert_allclose(float(metrics["generator/slope"]), expected_slope, rtol=1e-5)


def test_n_updates_differ_and_plain_stacked_indexed_agree():
    model = Recorder(3, schedule=(3, 1))
    xs = _batches(model, 4)  # [4, 3, 4, 2]
    init = init_train_state(model, SGD, jax.random.key(0), xs[0, 0])
    # A one-update critic would see the same slope; three updates see three different
    # batches and keys: their slopes differ.
    state, metrics = train_step(model, SGD, init, jnp.asarray(xs[0]), BASE_KEY)
    key0 = jax.random.fold_in(jax.random.fold_in(BASE_KEY, 0), 0)
    slopes = [float(np.mean(xs[0][j])) + float(jax.random.uniform(jax.random.fold_in(key0, j)))
              for j in range(3)]  # fmt: skip
    assert len(set(np.round(slopes, 6))) == 3
    np.testing.assert_allclose(float(metrics["critic/slope"]), slopes[-1], rtol=1e-5)

    flat = jnp.asarray(xs.reshape(12, 4, 2))  # [k·u, b, d]
    stacked, m_stacked = jax.jit(lambda s, x: multi_step(model, SGD, s, x, BASE_KEY))(init, flat)
    x_all = jnp.asarray(xs.reshape(48, 2))
    idx = jnp.arange(48, dtype=jnp.int32).reshape(12, 4)
    indexed, m_indexed = jax.jit(
        lambda s, i: indexed_multi_step(model, SGD, s, x_all, i, BASE_KEY)
    )(init, idx)
    expected = _expected_critic(model, xs, 4)
    for got in (stacked, indexed):
        assert int(got.step) == 4
        np.testing.assert_allclose(float(got.params["critic"]), expected, rtol=1e-5)
    np.testing.assert_allclose(m_stacked["critic/slope"], m_indexed["critic/slope"], rtol=1e-6)


def test_multi_update_step_compiles_once_and_splits_into_chunks():
    model = Recorder(2)
    xs = _batches(model, 4)
    init = init_train_state(model, SGD, jax.random.key(0), xs[0, 0])
    step = make_multi_step(model, SGD)
    # Two chunks of two steps equal one chunk of four (resume determinism's premise).
    state = jax.tree.map(jnp.array, init)
    for c in range(2):
        state, _ = step(state, jnp.asarray(xs[2 * c : 2 * c + 2].reshape(4, 4, 2)), BASE_KEY)
    whole, _ = make_multi_step(model, SGD)(
        jax.tree.map(jnp.array, init), jnp.asarray(xs.reshape(8, 4, 2)), BASE_KEY
    )
    np.testing.assert_allclose(float(state.params["critic"]), float(whole.params["critic"]),
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(
        float(whole.params["critic"]), _expected_critic(model, xs, 4), rtol=1e-5
    )
