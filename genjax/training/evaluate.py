"""Held-out evaluation and image grids of a training state (eval mode throughout), and
the evaluations a run makes at its cadences (`make_run_evaluators`)."""

from __future__ import annotations

import os
import shutil

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from genjax import data
from genjax.evaluation.report import evaluate_model, scalar_metrics
from genjax.models.base import Model, is_autoencoder
from genjax.training.images import is_image_shape, save_image_grid
from genjax.training.run_setup import EVAL, FULL_EVAL, IMAGES, host_key
from genjax.training.sharding import batch_sharding, put_local, replicate, replicated, to_host

NUM_VISUALISED, NUM_INTERPOLATED, INTERP_STEPS = 32, 8, 10


def make_eval_fn(model: Model, mesh: Mesh):
    """Jitted ``model.evaluate(params, state, x [b, ...], key) -> metrics`` with ``x``
    split over ``data`` and everything else replicated; metrics are float scalars.

    >>> from genjax.models import build_model, default_model_config
    >>> from genjax.training.sharding import make_mesh
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4, 4, 1))
    >>> params, model_state = jax.eval_shape(model.init, jax.random.key(0),
    ...                                      jnp.zeros((1, 4, 4, 1)))  # shapes only
    >>> eval_fn = make_eval_fn(model, make_mesh(jax.devices()[:1]))
    >>> metrics = jax.eval_shape(eval_fn, params, model_state, jnp.zeros((8, 4, 4, 1)),
    ...                          jax.random.key(1))
    >>> {k: v.shape for k, v in metrics.items()}
    {'rec_error': ()}
    """
    rep = replicated(mesh)
    return jax.jit(
        model.evaluate,
        in_shardings=(rep, rep, batch_sharding(mesh), rep),
        out_shardings=rep,
    )


def evaluate_dataset(
    eval_fn, params, model_state, x: np.ndarray, *, batch_size: int, key: jax.Array, mesh: Mesh
) -> dict[str, float]:
    """Mean of ``eval_fn`` over the whole batches of ``x: [n, ...]`` (each process holds
    all of ``x`` and contributes its slice of each batch); key ``fold_in(key, i)`` for
    batch ``i``. Divergences are computed per batch of ``batch_size`` codes; a last
    partial batch is left out. Returns ``{name: float}``.

    >>> from genjax.models import build_model, default_model_config
    >>> from genjax.training.sharding import make_mesh
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4, 4, 1))
    >>> mesh = make_mesh(jax.devices()[:1])
    >>> def eval_fn(params, model_state, x, key):  # usually make_eval_fn(model, mesh)
    ...     return {"mean_x": x.mean()}
    >>> x = np.arange(20, dtype=np.float32)[:, None]  # 2 batches of 8; rows 16-19 left out
    >>> evaluate_dataset(eval_fn, None, None, x, batch_size=8, key=jax.random.key(1),
    ...                  mesh=mesh)                     # mean of 3.5 and 11.5
    {'mean_x': 7.5}
    """
    num_batches = len(x) // batch_size
    if num_batches == 0:
        raise ValueError(f"need at least batch_size={batch_size} held-out examples, got {len(x)}")
    per_process = batch_size // jax.process_count()
    lo = jax.process_index() * per_process
    sharding = batch_sharding(mesh)
    totals: dict[str, float] = {}
    for i in range(num_batches):
        local = x[i * batch_size + lo : i * batch_size + lo + per_process]
        metrics = eval_fn(
            params, model_state, put_local(local, sharding), jax.random.fold_in(key, i)
        )
        for k, v in to_host(metrics).items():
            totals[k] = totals.get(k, 0.0) + float(v)
    return {k: v / num_batches for k, v in totals.items()}


