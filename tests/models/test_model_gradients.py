"""Every registered model's gradient, for every player, against central finite
differences in float64, through the loss the trainer differentiates.

A model gets this check by being registered (`genjax.models.MODEL_NAMES`): the tiny MLP
of `tests.models.helpers.tiny_config`, random parameters, a fixed key (so the loss is a
deterministic function of the parameters), and directional derivatives along random
directions. Central differences in float64 are accurate to ~1e-9 relative here, so a
derivative that is 1% wrong in any term that moves the loss fails: the tolerance is
1e-6 of the derivative's scale. RAE's gradient penalty (a second derivative) and the
GANs' gradient penalties are covered, as they are part of the losses.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from genjax.models import MODEL_NAMES
from tests.models.helpers import MLP_SHAPE, random_variables, tiny_model

EPS = 1e-6
RTOL = 1e-6
NUM_DIRECTIONS = 2


def _players():
    return [(name, player) for name in MODEL_NAMES for player in tiny_model(name).players]


def _to64(tree):
    return jax.tree.map(lambda a: jnp.asarray(np.asarray(a, np.float64)), tree)


def assert_player_gradient_matches_finite_differences(model, player, params, state, x, key):
    """The shared check: ``d/dt loss(own + t v)`` at 0 by reverse mode against
    ``(loss(own + ε v) - loss(own - ε v)) / 2ε`` for random unit directions ``v`` over
    the player's own networks (the others held fixed), all in float64."""
    networks = tuple(model.player_networks[player])
    own = {n: params[n] for n in networks}

    def loss(own):
        return model.loss(player, {**params, **own}, state, x, key)[0]

    value, grads = jax.jit(jax.value_and_grad(loss))(own)
    assert value.dtype == jnp.float64, f"{player} loss is {value.dtype}, not float64"
    leaves, treedef = jax.tree.flatten(own)
    rng = np.random.default_rng(0)
    shifted = jax.jit(lambda own, v, t: loss(jax.tree.map(lambda p, d: p + t * d, own, v)))
    for _ in range(NUM_DIRECTIONS):
        v = [rng.normal(size=np.shape(leaf)) for leaf in leaves]
        norm = np.sqrt(sum(np.sum(d * d) for d in v))
        v = jax.tree.unflatten(treedef, [jnp.asarray(d / norm) for d in v])
        analytic = sum(
            float(jnp.vdot(g, d))
            for g, d in zip(jax.tree.leaves(grads), jax.tree.leaves(v), strict=True)
        )
        numeric = (float(shifted(own, v, EPS)) - float(shifted(own, v, -EPS))) / (2 * EPS)
        grad_norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in jax.tree.leaves(grads))))
        scale = max(abs(analytic), 1e-3 * grad_norm)
        assert abs(analytic - numeric) <= RTOL * scale + 1e-9, (
            f"{player}: directional derivative {analytic!r} (reverse mode) vs {numeric!r} "
            "(central differences)"
        )


@pytest.mark.parametrize("name, player", _players())
def test_gradient_matches_finite_differences(name, player):
    with jax.enable_x64(True):
        model = tiny_model(name)
        x = jnp.asarray(np.random.default_rng(1).random((6, *MLP_SHAPE)))
        params, state = random_variables(model, x.astype(jnp.float32), seed=2)
        params, state = _to64(params), _to64(state)
        assert_player_gradient_matches_finite_differences(
            model, player, params, state, x, jax.random.key(5)
        )
