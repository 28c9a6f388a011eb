"""Optax optimisers from config blocks, one per player.

A block (see ``experiments/common.py``) reads::

    name: "adam" | "adamw" | "sgd" | "rmsprop"
    learning_rate: float      peak rate
    b1, b2: float             Adam moments (ignored by sgd/rmsprop)
    weight_decay: float       adamw only
    momentum: float           sgd/rmsprop
    grad_clip_norm: float     0 disables global-norm clipping
    schedule: "constant" | "cosine"
    warmup_steps: int         linear warm-up from 0 (0 disables)
    weight_clip: float        after each update, clip every parameter into
                              [-weight_clip, weight_clip] (WGAN's critic); 0 disables
    weight_clip_only: tuple   optional: clip only the parameters under these paths of
                              the player's tree, e.g. ("critic/encoder",) (MMD-GAN);
                              absent or empty: all of them

The learning rate at update ``t`` (one player's update count), with peak ``lr``,
warm-up ``W`` and ``T = num_steps``::

    warm-up    lr · t / W                                  for t < W
    constant   lr                                          for t >= W
    cosine     lr · (1 + cos(π · min(t - W, T - W) / (T - W))) / 2    for t >= W

(`optax.warmup_cosine_decay_schedule` to 0 at ``T``). Clipping rescales the
whole gradient tree by ``min(1, c / ‖g‖₂)``, ``‖g‖₂`` over every leaf together,
before the optimiser sees it.

>>> import ml_collections
>>> block = ml_collections.ConfigDict(
...     dict(name="adam", learning_rate=1e-3, schedule="cosine", warmup_steps=10))
>>> lr = make_schedule(block, num_steps=110)
>>> [round(float(lr(t)), 6) for t in (0, 5, 10, 60, 110)]
[0.0, 0.0005, 0.001, 0.0005, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import optax

OPTIMIZER_NAMES = ("adam", "adamw", "sgd", "rmsprop")


def make_schedule(block, num_steps: int) -> optax.Schedule:
    """Learning rate as a function of the player's update count (module docstring).

    Args:
      block: a config block with ``learning_rate`` and optionally ``schedule``
        (``"constant"`` by default) and ``warmup_steps`` (0).
      num_steps: the run's length ``T``, where a cosine schedule reaches 0.

    Returns:
      ``t -> lr(t)``: an int scalar (or array) to a float32 array of its shape.

    >>> import ml_collections
    >>> block = ml_collections.ConfigDict(dict(learning_rate=0.1, warmup_steps=4))
    >>> [round(float(make_schedule(block, 100)(t)), 3) for t in (0, 2, 4, 50)]
    [0.0, 0.05, 0.1, 0.1]
    """
    lr = float(block.learning_rate)
    warmup = int(block.get("warmup_steps", 0))
    kind = block.get("schedule", "constant")
    if kind == "constant":
        if warmup:
            return optax.linear_schedule(0.0, lr, warmup)
        return optax.constant_schedule(lr)
    if kind == "cosine":
        return optax.warmup_cosine_decay_schedule(
            0.0, lr, warmup_steps=warmup, decay_steps=max(num_steps, warmup + 1)
        )
    raise ValueError(f"schedule must be 'constant' or 'cosine', got {kind!r}")


def clip_params(bound: float, only: tuple[str, ...] = ()) -> optax.GradientTransformation:
    """An optax transform, chained last, that projects the updated parameters into the
    box ``[-bound, bound]``: it returns ``clip(p + u, -bound, bound) - p`` for updates
    ``u``, so that ``optax.apply_updates`` lands on the clipped values (up to one
    rounding of the final addition). WGAN's weight clipping (Arjovsky et al. 2017,
    Algorithm 1: c = 0.01, after every RMSProp step of the critic). With ``only``, just
    the parameters whose "/"-joined key path starts with one of its entries are clipped
    (MMD-GAN clips its critic's encoder, not its decoder).

    >>> import jax.numpy as jnp, optax
    >>> tx = optax.chain(optax.sgd(1.0), clip_params(0.01))
    >>> params = {"w": jnp.array([0.0, 0.005])}
    >>> updates, _ = tx.update({"w": jnp.array([-1.0, 0.002])}, tx.init(params), params)
    >>> [round(v, 6) for v in optax.apply_updates(params, updates)["w"].tolist()]
    [0.01, 0.003]
    """
    if not bound > 0:
        raise ValueError(f"weight_clip={bound} must be > 0 (0 disables it in a config)")

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("clip_params needs the parameters: call update(g, s, params)")

        def clip(path, p, u):
            name = "/".join(str(getattr(k, "key", k)) for k in path)
            if only and not any(name == o or name.startswith(o + "/") for o in only):
                return u
            return jnp.clip(p + u, -bound, bound) - p

        return jax.tree_util.tree_map_with_path(clip, params, updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def make_optimizer(block, num_steps: int) -> optax.GradientTransformation:
    """One player's optimiser from its config block (``num_steps`` sizes a decay).

    ``name`` picks `optax.adam` (``b1``, ``b2``), `optax.adamw` (also
    ``weight_decay``, decoupled: ``-lr · weight_decay · params`` is added to
    the update), `optax.sgd` (``momentum``, 0 for none) or `optax.rmsprop`
    (``momentum``; decay 0.9, ``g / sqrt(ν + 1e-8)``); the rate follows
    `make_schedule`; ``grad_clip_norm > 0`` clips the global norm first.
    Raises ``ValueError`` naming an unknown ``name`` or ``schedule``.

    >>> import jax.numpy as jnp, ml_collections
    >>> block = ml_collections.ConfigDict(
    ...     dict(name="sgd", learning_rate=0.5, grad_clip_norm=1.0))
    >>> tx = make_optimizer(block, num_steps=10)
    >>> g = jnp.array([3.0, 4.0])  # norm 5, clipped to norm 1
    >>> updates, _ = tx.update(g, tx.init(g))
    >>> [round(float(u), 6) for u in updates]  # -0.5 * g / 5
    [-0.3, -0.4]
    """
    name = block.name
    lr = make_schedule(block, num_steps)
    if name == "adam":
        tx = optax.adam(lr, b1=block.get("b1", 0.9), b2=block.get("b2", 0.999))
    elif name == "adamw":
        tx = optax.adamw(
            lr,
            b1=block.get("b1", 0.9),
            b2=block.get("b2", 0.999),
            weight_decay=block.get("weight_decay", 1e-4),
        )
    elif name == "sgd":
        tx = optax.sgd(lr, momentum=block.get("momentum", 0.0) or None)
    elif name == "rmsprop":
        tx = optax.rmsprop(lr, momentum=block.get("momentum", 0.0))
    else:
        raise ValueError(f"optimizer name must be one of {OPTIMIZER_NAMES}, got {name!r}")
    clip = float(block.get("grad_clip_norm", 0.0))
    if clip > 0:
        tx = optax.chain(optax.clip_by_global_norm(clip), tx)
    weight_clip = float(block.get("weight_clip", 0.0))
    if weight_clip > 0:
        only = tuple(block.get("weight_clip_only", ()) or ())
        tx = optax.chain(tx, clip_params(weight_clip, only))
    return tx


def make_optimizers(
    optim_config: Mapping, players: tuple[str, ...], num_steps: int
) -> dict[str, optax.GradientTransformation]:
    """``{player: optimiser}`` from ``optim_config.<player>`` blocks (see `make_optimizer`).

    Raises ``ValueError`` naming a player that has no block, so a two-player
    model trained from a one-player config fails before compiling anything.

    >>> import ml_collections
    >>> optim = ml_collections.ConfigDict(
    ...     {"autoencoder": dict(name="adam", learning_rate=1e-3)})
    >>> sorted(make_optimizers(optim, ("autoencoder",), num_steps=100))
    ['autoencoder']
    >>> make_optimizers(optim, ("autoencoder", "critic"), 100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: config.optim has no block for player(s) ['critic']; ...
    """
    missing = [p for p in players if p not in optim_config]
    if missing:
        raise ValueError(
            f"config.optim has no block for player(s) {missing}; "
            f"the model's players are {tuple(players)}, config.optim has {sorted(optim_config)}"
        )
    return {p: make_optimizer(optim_config[p], num_steps) for p in players}
