"""One generic, jitted training update for a model with any number of players.

For each player in ``model.players`` order: differentiate
``model.loss(player, ...)`` with respect to that player's networks only, apply
its own optax update, and let the next player see the new parameters (the
alternating updates of WAE-GAN and AAE). Per-step keys are
``fold_in(fold_in(base_key, step), player_index)``, so the randomness of a
step depends on nothing but the seed and the step: a resumed run repeats an
uninterrupted one.

``make_multi_step`` runs ``k`` such updates per dispatch under ``lax.scan``
over a stacked ``[k, b, ...]`` batch, which saves ``k - 1`` Python dispatches
and host syncs per call (see `default_steps_per_dispatch` and
``benchmarks/train_throughput.py`` for when that pays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import optax
from jax.sharding import Mesh

from genjax.models.base import Metrics, Model
from genjax.training.sharding import batch_sharding, replicated
from genjax.training.state import TrainState, check_players, player_params

StepFn = Callable[[TrainState, jax.Array, jax.Array], tuple[TrainState, Metrics]]


def metric_name(model: Model, player: str, term: str) -> str:
    """``term`` for a one-player model, ``player/term`` when there are several."""
    return f"{player}/{term}" if len(model.players) > 1 else term


def train_step(
    model: Model,
    optimizers: Mapping[str, optax.GradientTransformation],
    state: TrainState,
    x: jax.Array,
    base_key: jax.Array,
) -> tuple[TrainState, Metrics]:
    """One update of every player on batch ``x: [b, *input_shape]`` (not jitted).

    Returns the new state and float32 scalar metrics: each player's ``loss``
    and the terms its loss reports, named by ``metric_name``.
    """
    step_key = jax.random.fold_in(base_key, state.step)
    params, model_state = state.params, state.model_state
    opt_states = dict(state.opt_states)
    metrics: Metrics = {}
    for index, player in enumerate(model.players):
        networks = tuple(model.player_networks[player])
        key = jax.random.fold_in(step_key, index)

        # Bind the loop variables now: the closure is traced inside this iteration.
        def loss_fn(own, params=params, model_state=model_state, player=player, key=key):
            return model.loss(player, {**params, **own}, model_state, x, key)

        own = player_params(params, networks)
        (loss, (terms, new_model_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(own)
        updates, opt_states[player] = optimizers[player].update(grads, opt_states[player], own)
        params = {**params, **optax.apply_updates(own, updates)}
        # A loss may return the state of the networks it ran only.
        model_state = {**model_state, **new_model_state}
        for term, value in {"loss": loss, **terms}.items():
            metrics[metric_name(model, player, term)] = jnp.asarray(value, jnp.float32)
    new_state = state.replace(
        step=state.step + 1, params=params, model_state=model_state, opt_states=opt_states
    )
    return new_state, metrics


def multi_step(
    model: Model,
    optimizers: Mapping[str, optax.GradientTransformation],
    state: TrainState,
    xs: jax.Array,
    base_key: jax.Array,
) -> tuple[TrainState, Metrics]:
    """``k`` updates on stacked batches ``xs: [k, b, *input_shape]``; metrics are ``[k]``.

    ``k = 1`` is a plain `train_step`, not a scan of length one: XLA:CPU runs
    convolutions inside a loop ~35x slower than outside one (measured here), so conv
    models on a CPU train one step per dispatch (see `default_steps_per_dispatch`).
    """
    if xs.shape[0] == 1:
        state, metrics = train_step(model, optimizers, state, xs[0], base_key)
        return state, jax.tree.map(lambda v: v[None], metrics)

    def body(state, x):
        return train_step(model, optimizers, state, x, base_key)

    return jax.lax.scan(body, state, xs)


def default_steps_per_dispatch(
    network: str | None, backend: str | None = None, conv_impl: str = "auto"
) -> int:
    """Updates per jitted call when the config leaves it to the trainer (0).

    25 saves 24 Python dispatches and host syncs per call. For the small MLPs on a
    2-core CPU that is worth 10-25% over 1, and it brings the host's share of the
    loop from ~5.5% (at 10) to ~2% (benchmarks/train_throughput.py); it is harmless
    elsewhere. Conv networks get 25 too, now that a CPU computes their convolutions as
    matrix products (`genjax.nn.conv_impl`): the DCGAN-style AE at channels 32-64-128
    ran 0.63 steps/s at 5 per dispatch against 0.45 at 1, at 128-256-512-1024 0.0245
    against 0.0238 (a heavily loaded 2-core CPU). Only
    XLA's own convolution on a CPU (``conv_impl="xla"``, or ``"auto"`` with
    ``GENJAX_CONV_IMPL=xla``), which runs ~35x slower inside ``lax.scan``, gets 1.
    """
    from genjax.nn import resolve_conv_impl  # only for conv networks

    backend = jax.default_backend() if backend is None else backend
    if network == "conv" and resolve_conv_impl(conv_impl, backend) == "xla" and backend == "cpu":
        return 1
    return 25


def indexed_multi_step(model, optimizers, state, x_all, idx, base_key):
    """`multi_step` on ``x_all[idx]``: ``x_all: [n, *input_shape]`` (the training set,
    on device) and ``idx: [k, b]`` int32 rows. Gathering on the device saves the host
    a gather, a stack and a transfer per step, which on a small CPU competes with the
    step itself; the batches, and so the results, are the same."""
    return multi_step(model, optimizers, state, x_all[idx], base_key)


def make_indexed_multi_step(model, optimizers, *, mesh: Mesh | None = None):
    """Jitted ``(state, x_all [n, ...], idx [k, b], base_key) -> (state, metrics [k])``
    (see `indexed_multi_step`), donating ``state``; with ``mesh``, ``x_all`` is
    replicated and ``idx`` split over ``data`` along ``b``."""
    check_players(model, optimizers)

    def step(state, x_all, idx, base_key):
        return indexed_multi_step(model, optimizers, state, x_all, idx, base_key)

    return _jit_donating(
        step, mesh, lambda rep: (rep, rep, batch_sharding(mesh, stacked=True), rep)
    )


def _jit_donating(step, mesh: Mesh | None, in_shardings):
    """``jax.jit(step)`` donating the state (argument 0); with ``mesh``, inputs laid out
    by ``in_shardings(replicated)`` and both outputs (state, metrics) replicated."""
    if mesh is None:
        return jax.jit(step, donate_argnums=0)
    rep = replicated(mesh)
    return jax.jit(step, donate_argnums=0, in_shardings=in_shardings(rep), out_shardings=(rep, rep))


def _jit(fn, model, optimizers, mesh: Mesh | None, stacked: bool) -> StepFn:
    check_players(model, optimizers)

    def step(state, x, base_key):
        return fn(model, optimizers, state, x, base_key)

    return _jit_donating(step, mesh, lambda rep: (rep, batch_sharding(mesh, stacked=stacked), rep))


def make_train_step(model, optimizers, *, mesh: Mesh | None = None) -> StepFn:
    """Jitted ``(state, x [b, ...], base_key) -> (state, metrics)``; ``state`` is donated.

    With ``mesh``, the state is replicated and ``x`` split over ``data``
    (``b`` must be a multiple of the number of devices).
    """
    return _jit(train_step, model, optimizers, mesh, stacked=False)


def make_multi_step(model, optimizers, *, mesh: Mesh | None = None) -> StepFn:
    """Jitted ``(state, xs [k, b, ...], base_key) -> (state, metrics [k])``, donating
    ``state``; it compiles once per distinct ``k``."""
    return _jit(multi_step, model, optimizers, mesh, stacked=True)
