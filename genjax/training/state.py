"""The training state: one pytree that a checkpoint holds in full.

Everything a resumed run needs to continue bit-for-bit lives here (the step
counter drives both the data order and the PRNG keys), and nothing else: the
model and the optimisers are rebuilt from the config.

The examples here use a tiny MLP autoencoder on 4-dimensional data::

    config = default_model_config("ae")
    config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    model = build_model(config, input_shape=(4,))     # players ("autoencoder",)
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import optax
from flax import struct

from genjax.models.base import Model, ModelState, Params, PyTree


class TrainState(struct.PyTreeNode):
    """Step counter, parameters, non-trained variables and one optimiser state per player.

    Attributes:
        step: int32 scalar, the number of completed training steps.
        params: ``{network: tree}``, as returned by ``model.init``.
        model_state: ``{network: tree}`` of non-trained variables (batch statistics).
        opt_states: ``{player: optax state}`` over that player's networks only.

    A pytree (`flax.struct.PyTreeNode`): ``jax.tree.map``, ``jit`` and Orbax see
    its arrays; ``state.replace(step=...)`` makes a modified copy.

    >>> state = TrainState(step=jnp.int32(3), params={"w": jnp.ones(2)},
    ...                    model_state={}, opt_states={})
    >>> [x.shape for x in jax.tree.leaves(state)], int(state.replace(step=4).step)
    ([(), (2,)], 4)
    """

    step: jax.Array
    params: Params
    model_state: ModelState
    opt_states: dict[str, PyTree]


def player_params(params: Params, networks: tuple[str, ...]) -> Params:
    """The sub-dict of ``params`` that one player's optimiser owns.

    >>> params = {"encoder": 1, "decoder": 2, "critic": 3}
    >>> player_params(params, ("encoder", "decoder"))
    {'encoder': 1, 'decoder': 2}
    """
    return {name: params[name] for name in networks}


def check_players(model: Model, optimizers: Mapping[str, optax.GradientTransformation]) -> None:
    """Raise ``ValueError`` naming any player without an optimiser (or vice versa)."""
    missing = [p for p in model.players if p not in optimizers]
    unused = [p for p in optimizers if p not in model.players]
    if missing or unused:
        raise ValueError(
            f"optimizers must have one entry per player {tuple(model.players)}; "
            f"missing {missing}, not players {unused}"
        )


def init_train_state(
    model: Model,
    optimizers: Mapping[str, optax.GradientTransformation],
    key: jax.Array,
    x: jax.Array,
) -> TrainState:
    """Fresh state at step 0 from ``model.init(key, x)``; ``x: [b, *input_shape]``.

    ``optimizers`` holds one optax transformation per player in
    ``model.players``; each player's state covers its networks only. Raises
    ``ValueError`` naming a missing or extra player.

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-3)}
    >>> init = jax.jit(lambda key, x: init_train_state(model, optimizers, key, x))
    >>> state = jax.eval_shape(init, jax.random.key(0), jnp.zeros((16, 4)))  # shapes
    >>> state.step.shape, state.params["encoder"]["Dense_0"]["kernel"].shape
    ((), (4, 8))
    >>> sorted(state.opt_states), state.model_state        # one optimiser; no batch norm
    (['autoencoder'], {'decoder': {}, 'encoder': {}})
    """
    check_players(model, optimizers)
    params, model_state = model.init(key, x)
    opt_states = {
        player: optimizers[player].init(player_params(params, model.player_networks[player]))
        for player in model.players
    }
    return TrainState(
        step=jnp.zeros((), jnp.int32),
        params=params,
        model_state=model_state,
        opt_states=opt_states,
    )
