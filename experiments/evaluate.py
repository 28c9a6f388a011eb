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
  --extractor    features for sample quality: "auto" (genjax's classifier for the config's
                 data source), "inception" (FID and KID in the FID Inception-v3; fetch its
                 weights once: python -m genjax.evaluation.inception --fetch), a classifier
                 dataset name or a path to its .npz, or "none" (skip)
  --step         evaluate this checkpoint instead of the newest
  --seed         PRNG seed of the evaluation (prior and GMM draws, KID subsets)
  --ex_post      ex-post samplers, comma-separated, of "gmm" (default) and "two_stage" (a
                 second-stage VAE on the training codes, Dai & Wipf 2019: its metrics are
                 named *_two_stage, its samples eval/samples_two_stage.png; minutes on a
                 CPU). The GMM is always fitted.
  --verbose      show the traceback of a user error (bad workdir, flags), not one line

``eval.json`` (``eval_<extractor>.json`` for another ``--extractor``, e.g.
``eval_inception.json``: one evaluation does not overwrite another) is strict JSON,
written after each part (metrics of codes and
reconstructions, then sample quality, then figures) so a part that fails keeps the
earlier numbers; a NaN becomes ``null`` with a note.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import ml_collections
import numpy as np

from genjax.evaluation.classifier import resolve_extractor_flag
from genjax.evaluation.figures import save_image_grid, write_figures
from genjax.evaluation.outputs import check_ex_post, model_outputs
from genjax.evaluation.report import HEADLINE, output_metrics
from genjax.training import Checkpoints, init_train_state, make_optimizers
from genjax.training.checkpoint import CheckpointError
from genjax.training.loop import build_model, load_dataset
from genjax.training.workdir import ConfigError


class WorkdirError(ConfigError):
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
        try:
            state = checkpoints.restore(like, step)
        except CheckpointError as e:
            raise WorkdirError(str(e)) from e
        for skipped, why in checkpoints.skipped:
            print(f"skipped the checkpoint at step {skipped}, which does not restore: {why}",
                  file=sys.stderr)  # fmt: skip
        step = int(jax.device_get(state.step))
    return Restored(config, dataset, model, state, step)


