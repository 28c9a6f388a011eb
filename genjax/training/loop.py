"""`train_and_evaluate(config, workdir)`: the whole run, importable from a notebook.

Re-running the same command resumes from the newest checkpoint in the workdir;
the step counter fixes both the data order and the PRNG keys, so a resumed run
ends where an uninterrupted one would. The config fields read here are
documented in ``experiments/common.py``.

Steps run in chunks of ``k`` (`steps_per_dispatch`) that end on
multiples of ``k`` (or at ``num_steps``), so the chunking, and with it every
floating-point result, is the same whether or not a run was interrupted.
Logging, evaluation, images and checkpoints happen after the first chunk that
reaches each multiple of their cadence.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from genjax import data
from genjax.models.base import Model
from genjax.training.checkpoint import CheckpointError, Checkpoints
from genjax.training.evaluate import eval_batch_size, make_run_evaluators
from genjax.training.optim import make_optimizers
from genjax.training.reporting import MetricWindow, Reporter, first_non_finite, format_seconds

# The run's inputs (processes, data, model, keys) are built in `run_setup`; its names
# stay importable from here.
from genjax.training.run_setup import (  # noqa: F401 (re-exports)
    EVAL,
    FULL_EVAL,
    IMAGES,
    INIT,
    TRAIN,
    build_model,
    host_key,
    initialize_distributed,
    load_dataset,
)
from genjax.training.sharding import (
    batch_sharding,
    check_batch_size,
    make_mesh,
    replicate,
    replicated,
    to_host,
)
from genjax.training.state import TrainState, init_train_state
from genjax.training.step import (
    batches_per_step,
    default_steps_per_dispatch,
    make_indexed_multi_step,
    make_multi_step,
)
from genjax.training.workdir import ConfigError, check_workdir, config_json, validate_config


class NonFiniteLossError(FloatingPointError):
    """A loss term was NaN or Inf; the run stopped without saving that state.

    Attributes: ``step`` (the update count of the parameters that gave it), ``terms``
    (the non-finite terms by name), ``checkpoint_step`` (the last good checkpoint, or
    None).

    >>> e = NonFiniteLossError(12, {"mmd": float("nan")}, 10, "runs/x/checkpoints")
    >>> print(e)  # doctest: +NORMALIZE_WHITESPACE
    non-finite loss at step 12 (computed from the parameters after 12 updates):
    mmd=nan. Stopped; the last good checkpoint (step 10) is kept in runs/x/checkpoints.
    """

    def __init__(self, step: int, terms: Mapping[str, float], checkpoint_step, directory):
        self.step, self.terms, self.checkpoint_step = step, dict(terms), checkpoint_step
        named = ", ".join(f"{name}={value}" for name, value in terms.items())
        kept = (
            f"the last good checkpoint (step {checkpoint_step}) is kept in {directory}"
            if checkpoint_step is not None
            else "no checkpoint had been saved"
        )
        super().__init__(
            f"non-finite loss at step {step} (computed from the parameters after {step} "
            f"updates): {named}. Stopped; {kept}."
        )


@dataclasses.dataclass(frozen=True)
class _Run:
    """What one call of `train_and_evaluate` works with, built once."""

    config: Any
    workdir: str
    model: Model
    mesh: Mesh
    checkpoints: Checkpoints
    reporter: Reporter
    x_train: np.ndarray
    x_test: np.ndarray

    @property
    def main(self) -> bool:
        return jax.process_index() == 0


def train_and_evaluate(config, workdir: str, *, model=None, dataset=None):
    """Train ``config`` in ``workdir`` to ``config.train.num_steps``; returns
    ``(state, metrics)``: the final `TrainState` and a dict of the last logged train
    means, ``eval/<name>`` held-out metrics and ``time/<name>`` figures (also written
    to ``<workdir>/final_metrics.json``).

    ``model`` and ``dataset`` (anything with ``train`` and ``test`` arrays
    ``[n, *shape]``) replace the ones the config names, for notebooks and tests.
    Raises `NonFiniteLossError` when a loss term turns NaN or Inf, and
    `genjax.training.ConfigError` (a ValueError) for a config or workdir that cannot
    run, before anything is loaded or written.

    >>> import tempfile
    >>> from experiments import common
    >>> config = common.base_config("ae", num_steps=50, source="synthetic:manifold8")
    >>> config.model.update(output_activation="identity", latent_dim=2,
    ...                     encoder_hidden=(16,), decoder_hidden=(16,))
    >>> config.data.update(max_train=400, max_test=100)
    >>> config.train.batch_size = 64  # a multiple of the device count (8 in the tests)
    >>> config.eval.update(num_examples=96, batch_size=96)
    >>> with tempfile.TemporaryDirectory() as workdir:  # progress goes to stderr
    ...     state, metrics = train_and_evaluate(config, workdir)
    >>> int(state.step), [k for k in metrics if k.startswith("eval/")]
    (50, ['eval/rec_error'])
    """
    validate_config(config)
    workdir = os.path.abspath(workdir)
    check_workdir(workdir, config)  # before anything is loaded or written
    initialize_distributed(config.distributed)
    dataset = load_dataset(config) if dataset is None else dataset
    # Values the model's output cannot produce (e.g. images in [0, 255] for a sigmoid
    # decoder) would train silently to a meaningless loss.
    try:
        data.check_range(
            dataset, output_activation=config.model.get("output_activation", "sigmoid")
        )
    except ValueError as e:
        raise ConfigError(str(e)) from e
    x_train, x_test = np.asarray(dataset.train), np.asarray(dataset.test)
    model = build_model(config, x_train.shape[1:]) if model is None else model
    mesh = make_mesh()
    try:
        check_batch_size(config.train.batch_size, mesh)
        eval_batch_size(config, len(x_test), mesh.devices.size)
        optimizers = make_optimizers(config.optim, tuple(model.players), config.train.num_steps)
    except ValueError as e:
        raise ConfigError(str(e)) from e
    if config.train.batch_size > len(x_train):
        raise ConfigError(
            f"train.batch_size={config.train.batch_size} is larger than the "
            f"{len(x_train)} training examples"
        )
    try:
        os.makedirs(workdir, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"workdir {workdir} cannot be created: {e}") from e

    init = jax.jit(
        lambda key, x: init_train_state(model, optimizers, key, x), out_shardings=replicated(mesh)
    )
    state = init(*replicate((host_key(config.seed, INIT), x_train[:8]), mesh))
    checkpoints = Checkpoints(
        os.path.join(workdir, "checkpoints"), max_to_keep=config.cadence.keep_checkpoints
    )
    main = jax.process_index() == 0
    reporter = None
    try:
        if checkpoints.latest_step() is not None:
            try:
                state = checkpoints.restore(state)
            except CheckpointError as e:
                raise ConfigError(
                    f"{e}; move {checkpoints.directory} away to train from scratch"
                ) from e
        start = int(to_host(state.step))
        reporter = Reporter(workdir, total=config.train.num_steps, initial=start, enabled=main)
        for step, why in checkpoints.skipped:
            reporter.message(
                f"Skipped the checkpoint at step {step}, which does not restore: {why}"
            )
        if start:
            reporter.message(
                f"Resuming from the checkpoint at step {start} in {checkpoints.directory}"
            )
        else:
            reporter.message(f"Training from scratch in {workdir}")
        if main:
            with open(os.path.join(workdir, "config.json"), "w") as f:
                f.write(config_json(config))
        run = _Run(config, workdir, model, mesh, checkpoints, reporter, x_train, x_test)
        if start >= config.train.num_steps:
            return state, _finished(run, state, start)
        return _train(run, optimizers, state, start)
    finally:
        if reporter is not None:
            reporter.close()
        checkpoints.close()


def _finished(run: _Run, state: TrainState, start: int) -> dict[str, float]:
    """A re-run of a finished run: its recorded final metrics, nothing appended or
    overwritten (the held-out evaluation runs only when the run ended before it)."""
    path = os.path.join(run.workdir, "final_metrics.json")
    num_steps = run.config.train.num_steps
    run.reporter.message(
        f"Already at step {start} >= num_steps={num_steps}: nothing to train "
        f"(raise --config.train.num_steps to train on; experiments.evaluate evaluates)"
    )
    if os.path.exists(path):
        with open(path) as f:
            recorded = json.load(f)
        if recorded.get("step") == start:
            return {k: v for k, v in recorded.items() if k != "step"}
    logged = _records(run.reporter.path, start, "eval")
    if logged is None:
        evaluate, _, _ = make_run_evaluators(run)
        logged = evaluate(state, start)
    metrics = {f"eval/{n}": v for n, v in logged.items()}
    if run.main:
        with open(path, "w") as f:
            json.dump({"step": start, **metrics}, f, indent=2)
    return metrics


def _records(path: str, step: int, split: str) -> dict[str, float] | None:
    """The scalars of the ``split`` record at ``step`` in a metrics.jsonl, or None."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("step") == step and record.get("split") == split:
                return {k: v for k, v in record.items() if k not in ("step", "split")}
    return None


