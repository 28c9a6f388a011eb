"""Evaluate a trained workdir: ``python -m experiments.evaluate --workdir=runs/wae_mmd``.

Reads ``<workdir>/config.json`` (written by ``experiments.run``), rebuilds the data and
the model, restores the newest checkpoint and runs `genjax.evaluation.evaluate_model`:
reconstruction error on the whole test split, normality statistics of test codes, and
sample quality of prior and ex-post GMM samples in genjax's classifier features. Writes
``<workdir>/eval.json`` and ``<workdir>/eval/*.png`` (reconstructions, prior and GMM
samples, a PCA scatter of codes against prior draws, a histogram of code norms against
the chi law), then prints a summary. A generator without an encoder (a GAN) gets the
sample quality and class coverage of its samples and ``eval/samples.png`` (plus the
model's own grids, e.g. InfoGAN's code traversals).

Flags:
  --workdir      a directory written by ``python -m experiments.run`` (required)
  --num_samples  samples (and real test images) for sample quality and latent statistics;
                 FD is biased like 1/n, so compare runs at equal values (default 2000)
  --extractor    features for sample quality: a dataset name of genjax's classifier, "auto"
                 (the config's data source) or "none" (skip)
  --step         evaluate this checkpoint instead of the newest
  --seed         PRNG seed of the evaluation (prior and GMM draws, KID subsets)
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NamedTuple

import jax
import ml_collections

from genjax.evaluation.figures import save_image_grid, write_figures
from genjax.evaluation.report import HEADLINE, model_outputs, output_metrics
from genjax.training import Checkpoints, init_train_state, make_optimizers
from genjax.training.loop import build_model, load_dataset


class WorkdirError(Exception):
    """A workdir that cannot be evaluated; the message says why and what to run."""


class Restored(NamedTuple):
    config: ml_collections.ConfigDict
    dataset: Any
    model: Any
    state: Any  # genjax.training.TrainState
    step: int


def train_command(workdir: str, config: ml_collections.ConfigDict | None = None) -> str:
    """The command that trains ``workdir`` (the config file guessed from the model name,
    else from the workdir's name)."""
    name = config.model.name if config is not None else os.path.basename(os.path.normpath(workdir))
    return f"python -m experiments.run --config=experiments/{name}.py --workdir={workdir}"


def read_config(workdir: str) -> ml_collections.ConfigDict:
    """The config a run saved in ``<workdir>/config.json``; `WorkdirError` if absent."""
    if not os.path.isdir(workdir):
        raise WorkdirError(
            f"workdir {workdir} does not exist; train it first, e.g.\n  {train_command(workdir)}"
        )
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        raise WorkdirError(
            f"{path} is missing: {workdir} was not written by experiments.run; train it "
            f"with\n  {train_command(workdir)}"
        )
    with open(path) as f:
        return ml_collections.ConfigDict(json.load(f))


def latest_checkpoint_step(workdir: str) -> int | None:
    """The newest complete checkpoint's step in ``<workdir>/checkpoints``, or None
    (without creating the directory)."""
    directory = os.path.join(workdir, "checkpoints")
    if not os.path.isdir(directory):
        return None
    with Checkpoints(directory) as checkpoints:
        return checkpoints.latest_step()


def restore_workdir(workdir: str, *, step: int | None = None) -> Restored:
    """Config, dataset, model and the `TrainState` of the checkpoint at ``step`` (default:
    the newest) of a workdir, on the default device.

    Raises:
      WorkdirError: no workdir, config or checkpoint (the message gives the command that
        trains it), or no checkpoint at ``step``.
    """
    workdir = os.path.abspath(workdir)
    config = read_config(workdir)
    if latest_checkpoint_step(workdir) is None:
        raise WorkdirError(
            f"no checkpoint in {workdir}/checkpoints yet; train (or resume) it with\n  "
            f"{train_command(workdir, config)}"
        )
    dataset = load_dataset(config)
    model = build_model(config, dataset.train.shape[1:])
    optimizers = make_optimizers(config.optim, tuple(model.players), config.train.num_steps)
    # Shapes only (no initialisation compiled or run); the checkpoint fills the values.
    abstract = jax.eval_shape(
        lambda key, x: init_train_state(model, optimizers, key, x),
        jax.random.PRNGKey(0),
        dataset.train[:8],
    )
    device = jax.sharding.SingleDeviceSharding(jax.devices()[0])
    like = jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=device), abstract)
    with Checkpoints(os.path.join(workdir, "checkpoints")) as checkpoints:
        steps = checkpoints.all_steps()
        if step is not None and step not in steps:
            raise WorkdirError(f"no checkpoint at step {step} in {workdir}; there are {steps}")
        step = checkpoints.latest_step() if step is None else step
        state = checkpoints.restore(like, step)
    return Restored(config, dataset, model, state, int(step))


