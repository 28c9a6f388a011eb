"""One generic, jitted training update for a model with any number of players.

For each player in ``model.players`` order: differentiate
``model.loss(player, ...)`` with respect to that player's networks only, apply
its own optax update, and let the next player see the new parameters (the
alternating updates of WAE-GAN and AAE). Per-step keys are
``fold_in(fold_in(base_key, step), player_index)``, so the randomness of a
step depends on nothing but the seed and the step: a resumed run repeats an
uninterrupted one.

A player may take several updates per step (a WGAN critic's n_critic, with a warm-up
schedule): see `update_players` and `batches_per_step`; they run inside the one jitted
step, each on its own real batch with its own key.

``make_multi_step`` runs ``k`` such updates per dispatch under ``lax.scan``
over a stacked ``[k, b, ...]`` batch, which saves ``k - 1`` Python dispatches
and host syncs per call (see `default_steps_per_dispatch` and
``benchmarks/train_throughput.py`` for when that pays).

>>> import optax
>>> from genjax.models import build_model, default_model_config
>>> from genjax.training.state import init_train_state
>>> config = default_model_config("ae")
>>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
>>> model = build_model(config, input_shape=(4,))   # x: [b, 4] in [0, 1]
>>> optimizers = {"autoencoder": optax.adam(1e-2)}
>>> x = jax.random.uniform(jax.random.key(1), (16, 4))
>>> state = jax.jit(lambda k, x: init_train_state(model, optimizers, k, x))(
...     jax.random.key(0), x)
>>> step = make_train_step(model, optimizers)       # jitted, donates `state`
>>> state, metrics = step(state, x, jax.random.key(2))
>>> int(state.step), sorted(metrics), metrics["loss"].shape
(1, ['loss', 'rec'], ())
"""

from __future__ import annotations

import functools
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
    """``term`` for a one-player model, ``player/term`` when there are several.

    >>> class TwoPlayers: players = ("autoencoder", "critic")
    >>> metric_name(TwoPlayers(), "critic", "loss")
    'critic/loss'
    """
    return f"{player}/{term}" if len(model.players) > 1 else term


def player_updates(model: Model) -> dict[str, int]:
    """The most updates each player takes in one step (static): ``model.player_updates``
    where the model declares it (a WGAN critic: n_critic), else 1."""
    declared = getattr(model, "player_updates", None) or {}
    updates = {p: int(declared.get(p, 1)) for p in model.players}
    bad = {p: n for p, n in updates.items() if n < 1}
    if bad:
        raise ValueError(f"player_updates must be >= 1, got {bad}")
    return updates


def batches_per_step(model: Model) -> int:
    """Real batches one step consumes, ``u = max_p player_updates[p]``: update ``j`` of
    every player reads batch ``j``, so each of a critic's n updates sees its own batch
    (the generator's single update shares batch 0, which a GAN generator ignores)."""
    return max(player_updates(model).values())