def make_visualise_fn(model: Model, mesh: Mesh, *, num_samples: int = 64, interp_steps: int = 10):
    """Jitted ``(params, state, x [r, ...], x_a [p, ...], x_b [p, ...], key) -> dict`` of
    prior ``samples [num_samples, ...]`` and, for an autoencoder,
    ``reconstructions [r, ...]`` and ``interpolations [p·interp_steps, ...]`` (decoded
    straight lines between the codes of ``x_a`` and ``x_b``, row by row); a generator
    without an encoder ignores ``x``, ``x_a`` and ``x_b``.

    A model may add its own grids with a method ``image_grids(params, state, key) ->
    {name: (images [r, *input_shape], ncol)}`` (e.g. InfoGAN's code traversals), called
    with ``fold_in(key, 1)``; each becomes ``<name>.png``.

    >>> from genjax.models import build_model, default_model_config
    >>> from genjax.training.sharding import make_mesh
    >>> config = default_model_config("ae")
    >>> config.update(latent_dim=2, encoder_hidden=(8,), decoder_hidden=(8,))
    >>> model = build_model(config, input_shape=(4, 4, 1))
    >>> params, model_state = jax.eval_shape(model.init, jax.random.key(0),
    ...                                      jnp.zeros((1, 4, 4, 1)))  # shapes only
    >>> mesh = make_mesh(jax.devices()[:1])
    >>> visualise = make_visualise_fn(model, mesh, num_samples=4, interp_steps=3)
    >>> x = jnp.zeros((5, 4, 4, 1))
    >>> out = jax.eval_shape(visualise, params, model_state, x, x[:2], x[2:4],
    ...                      jax.random.key(1))
    >>> {k: v.shape for k, v in sorted(out.items())}  # doctest: +NORMALIZE_WHITESPACE
    {'interpolations': (6, 4, 4, 1), 'reconstructions': (5, 4, 4, 1),
     'samples': (4, 4, 4, 1)}
    """

    def visualise(params, model_state, x, x_a, x_b, key):
        out = {"samples": model.sample(params, model_state, key, num_samples)}
        if is_autoencoder(model):
            recon = model.decode(params, model_state, model.encode(params, model_state, x))
            z_a = model.encode(params, model_state, x_a)  # [p, d]
            z_b = model.encode(params, model_state, x_b)
            alpha = jnp.linspace(0.0, 1.0, interp_steps)[None, :, None]  # [1, s, 1]
            z = (1.0 - alpha) * z_a[:, None] + alpha * z_b[:, None]  # [p, s, d]
            interp = model.decode(params, model_state, z.reshape(-1, z.shape[-1]))
            out.update(reconstructions=recon, interpolations=interp)
        hook = getattr(model, "image_grids", None)
        if callable(hook):
            # (images, ncol) pairs; ncol leaves the jit as a scalar array.
            out.update(hook(params, model_state, jax.random.fold_in(key, 1)))
        return out

    rep = replicated(mesh)
    return jax.jit(visualise, in_shardings=rep, out_shardings=rep)


def write_image_grids(
    workdir: str, step: int, x: np.ndarray, images: dict, *, interp_steps: int
) -> list[str]:
    """PNG grids in ``<workdir>/images`` named by step, copied to ``<workdir>/<kind>.png``,
    for each grid `make_visualise_fn` made: samples, and for an autoencoder
    reconstructions (rows of originals alternate with rows of their reconstructions)
    and interpolations, plus the model's own ``(images, ncol)`` grids. Returns the paths
    of the latest copies (none for non-image data)."""
    if not is_image_shape(tuple(x.shape[1:])):
        return []
    ncol = 8
    grids = {"samples": (np.asarray(images["samples"]).reshape(-1, *x.shape[1:]), 8)}
    if "reconstructions" in images:
        rec = np.asarray(images["reconstructions"]).reshape(x.shape)
        pairs = [a for r in range(0, len(x), ncol) for a in (x[r : r + ncol], rec[r : r + ncol])]
        grids["reconstructions"] = (np.concatenate(pairs), ncol)
    if "interpolations" in images:
        interp = np.asarray(images["interpolations"]).reshape(-1, *x.shape[1:])
        grids["interpolations"] = (interp, interp_steps)
    for kind, value in images.items():
        if kind not in ("samples", "reconstructions", "interpolations"):
            grid, cols = value
            grids[kind] = (np.asarray(grid).reshape(-1, *x.shape[1:]), int(cols))
    latest = []
    for kind, (grid, cols) in grids.items():
        path = os.path.join(workdir, "images", f"{kind}_{step:07d}.png")
        save_image_grid(path, grid, ncol=cols)
        latest.append(os.path.join(workdir, f"{kind}.png"))
        shutil.copyfile(path, latest[-1])
    return latest