def evaluate_workdir(
    workdir: str,
    *,
    num_samples: int = 2000,
    extractor: str | None = "auto",
    seed: int = 0,
    step: int | None = None,
    batch_size: int = 500,
) -> tuple[dict[str, Any], list[str]]:
    """Evaluate a workdir's checkpoint; writes ``eval.json`` and ``eval/*.png`` in it.

    ``extractor``: ``"auto"`` uses genjax's classifier for the config's data source
    (sample quality is skipped, with a note, when there is none or the shape differs),
    ``None`` or ``"none"`` skips sample quality, any other string names a classifier.
    Returns ``(metrics, paths of the files written)``; ``metrics`` is what eval.json holds.
    """
    workdir = os.path.abspath(workdir)
    run = restore_workdir(workdir, step=step)
    if extractor == "auto":
        extractor = run.config.data.source
    elif extractor == "none":
        extractor = None
    k_outputs, k_metrics = jax.random.split(jax.random.key(seed))
    outputs = model_outputs(
        run.model,
        run.state.params,
        run.state.model_state,
        run.dataset,
        key=k_outputs,
        num_samples=num_samples,
        batch_size=batch_size,
    )
    metrics = output_metrics(
        outputs, key=k_metrics, extractor=extractor, dataset_name=run.dataset.name
    )
    metrics = {
        "workdir": workdir,
        "step": run.step,
        "model": run.config.model.name,
        "data": run.dataset.name,
        "seed": seed,
        **metrics,
    }
    paths = write_eval_figures(os.path.join(workdir, "eval"), outputs)
    path = os.path.join(workdir, "eval.json")
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)
    return metrics, [path, *paths]


def write_eval_figures(directory: str, outputs) -> list[str]:
    """`write_figures` for an autoencoder's outputs; for a generator's (no codes), a grid
    of its first 64 samples; then the model's own grids."""
    if outputs.z_test is not None:
        paths = write_figures(directory, outputs)
    elif len(outputs.x_prior[0].shape) == 3:
        paths = [
            save_image_grid(os.path.join(directory, "samples.png"), outputs.x_prior[:64],
                            title="generator samples")
        ]  # fmt: skip
    else:
        paths = []
    for name, (images, ncol) in (outputs.image_grids or {}).items():
        paths.append(save_image_grid(os.path.join(directory, f"{name}.png"), images, ncol=ncol))
    return paths


def summary(metrics: dict[str, Any], paths: list[str]) -> str:
    """A few lines for the terminal: the headline numbers and where the files are."""
    shown = "  ".join(
        f"{k} {metrics[k]:.4g}" if isinstance(metrics[k], float) else f"{k} {metrics[k]}"
        for k in HEADLINE
        if k in metrics
    )
    lines = [
        f"{metrics['model']} at step {metrics['step']} on {metrics['data']} "
        f"({metrics.get('num_test', metrics['num_samples'])} test examples, "
        f"{metrics['num_samples']} samples):",
        f"  {shown}",
        *(f"  note: {n}" for n in metrics["notes"]),
        f"wrote {paths[0]}",
        f"  and {len(paths) - 1} figures in {os.path.dirname(paths[-1])}",
    ]
    return "\n".join(lines)


def main(argv, flag_values=None):
    from absl import flags, logging

    if len(argv) > 1:
        raise SystemExit(f"error: unexpected arguments: {' '.join(argv[1:])}")
    f = flags.FLAGS if flag_values is None else flag_values
    if "verbosity" in f and not f["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # Orbax logs every restore at INFO
    try:
        metrics, paths = evaluate_workdir(
            f.workdir, num_samples=f.num_samples, extractor=f.extractor, seed=f.seed, step=f.step
        )
    except WorkdirError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    print(summary(metrics, paths))


def define_flags(flag_values=None) -> None:
    """The command's flags (defined here, not at import, so that importing this module
    from tests, notebooks or experiments.compare defines no global absl flags)."""
    from absl import flags

    fv = flags.FLAGS if flag_values is None else flag_values
    flags.DEFINE_string("workdir", None, "a workdir written by experiments.run", flag_values=fv)
    flags.DEFINE_integer(
        "num_samples", 2000, "samples and real images for sample quality", flag_values=fv
    )
    flags.DEFINE_string(
        "extractor", "auto", "classifier dataset name, 'auto' or 'none'", flag_values=fv
    )
    flags.DEFINE_integer("seed", 0, "PRNG seed of the evaluation", flag_values=fv)
    flags.DEFINE_integer("step", None, "checkpoint step (default: the newest)", flag_values=fv)
    flags.mark_flags_as_required(["workdir"], flag_values=fv)


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(main)