def _player_update(model, optimizers, player, params, model_state, opt_state, x, key):
    """One optax update of ``player`` on batch ``x``; the others' parameters frozen.
    Where the model says ``frozen(player, model_state)`` (a traced bool), the player's
    parameters and optimiser state are left exactly as they were."""
    networks = tuple(model.player_networks[player])

    def loss_fn(own):
        return model.loss(player, {**params, **own}, model_state, x, key)

    own = player_params(params, networks)
    (loss, (terms, new_model_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(own)
    updates, new_opt_state = optimizers[player].update(grads, opt_state, own)
    new_own = optax.apply_updates(own, updates)
    frozen = getattr(model, "frozen", None)
    if frozen is not None:
        # A zero gradient is not enough: Adam's momentum would keep moving the player.
        keep = frozen(player, model_state)
        new_own, new_opt_state = jax.tree.map(
            lambda old, new: jnp.where(keep, old, new), (own, opt_state), (new_own, new_opt_state)
        )
    params, opt_state = {**params, **new_own}, new_opt_state
    # A loss may return the state of the networks it ran only.
    model_state = {**model_state, **new_model_state}
    metrics = {
        metric_name(model, player, term): jnp.asarray(value, jnp.float32)
        for term, value in {"loss": loss, **terms}.items()
    }
    return params, model_state, opt_state, metrics


def update_players(model, optimizers, state: TrainState, batch_at, base_key):
    """Every player's updates of one step; ``batch_at(j)`` is real batch ``j`` (see
    `batches_per_step`). Player ``p`` (index ``i``) takes ``n_p`` updates, where ``n_p``
    is ``model.num_updates(p, step)`` (a traced schedule, e.g. WGAN's warm-up, at most
    ``player_updates[p]``) or ``player_updates[p]``; update ``j`` uses batch ``j`` and
    key ``fold_in(fold_in(fold_in(base_key, step), i), j)`` (a single update: without
    the last fold). Several updates run in a ``lax.fori_loop`` inside the step; a
    player's metrics are those of its last update."""
    step_key = jax.random.fold_in(base_key, state.step)
    params, model_state = state.params, state.model_state
    opt_states = dict(state.opt_states)
    metrics: Metrics = {}
    max_updates = player_updates(model)
    schedule = getattr(model, "num_updates", None)
    for index, player in enumerate(model.players):
        key = jax.random.fold_in(step_key, index)
        update = functools.partial(_player_update, model, optimizers, player)
        n_max = max_updates[player]
        if n_max == 1:
            params, model_state, opt_states[player], terms = update(
                params, model_state, opt_states[player], batch_at(0), key
            )
            metrics.update(terms)
            continue
        n = n_max if schedule is None else schedule(player, state.step)
        n = jnp.clip(jnp.asarray(n, jnp.int32), 1, n_max)

        def body(j, carry, update=update, key=key):
            params, model_state, opt_state, _ = carry
            return update(params, model_state, opt_state, batch_at(j), jax.random.fold_in(key, j))

        shapes = jax.eval_shape(update, params, model_state, opt_states[player], batch_at(0), key)[
            3
        ]
        zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
        carry = (params, model_state, opt_states[player], zeros)
        params, model_state, opt_states[player], terms = jax.lax.fori_loop(0, n, body, carry)
        metrics.update(terms)
    new_state = state.replace(
        step=state.step + 1, params=params, model_state=model_state, opt_states=opt_states
    )
    return new_state, metrics


def train_step(
    model: Model,
    optimizers: Mapping[str, optax.GradientTransformation],
    state: TrainState,
    x: jax.Array,
    base_key: jax.Array,
) -> tuple[TrainState, Metrics]:
    """One update of every player (not jitted): ``x: [b, *input_shape]``, or
    ``[u, b, *input_shape]`` for a model that reads ``u = batches_per_step(model) > 1``
    batches per step (see `update_players`).

    Returns the new state and float32 scalar metrics: each player's ``loss``
    and the terms its loss reports, named by ``metric_name``. Player ``i``
    draws its randomness from ``fold_in(fold_in(base_key, state.step), i)``.
    Jit it (`make_train_step`) or call it inside a jitted function.

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-2)}
    >>> from genjax.training.state import init_train_state
    >>> state = jax.eval_shape(lambda k, x: init_train_state(model, optimizers, k, x),
    ...                        jax.random.key(0), jnp.zeros((16, 4)))
    >>> new, metrics = jax.eval_shape(
    ...     lambda s, x: train_step(model, optimizers, s, x, jax.random.key(1)),
    ...     state, jnp.zeros((16, 4)))
    >>> new.step.shape, {k: v.shape for k, v in metrics.items()}
    ((), {'loss': (), 'rec': ()})
    """
    if batches_per_step(model) == 1:
        return update_players(model, optimizers, state, lambda j: x, base_key)
    return update_players(model, optimizers, state, lambda j: x[j], base_key)


def multi_step(
    model: Model,
    optimizers: Mapping[str, optax.GradientTransformation],
    state: TrainState,
    xs: jax.Array,
    base_key: jax.Array,
) -> tuple[TrainState, Metrics]:
    """``k`` steps on stacked batches ``xs: [k·u, b, *input_shape]`` (``u`` =
    `batches_per_step`; step ``t`` reads rows ``t·u .. t·u + u - 1``); metrics are ``[k]``.

    ``k = 1`` is a plain `train_step`, not a scan of length one: XLA:CPU runs its own
    convolutions inside a loop ~35x slower than outside one (measured here), so conv
    models forced onto them on a CPU train one step per dispatch (see
    `default_steps_per_dispatch`; the default matmul convolutions do not need it).

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-2)}
    >>> from genjax.training.state import init_train_state
    >>> state = jax.eval_shape(lambda k, x: init_train_state(model, optimizers, k, x),
    ...                        jax.random.key(0), jnp.zeros((16, 4)))
    >>> new, metrics = jax.eval_shape(
    ...     lambda s, xs: multi_step(model, optimizers, s, xs, jax.random.key(1)),
    ...     state, jnp.zeros((5, 16, 4)))          # k = 5 updates of b = 16
    >>> metrics["loss"].shape
    (5,)
    """
    u = batches_per_step(model)
    xs = xs.reshape(xs.shape[0] // u, u, *xs.shape[1:]) if u > 1 else xs
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
    on device) and ``idx: [k·u, b]`` int32 rows. Gathering on the device saves the host
    a gather, a stack and a transfer per step, which on a small CPU competes with the
    step itself; the batches, and so the results, are the same. Each update gathers
    only its own batch, so a critic schedule that skips batches costs no gather.

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-2)}
    >>> from genjax.training.state import init_train_state
    >>> state = jax.eval_shape(lambda k, x: init_train_state(model, optimizers, k, x),
    ...                        jax.random.key(0), jnp.zeros((16, 4)))
    >>> idx = jnp.arange(48, dtype=jnp.int32).reshape(3, 16)  # k = 3 batches of 16 rows
    >>> new, metrics = jax.eval_shape(
    ...     lambda s, x_all: indexed_multi_step(model, optimizers, s, x_all, idx,
    ...                                         jax.random.key(1)),
    ...     state, jnp.zeros((100, 4)))
    >>> metrics["rec"].shape
    (3,)
    """
    u = batches_per_step(model)
    idx = idx.reshape(idx.shape[0] // u, u, idx.shape[1])  # [k, u, b]

    def one_step(state, idx_t):
        return update_players(model, optimizers, state, lambda j: x_all[idx_t[j]], base_key)

    if idx.shape[0] == 1:
        state, metrics = one_step(state, idx[0])
        return state, jax.tree.map(lambda v: v[None], metrics)
    return jax.lax.scan(one_step, state, idx)


def make_indexed_multi_step(model, optimizers, *, mesh: Mesh | None = None):
    """Jitted ``(state, x_all [n, ...], idx [k, b], base_key) -> (state, metrics [k])``
    (see `indexed_multi_step`), donating ``state``; with ``mesh``, ``x_all`` is
    replicated and ``idx`` split over ``data`` along ``b``.

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-2)}
    >>> from genjax.training.state import init_train_state
    >>> state = jax.eval_shape(lambda k, x: init_train_state(model, optimizers, k, x),
    ...                        jax.random.key(0), jnp.zeros((16, 4)))
    >>> step = make_indexed_multi_step(model, optimizers)
    >>> idx = jnp.zeros((2, 16), jnp.int32)
    >>> new, metrics = jax.eval_shape(step, state, jnp.zeros((100, 4)), idx,
    ...                               jax.random.key(1))
    >>> int(new.step.ndim), metrics["loss"].shape
    (0, (2,))
    """
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
    (``b`` must be a multiple of the number of devices). The module docstring
    runs one; the state passed in is consumed (donated), so keep using the
    returned one:

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-2)}
    >>> from genjax.training.state import init_train_state
    >>> state = jax.eval_shape(lambda k, x: init_train_state(model, optimizers, k, x),
    ...                        jax.random.key(0), jnp.zeros((16, 4)))
    >>> step = make_train_step(model, optimizers)
    >>> jax.eval_shape(step, state, jnp.zeros((16, 4)), jax.random.key(1))[1]["loss"].shape
    ()
    """
    return _jit(train_step, model, optimizers, mesh, stacked=False)


def make_multi_step(model, optimizers, *, mesh: Mesh | None = None) -> StepFn:
    """Jitted ``(state, xs [k, b, ...], base_key) -> (state, metrics [k])``, donating
    ``state``; it compiles once per distinct ``k``. With ``mesh``, ``xs`` is split
    over ``data`` along ``b``.

    >>> import optax
    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4,))
    >>> optimizers = {"autoencoder": optax.adam(1e-2)}
    >>> from genjax.training.state import init_train_state
    >>> state = jax.eval_shape(lambda k, x: init_train_state(model, optimizers, k, x),
    ...                        jax.random.key(0), jnp.zeros((16, 4)))
    >>> step = make_multi_step(model, optimizers)
    >>> new, metrics = jax.eval_shape(step, state, jnp.zeros((4, 16, 4)), jax.random.key(1))
    >>> int(new.step.ndim), metrics["loss"].shape
    (0, (4,))
    """
    return _jit(multi_step, model, optimizers, mesh, stacked=True)