def steps_per_dispatch(config) -> int:
    """``config.train.steps_per_dispatch``, or when it is 0 the trainer's choice for the
    model's network on this backend (`default_steps_per_dispatch`).

    >>> from experiments import common
    >>> config = common.base_config("ae", num_steps=100)
    >>> config.train.steps_per_dispatch = 5
    >>> steps_per_dispatch(config)
    5
    """
    k = int(config.train.steps_per_dispatch)
    return (
        k
        if k > 0
        else default_steps_per_dispatch(
            config.model.get("network"), conv_impl=config.model.get("conv_impl", "auto")
        )
    )


def _train(run: _Run, optimizers, state: TrainState, start: int):
    config, cadence, reporter = run.config, run.config.cadence, run.reporter
    num_steps, k = config.train.num_steps, steps_per_dispatch(config)
    u = batches_per_step(run.model)  # real batches per step (a critic's n updates)
    evaluate, visualise, full_evaluate = make_run_evaluators(run)
    train_key = replicate(host_key(config.seed, TRAIN), run.mesh)
    stacked = batch_sharding(run.mesh, stacked=True)
    if config.data.get("on_device", False):
        # The same batches, as row indices into a copy of the training set on device.
        x_all = replicate(run.x_train, run.mesh)
        indexed = make_indexed_multi_step(run.model, optimizers, mesh=run.mesh)
        source = np.arange(len(run.x_train), dtype=np.int32)

        def step_fn(state, idx, key):
            return indexed(state, x_all, idx, key)
    else:
        step_fn = make_multi_step(run.model, optimizers, mesh=run.mesh)
        source = run.x_train
    batches = data.batches(
        source,
        batch_size=config.train.batch_size,
        seed=config.seed,
        start_step=start * u,
        process_index=jax.process_index(),
        process_count=jax.process_count(),
    )
    window = MetricWindow()
    last_train: dict[str, float] = {}
    last_eval: dict[str, float] = {}
    timers = dict(input=0.0, logging=0.0, events=0.0, compile=0.0, wait=0.0)

    def finish(pending):
        """Block on a dispatched chunk's metrics; stop on NaN/Inf before anything saves."""
        begin, end, metrics = pending
        t0 = time.perf_counter()
        metrics = to_host(metrics)
        timers["wait"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        bad = first_non_finite(metrics, begin)
        if bad is not None:
            run.checkpoints.wait_until_finished()
            raise NonFiniteLossError(*bad, run.checkpoints.latest_step(), run.checkpoints.directory)
        window.add(metrics)
        reporter.advance(end - begin)
        timers["logging"] += time.perf_counter() - t0

    wall0 = time.perf_counter()
    pending, step = None, start
    while step < num_steps:
        begin, end = step, min((step // k + 1) * k, num_steps)
        t0 = time.perf_counter()
        xs = data.global_batch(np.stack([next(batches) for _ in range((end - begin) * u)]), stacked)
        t1 = time.perf_counter()
        state, metrics = step_fn(state, xs, train_key)
        timers["input"] += t1 - t0
        if begin == start:
            timers["compile"] = time.perf_counter() - t1  # jit compiles on the first call
        # At most two chunks in flight: XLA:CPU collectives can deadlock otherwise.
        if pending is not None:
            finish(pending)
        pending, step = (begin, end, metrics), end
        due = {
            name: _due(cadence[f"{name}_every"], begin, end) or end == num_steps
            for name in ("log", "checkpoint", "eval", "image")
        }
        # The paper-table evaluation is costly (GMM fit, sample quality): only on request.
        due["full"] = _due(config.eval.get("full_every", 0), begin, end)
        if not any(due.values()):
            continue
        finish(pending)  # the state must be known finite before it is saved or shown
        pending = None
        t0 = time.perf_counter()
        if due["log"]:
            last_train = reporter.log(end, "train", window.mean_and_reset())
        if due["eval"]:
            last_eval = evaluate(state, end)
        if due["checkpoint"]:
            # The held-out figure at this step ranks it for the best-checkpoint slot.
            best = config.cadence.get("keep_best", "rec_error")
            ranked = due["eval"] and best and best in last_eval
            run.checkpoints.save(state, metric=(best, last_eval[best]) if ranked else None)
        if due["full"]:
            full_evaluate(state, end)
        if due["image"]:
            paths = visualise(state, end)
            reporter.images(end, paths)
            if end == num_steps and paths:
                reporter.message("image grids: " + ", ".join(paths))
        timers["events"] += time.perf_counter() - t0
    summary = _timing(timers, time.perf_counter() - wall0, num_steps - start)
    reporter.message(
        f"Trained steps {start}..{num_steps} in {format_seconds(summary['time/wall_s'])}: "
        f"{summary['time/steps_per_sec']:.1f} steps/s after {timers['compile']:.1f} s of "
        f"compilation; {timers['events']:.1f} s of evaluation/images/checkpoints; host "
        f"work outside the jitted step at most {100 * summary['time/outside_fraction']:.1f}%"
        f" of the training time (batches {100 * summary['time/input_fraction']:.1f}%, "
        f"logging {100 * summary['time/logging_fraction']:.1f}%)"
    )
    metrics = {**last_train, **{f"eval/{n}": v for n, v in last_eval.items()}, **summary}
    if run.main:
        with open(os.path.join(run.workdir, "final_metrics.json"), "w") as f:
            json.dump({"step": num_steps, **metrics}, f, indent=2)
    return state, metrics


def _timing(timers, wall: float, trained: int) -> dict[str, float]:
    """Throughput and where the training time went. The training time excludes the
    first call's compilation and the evaluation/image/checkpoint events; the host's
    time not spent waiting for the device (``outside_fraction``) bounds from above the
    time the device could have sat idle, since batches are prepared while the previous
    chunk runs."""
    train_time = max(wall - timers["compile"] - timers["events"], 1e-9)
    return {
        "time/wall_s": wall,
        "time/compile_s": timers["compile"],
        "time/steps_per_sec": trained / train_time if trained else 0.0,
        "time/outside_fraction": max(0.0, 1.0 - timers["wait"] / train_time) if trained else 0.0,
        "time/input_fraction": timers["input"] / train_time,
        "time/logging_fraction": timers["logging"] / train_time,
        "time/events_fraction": timers["events"] / wall if wall else 0.0,
    }


def _due(every: int, begin: int, end: int) -> bool:
    """Whether a multiple of ``every`` lies in ``(begin, end]``."""
    return every > 0 and end // every > begin // every
