"""The contract between a model and the generic trainer (`genjax.training`).

A model is a small frozen dataclass holding its flax modules and options
(static, hashable), exposing pure functions of explicit parameters:

- ``params``: ``dict[str, PyTree]``, one parameter tree per network
  (``"encoder"``, ``"decoder"``, ``"critic"``, ``"prior"``, ...).
- ``state``: ``dict[str, PyTree]``, one tree of non-trained variables per
  network (batch-norm statistics); ``{}`` for a network that has none.
- A *player* is a set of networks with its own optimiser and its own loss.
  An autoencoder has one player (``"autoencoder"``, owning encoder and
  decoder); WAE-GAN and AAE add ``"critic"``; a GAN has ``("critic",
  "generator")``. Inside one training step the players are updated in the order
  of ``players``, each against the others' latest parameters.
- A player may take several updates per step (optional ``player_updates``, e.g.
  ``{"critic": 5}``, and an optional traced schedule ``num_updates(player, step)``
  at most that, e.g. WGAN's 100 critic updates early on): update ``j`` of every
  player reads real batch ``j`` and its own key (`genjax.training.step`).
- A model may freeze a player for a while (optional traced ``frozen(player,
  model_state) -> bool``, e.g. the 2-stage VAE's first stage in phase 2): the trainer
  then keeps that player's parameters and optimiser state exactly as they were.

Two contracts: every model is a `Model` (init, loss, sample, evaluate); an
`Autoencoder` adds ``encode``/``decode``. Evaluation asks `is_autoencoder` and
reports reconstructions and latent statistics only for autoencoders, sample
quality for every model.

Every batch ``x`` is ``[b, *input_shape]``, float32, in the data's own range
(images in [0, 1]). Every function below is pure and traceable under ``jit``.
Metrics are ``dict[str, scalar]``; a loss returns each of its terms as a
metric so that a NaN can be traced to the term that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import jax

PyTree = Any
Params = dict[str, PyTree]
ModelState = dict[str, PyTree]
Metrics = dict[str, jax.Array]


class Model(Protocol):
    """What `genjax.training` needs of a model (structural typing: no base class)."""

    #: Dimension of the latent code z (an autoencoder's code, a generator's noise).
    latent_dim: int
    #: Shape of one example, without the batch axis, e.g. (28, 28, 1) or (784,).
    input_shape: tuple[int, ...]
    #: Names of the players, in the order they are updated in a step.
    players: tuple[str, ...]
    #: For each player, the networks (keys of ``params``) its optimiser updates.
    player_networks: Mapping[str, tuple[str, ...]]

    def init(self, key: jax.Array, x: jax.Array) -> tuple[Params, ModelState]:
        """Initial parameters and state, given an example batch ``x: [b, *input_shape]``."""

    def loss(
        self, player: str, params: Params, state: ModelState, x: jax.Array, key: jax.Array
    ) -> tuple[jax.Array, tuple[Metrics, ModelState]]:
        """Training loss of ``player`` on batch ``x`` (train mode: batch norm uses and
        updates batch statistics). Returns ``(scalar, (metrics, new_state))``; the
        trainer differentiates it with respect to ``params[n]`` for
        ``n in player_networks[player]`` only."""

    def sample(self, params: Params, state: ModelState, key: jax.Array, n: int) -> jax.Array:
        """``n`` samples ``[n, *input_shape]`` in data space, in eval mode."""

    def evaluate(self, params: Params, state: ModelState, x: jax.Array, key: jax.Array) -> Metrics:
        """Held-out metrics in eval mode on a batch ``x``: for an autoencoder at least
        ``rec_error`` (mean squared error per example, summed over pixels) and the
        model's own divergence on the codes; for a generator its critic's view of
        ``x`` against samples (e.g. the critic loss)."""


class Autoencoder(Model, Protocol):
    """A `Model` with an encoder and a decoder."""

    def encode(self, params: Params, state: ModelState, x: jax.Array) -> jax.Array:
        """Codes ``z: [b, latent_dim]`` in eval mode (the mean for a stochastic encoder)."""

    def decode(self, params: Params, state: ModelState, z: jax.Array) -> jax.Array:
        """Reconstructions in data space ``[b, *input_shape]`` (e.g. Bernoulli means)."""


def is_autoencoder(model) -> bool:
    """Whether ``model`` meets the `Autoencoder` contract (has ``encode`` and ``decode``)."""
    return callable(getattr(model, "encode", None)) and callable(getattr(model, "decode", None))
