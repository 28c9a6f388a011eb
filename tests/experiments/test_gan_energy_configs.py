"""The configs of EBGAN, BEGAN, InfoGAN, GMMN and MMD-GAN build their model and optimisers
and run a few jitted steps (genjax.training.step.make_multi_step) on tiny random images,
with narrower networks so that each compiles in seconds."""

import importlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from genjax.models import build_model
from genjax.training.optim import make_optimizers
from genjax.training.state import init_train_state
from genjax.training.step import batches_per_step, make_multi_step

NAMES = ["ebgan", "began", "infogan", "gmmn", "mmd_gan"]


@pytest.mark.slow  # tests/experiments/test_configs.py trains each of these configs
@pytest.mark.parametrize("name", NAMES)
def test_config_runs_a_few_jitted_steps(name):
    module = importlib.import_module(f"experiments.{name}")
    assert f"python -m experiments.run --config=experiments/{name}.py" in module.__doc__
    config = module.get_config()
    assert config.model.name == name and config.data.source == "fashion_mnist"
    narrow = {"decoder_hidden": (16,), "encoder_hidden": (16,), "critic_hidden": (16,)}
    for field, value in narrow.items():
        if field in config.model:
            config.model[field] = value
    if name == "mmd_gan":
        config.model.warmup_critic_updates = 7  # the schedule's shape, fewer batches
    shape = (28, 28, 1)
    model = build_model(config.model, shape)
    optimizers = make_optimizers(config.optim, tuple(model.players), config.train.num_steps)
    k, u, b = 2, batches_per_step(model), 8
    xs = jnp.asarray(np.random.default_rng(0).random((k * u, b, *shape), dtype=np.float32))
    state = init_train_state(model, optimizers, jax.random.key(0), xs[0])
    state, metrics = make_multi_step(model, optimizers)(state, xs, jax.random.key(1))
    assert int(state.step) == k
    assert all(np.all(np.isfinite(v)) for v in metrics.values()), metrics
    assert all(v.shape == (k,) for v in metrics.values())
    assert model.sample(state.params, state.model_state, jax.random.key(2), 3).shape == (3, *shape)
    if name == "mmd_gan":
        encoder = jax.tree.leaves(state.params["critic"]["encoder"])
        assert max(float(jnp.max(jnp.abs(p))) for p in encoder) <= 0.01 + 1e-7
    if name == "began":
        assert 0.0 <= float(state.model_state["control"]["k"]) <= 1.0