def evaluate_workdir(
    workdir: str,
    *,
    num_samples: int = 2000,
    extractor: str | None = "auto",
    seed: int = 0,
    step: int | None = None,
    batch_size: int = 500,
    ex_post: str | Sequence[str] = ("gmm",),
    two_stage_options: dict | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Evaluate a workdir's checkpoint; writes ``eval.json`` and ``eval/*.png`` in it.

    ``extractor``: ``"auto"`` uses genjax's classifier for the config's data source
    (sample quality is skipped, with a note, when there is none or the shape differs),
    ``None`` or ``"none"`` skips sample quality, any other string names a classifier.
    ``ex_post``, ``two_stage_options``: as in `genjax.evaluation.outputs.model_outputs`
    (``"two_stage"`` adds the ``*_two_stage`` metrics and ``eval/samples_two_stage.png``).
    Returns ``(metrics, paths of the files written)``; ``metrics`` is what eval.json holds.
    """
    workdir = os.path.abspath(workdir)
    try:
        ex_post = check_ex_post(ex_post)
    except ValueError as e:
        raise ConfigError(f"--{e}") from None
    extractor_flag = extractor
    try:  # before the restore: a missing extractor is one line, not minutes later
        extractor = resolve_extractor_flag(extractor)
    except (FileNotFoundError, ValueError) as e:
        raise ConfigError(str(e).splitlines()[0]) from e
    run = restore_workdir(workdir, step=step)
    if extractor == "auto":
        extractor = run.config.data.source
    k_outputs, k_metrics = jax.random.split(jax.random.key(seed))
    outputs = model_outputs(
        run.model,
        run.state.params,
        run.state.model_state,
        run.dataset,
        key=k_outputs,
        num_samples=num_samples,
        batch_size=batch_size,
        ex_post=ex_post,
        two_stage_options=two_stage_options,
    )
    header = {
        "workdir": workdir,
        "step": run.step,
        "model": run.config.model.name,
        "data": run.dataset.name,
        "seed": seed,
    }
    path = os.path.join(workdir, eval_json_name(extractor_flag))
    # Each part is written as soon as it is computed: a later part that fails (NaN
    # codes, images a classifier rejects) leaves the earlier numbers on disk.
    metrics = {**header, **output_metrics(outputs, key=k_metrics, extractor=None)}
    metrics["notes"] = []
    write_json(path, metrics)
    if extractor is not None:
        metrics = _with_sample_quality(metrics, outputs, k_metrics, extractor, run.dataset.name)
        write_json(path, metrics)
    else:
        metrics["notes"].append("sample quality skipped: no feature extractor given")
    try:
        paths = write_eval_figures(os.path.join(workdir, "eval"), outputs)
    except (ValueError, np.linalg.LinAlgError) as e:
        paths = []
        metrics["notes"].append(f"figures not written: {type(e).__name__}: {e}")
    write_json(path, metrics)
    return metrics, [path, *paths]


def eval_json_name(extractor: str | None) -> str:
    """The file an evaluation with ``--extractor`` writes: ``eval.json`` for ``"auto"``
    (the default), ``eval_<extractor>.json`` otherwise, so that evaluating a workdir in
    Inception's features does not overwrite its evaluation in the classifier's.

    >>> eval_json_name("auto"), eval_json_name("inception"), eval_json_name("/w/my blobs.npz")
    ('eval.json', 'eval_inception.json', 'eval_my-blobs.json')
    """
    if extractor in (None, "", "none"):
        return "eval_none.json"
    if extractor == "auto":
        return "eval.json"
    stem = os.path.basename(os.path.normpath(extractor)).removesuffix(".npz")
    return f"eval_{re.sub(r'[^A-Za-z0-9_.-]+', '-', stem).strip('-') or 'extractor'}.json"


def _with_sample_quality(metrics, outputs, key, extractor, dataset_name) -> dict[str, Any]:
    """``metrics`` plus `output_metrics`' sample quality of the samplers whose decoded
    samples are finite; a sampler with NaN samples (e.g. a GMM fitted to NaN codes) or
    a classifier that rejects the images gets a note instead."""
    images = sampler_images(outputs)
    bad = [s for s, x in images.items() if not np.isfinite(x).all()]
    notes = [f"sample quality of {s} samples not computed: decoded samples not finite"
             for s in bad]  # fmt: skip
    if len(bad) == len(images):
        return {**metrics, "notes": metrics["notes"] + notes}
    good = next(s for s in images if s not in bad)
    for b in bad:  # score a finite sampler in its place and drop those numbers
        outputs = replace_images(outputs, b, images[good])
    try:
        full = output_metrics(outputs, key=key, extractor=extractor, dataset_name=dataset_name)
    except ValueError as e:
        return {**metrics, "notes": [*metrics["notes"], f"sample quality not computed: {e}"]}
    added = {k: v for k, v in full.items() if k not in metrics and not any(
        k.endswith((f"_{b}", f"_{b}_std")) for b in bad)}  # fmt: skip
    return {**metrics, **added, "notes": [*metrics["notes"], *full["notes"], *notes]}


def sampler_images(outputs) -> dict[str, np.ndarray]:
    """``{sampler: decoded samples}``: ``prior``, ``gmm`` (when fitted), then the
    ex-post samplers' (``two_stage``)."""
    images = {"prior": outputs.x_prior}
    if outputs.x_gmm is not None:
        images["gmm"] = outputs.x_gmm
    return {**images, **{k: x for k, (_, x) in (outputs.ex_post or {}).items()}}


def replace_images(outputs, sampler: str, images: np.ndarray):
    """``outputs`` with the decoded samples of ``sampler`` replaced by ``images``."""
    if sampler in ("prior", "gmm"):
        return outputs._replace(**{f"x_{sampler}": images})
    z, _ = outputs.ex_post[sampler]
    return outputs._replace(ex_post={**outputs.ex_post, sampler: (z, images)})


def write_json(path: str, metrics: dict[str, Any]) -> None:
    """``metrics`` as strict JSON: a NaN or Inf number becomes ``null``, and a note in
    ``metrics["notes"]`` names it (``metrics`` is updated in place)."""
    bad = [k for k, v in metrics.items() if isinstance(v, float) and not math.isfinite(v)]
    for k in bad:
        metrics["notes"].append(f"{k} was {metrics[k]} (written as null)")
        metrics[k] = None
    with open(path + ".tmp", "w") as f:
        json.dump(metrics, f, indent=2, allow_nan=False)
    os.replace(path + ".tmp", path)


def write_eval_figures(directory: str, outputs) -> list[str]:
    """`write_figures` for an autoencoder's outputs; for a generator's (no codes), a grid
    of its first 64 samples; then the model's own grids."""
    if outputs.z_test is not None:
        paths = write_figures(directory, outputs)
        if len(outputs.x_prior[0].shape) == 3:
            for kind, (_, images) in (outputs.ex_post or {}).items():
                path = os.path.join(directory, f"samples_{kind}.png")
                paths.append(save_image_grid(path, images[:64], title=f"decoded {kind} draws"))
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
        *([f"  and {len(paths) - 1} figures in {os.path.dirname(paths[-1])}"] if paths[1:] else []),
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
        if f.num_samples < 1:
            raise ConfigError(f"--num_samples={f.num_samples} must be >= 1")
        metrics, paths = evaluate_workdir(
            f.workdir,
            num_samples=f.num_samples,
            extractor=f.extractor,
            seed=f.seed,
            step=f.step,
            ex_post=f.ex_post,
        )
    except ConfigError as e:  # user errors: one line; bugs keep their traceback
        if f.verbose:
            raise
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
        "extractor",
        "auto",
        "'auto' (the data's classifier), 'inception' (FID/KID), a classifier name or .npz "
        "path, or 'none'",
        flag_values=fv,
    )
    flags.DEFINE_integer("seed", 0, "PRNG seed of the evaluation", flag_values=fv)
    flags.DEFINE_list("ex_post", ["gmm"], "ex-post samplers: gmm and/or two_stage", flag_values=fv)
    flags.DEFINE_integer("step", None, "checkpoint step (default: the newest)", flag_values=fv)
    flags.DEFINE_bool("verbose", False, "tracebacks for user errors too", flag_values=fv)
    flags.mark_flags_as_required(["workdir"], flag_values=fv)


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(main)