def eval_batch_size(config, num_test: int, num_devices: int) -> int:
    """``eval.batch_size`` capped at the test split, rounded down to the devices."""
    batch = min(config.eval.batch_size, num_test)
    batch -= batch % num_devices
    if batch < 1:
        raise ValueError(
            f"the test split has {num_test} examples, fewer than the {num_devices} devices "
            "an evaluation batch is split over (raise data.max_test)"
        )
    return batch


def make_run_evaluators(run):
    """``evaluate(state, step) -> means`` on held-out data (also logged),
    ``visualise(state, step) -> PNG paths``, their jitted functions compiled once, and
    ``full_evaluate(state, step)``: all of `genjax.evaluation.evaluate_model`'s numbers
    (sample quality of prior and GMM samples, latent statistics), logged as split
    ``eval_full``. ``run`` is the loop's record of a run (its ``config``, ``workdir``,
    ``model``, ``mesh``, ``reporter``, ``x_train``, ``x_test`` and ``main``)."""
    config, mesh = run.config, run.mesh
    eval_fn = make_eval_fn(run.model, mesh)
    eval_batch = eval_batch_size(config, len(run.x_test), mesh.devices.size)
    x_eval = run.x_test[: max(config.eval.num_examples, eval_batch)]
    enough = len(run.x_test) >= NUM_VISUALISED + 2 * NUM_INTERPOLATED
    pool = run.x_test if enough else run.x_train
    n_vis = min(NUM_VISUALISED, len(pool) - 2 * NUM_INTERPOLATED)
    x_vis = pool[:n_vis]
    x_a = pool[n_vis : n_vis + NUM_INTERPOLATED]
    x_b = pool[n_vis + NUM_INTERPOLATED : n_vis + 2 * NUM_INTERPOLATED]
    inputs = replicate((x_vis, x_a, x_b), mesh)
    visualise_fn = make_visualise_fn(run.model, mesh, interp_steps=INTERP_STEPS)

    def evaluate(state, step):
        key = replicate(host_key(config.seed, EVAL, step), mesh)
        means = evaluate_dataset(eval_fn, state.params, state.model_state, x_eval,
                                 batch_size=eval_batch, key=key, mesh=mesh)  # fmt: skip
        return run.reporter.log(step, "eval", means)

    def visualise(state, step):
        key = replicate(host_key(config.seed, IMAGES, step), mesh)
        out = to_host(visualise_fn(state.params, state.model_state, *inputs, key))
        if not run.main:
            return []
        return write_image_grids(run.workdir, step, x_vis, out, interp_steps=INTERP_STEPS)

    def full_evaluate(state, step):
        # Host copies on one device: every process computes the same numbers, and the
        # GMM fit and feature extraction are not worth sharding at evaluation sizes.
        metrics = evaluate_model(
            run.model,
            to_host(state.params),
            to_host(state.model_state),
            data.from_arrays(run.x_train, run.x_test, name=config.data.source),
            key=host_key(config.seed, FULL_EVAL, step),
            extractor=config.data.source,
            num_samples=config.eval.get("full_num_samples", 2000),
            batch_size=config.eval.batch_size,
        )
        return run.reporter.log(step, "eval_full", scalar_metrics(metrics))

    return evaluate, visualise, full_evaluate
