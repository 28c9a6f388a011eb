"""Two-stage VAE: the phase switch on the state's step counter, the second stage's loss
by hand, sampling through it, and a run that resumes correctly when stopped in either
phase."""

import dataclasses

import jax
import numpy as np
import optax
import pytest

from genjax.models import build_model
from genjax.models.autoencoders._densities import COUNTER
from genjax.training import train_and_evaluate
from genjax.training.state import init_train_state, player_params
from genjax.training.step import train_step
from tests.models.helpers import (
    MLP_SHAPE,
    batch,
    np_mlp,
    np_normal,
    tiny_config,
    tiny_model,
    tiny_setup,
)
from tests.training.tiny import tiny_config as trainer_config
from tests.training.tiny import tiny_data


def _at(state, step):
    return {**state, COUNTER: {"step": np.int32(step)}}


def test_phases_follow_the_counter():
    model, params, state = tiny_setup("two_stage_vae", phase1_steps=5)
    x, key = batch(MLP_SHAPE), jax.random.key(1)

    def grads(player, state):
        own = {n: params[n] for n in model.player_networks[player]}
        g, (metrics, new_state) = jax.grad(
            lambda own: model.loss(player, {**params, **own}, state, x, key), has_aux=True
        )(own)
        norm = float(np.sqrt(sum(np.sum(np.square(v)) for v in jax.tree.leaves(g))))
        return norm, metrics, new_state

    norm, metrics, new_state = grads("stage1", _at(state, 4))
    assert norm > 0 and float(metrics["phase"]) == 1.0
    assert int(new_state[COUNTER]["step"]) == 4  # stage 1 reads, stage 2 counts
    norm, metrics, _ = grads("stage1", _at(state, 5))
    assert norm == 0.0 and float(metrics["loss"]) == 0.0 and float(metrics["phase"]) == 2.0
    assert metrics["rec"] > 0  # the terms are still reported
    for step in (0, 5):
        norm, _, new_state = grads("stage2", _at(state, step))
        assert norm > 0 and int(new_state[COUNTER]["step"]) == step + 1


def test_stage1_stays_exactly_where_phase1_left_it():
    """In phase 2 the trainer keeps stage 1's parameters and Adam state exactly as they
    were while stage 2 trains on; without the freeze (a zero gradient only), Adam's
    momentum keeps moving stage 1, so this test can fail."""
    model = tiny_model("two_stage_vae", phase1_steps=2)
    unfrozen = type("Unfrozen", (type(model),), {"frozen": None})(
        **{f.name: getattr(model, f.name) for f in dataclasses.fields(model)}
    )
    optimizers = {p: optax.adam(1e-2) for p in model.players}
    x = batch(MLP_SHAPE)

    def run(model):
        """Each player's (parameters, optimiser state) after steps 1..5."""
        state = init_train_state(model, optimizers, jax.random.key(0), x)
        step = jax.jit(lambda s: train_step(model, optimizers, s, x, jax.random.key(1)))
        trace = []
        for _ in range(5):
            state, _ = step(state)
            trace.append({p: (player_params(state.params, model.player_networks[p]),
                              state.opt_states[p]) for p in model.players})  # fmt: skip
        return trace

    def same(a, b):
        pairs = zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
        return all(np.array_equal(u, v) for u, v in pairs)

    frozen, moving = run(model), run(unfrozen)
    # After step 2 (the last of phase 1) and step 5 (three steps into phase 2):
    assert same(frozen[4]["stage1"], frozen[1]["stage1"])
    assert not same(frozen[4]["stage2"], frozen[1]["stage2"])
    assert not same(moving[4]["stage1"][0], moving[1]["stage1"][0])
    assert same(moving[1], frozen[1])  # phase 1 is the same either way


def test_stage2_loss_by_hand_and_sampling():
    model, params, state = tiny_setup("two_stage_vae")
    x, key = batch(MLP_SHAPE), jax.random.key(3)
    loss, (metrics, _) = model.loss("stage2", params, state, x, key)
    k_codes, k_2 = jax.random.split(key)
    h = np_mlp(params["encoder"], x)
    u = h[:, :3] + np.exp(0.5 * h[:, 3:]) * np_normal(k_codes, (6, 3))
    h2 = np_mlp(params["encoder2"], u)
    mean, log_var = h2[:, :3], h2[:, 3:]
    z = mean + np.exp(0.5 * log_var) * np_normal(k_2, (6, 3))
    u_hat = np_mlp(params["decoder2"], z)
    g = float(params["likelihood2"]["log_var"])
    rec = np.mean(np.sum(0.5 * ((u - u_hat) ** 2 / np.exp(g) + g + np.log(2 * np.pi)), 1))
    kl = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, 1))
    np.testing.assert_allclose(metrics["rec"], rec, rtol=1e-4)
    np.testing.assert_allclose(loss, rec + kl, rtol=1e-4)
    codes = model.sample_codes(params, state, jax.random.key(4), 5)
    k_z, k_eps = jax.random.split(jax.random.key(4))
    expected = np_mlp(params["decoder2"], np_normal(k_z, (5, 3))) + np.exp(0.5 * g) * np_normal(
        k_eps, (5, 3)
    )
    np.testing.assert_allclose(codes, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_resumes_in_either_phase(tmp_path):
    """Stopped at step 4 (phase 1), then at 12 (phase 2), of 16 (phase 1 = 8 steps), the
    reruns match an uninterrupted run exactly, step counter included."""
    config = tiny_config("two_stage_vae", phase1_steps=8, stage2_hidden=(8,))
    model = build_model(config, (8, 8, 1))
    data = tiny_data(n_train=128, n_test=32)

    def run(workdir, num_steps):
        config = trainer_config(model.players, num_steps=num_steps)
        return train_and_evaluate(config, str(tmp_path / workdir), model=model, dataset=data)[0]

    straight = run("a", 16)
    assert int(straight.model_state[COUNTER]["step"]) == 16
    assert int(run("b", 4).model_state[COUNTER]["step"]) == 4
    assert int(run("b", 12).model_state[COUNTER]["step"]) == 12
    resumed = run("b", 16)
    jax.tree.map(np.testing.assert_array_equal, straight.params, resumed.params)
    jax.tree.map(np.testing.assert_array_equal, straight.model_state, resumed.model_state)
