"""Train (or reuse) several models at one budget, evaluate each, print one Markdown table.

    python -m experiments.compare --configs=ae,vae,wae_mmd,swae,cwae,rae --budget=10000

For each name, ``experiments/<name>.py``'s config is trained with ``train.num_steps``
set to the budget (cadences rescaled to it) in ``<workdir_root>/<name>`` (with
``--seeds=0,1,2``: once per seed, ``config.seed`` set to it, in
``<workdir_root>/<name>/seed<k>``), unless that
workdir already holds a checkpoint at ``>= budget`` steps of the same run (its
``config.json`` matches what is asked, up to the fields that may change on resume, see
experiments/common.py), which is reused as it is (the ``Steps`` column says which step was
evaluated). A workdir with an older checkpoint is resumed up to the budget. A workdir that
holds another run (other data, overrides or model) is an error, raised before anything is
trained: pass another ``--workdir_root``. Each run is then evaluated as
``experiments.evaluate`` does (``eval.json`` and ``eval/*.png`` in its workdir; the
evaluation's seed is the run's). Writes ``<workdir_root>/comparison.md`` (the table, one
row per model: steps, latent dimension, reconstruction error, FD of prior and GMM
samples in the extractor's features, precision and recall of prior and GMM samples,
Mardia skewness and kurtosis, CW normality; with several seeds each cell is the mean ±
the sample standard deviation over seeds), the same numbers in ``comparison.csv`` and
``comparison.json`` (which also holds every seed's numbers and the settings), and
``<workdir_root>/learning_curves.png`` (train loss and held-out rec_error against step,
from each run's metrics.jsonl; the first seed's). A last row, ``real: test vs train``,
scores as many training images as samples against the same test images: the value of
each sample metric for a perfect model at this sample count (FD's floor). Models that
differ in latent dimension get a warning.

Flags:
  --configs       comma-separated config names in experiments/ (default: the six above)
  --budget        training steps per model (required)
  --workdir_root  where the runs live (default runs/compare)
  --max_train, --max_test   data subsets, for quick runs (default: all)
  --num_samples   samples per model for sample quality (default 2000)
  --seeds         comma-separated seeds, e.g. 0,1,2: one run per config and seed, mean ± std
  --extractor     features for sample quality: "auto" (genjax's classifier for the data,
                  default), "inception" (FID and KID columns; fetch the weights once:
                  python -m genjax.evaluation.inception --fetch), a classifier trained with
                  genjax.evaluation.train_classifier (its name or folder), or "none"
  --set           extra config overrides applied to every model, e.g.
                  ``--set=train.batch_size=64`` (repeatable; unknown fields are errors)
  --ex_post       ex-post samplers of the autoencoders, comma-separated: "gmm" (default)
                  and/or "two_stage" (a second-stage VAE fitted to each model's training
                  codes, Dai & Wipf 2019; minutes per model on a CPU)
  --verbose       show the traceback of a user error, not one line

Ex-post samplers as rows of a paper table: each sampler has its own columns (FD,
precision and recall: "FD GMM", "FD 2-stage", ...), so the paper's row "WAE + 2-stage" is
the ``wae_mmd`` row read in the 2-stage columns, "RAE + GMM" the ``rae`` row in the GMM
columns, and "AE + N(0, I)" the ``ae`` row in the prior columns. With
``--ex_post=gmm,two_stage`` every model gets both, computed from the same training codes
(``comparison.json`` has them per seed); ``--ex_post=two_stage`` shows the 2-stage columns
in place of the GMM ones (the GMM is still fitted and in ``eval.json``).
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from experiments import common
from experiments.evaluate import eval_json_name, evaluate_workdir, latest_checkpoint_step
from experiments.tables import (
    COLUMNS as COLUMNS,  # the default table's columns, importable from here as before
)
from experiments.tables import (
    aggregate,
    columns_for,
    comparison_caption,
    merge_notes,
    parse_seeds,
    real_rows,
    write_tables,
)
from genjax.evaluation.classifier import resolve_extractor_flag
from genjax.evaluation.figures import markdown_table, save_learning_curves
from genjax.evaluation.outputs import EX_POST, check_ex_post
from genjax.training import (
    ConfigError,
    NonFiniteLossError,
    check_workdir,
    train_and_evaluate,
    validate_config,
)
from genjax.training.reporting import metric_series

DEFAULT_CONFIGS = ("ae", "vae", "wae_mmd", "swae", "cwae", "rae")


def apply_override(config, assignment: str) -> None:
    """``"path.to.field=value"`` on a locked ``config`` (a misspelt field raises);
    the value is a Python literal when it parses as one, else a string."""
    path, sep, text = assignment.partition("=")
    if not sep:
        raise ConfigError(f"override {assignment!r} is not of the form path.to.field=value")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    *parents, leaf = path.split(".")
    block = config
    for name in parents:
        if not hasattr(block, "keys") or name not in block:
            raise ConfigError(f"override {assignment!r}: the config has no field {path!r}")
        block = block[name]
    if not hasattr(block, "keys") or leaf not in block:
        raise ConfigError(f"override {assignment!r}: the config has no field {path!r}")
    block[leaf] = value


def make_config(name: str, *, budget: int, max_train=None, max_test=None, overrides=()):
    """``experiments/<name>.py``'s config trained for ``budget`` steps (cadences rescaled,
    checkpoints kept as configured), with data subsets and ``overrides`` applied."""
    config = importlib.import_module(f"experiments.{name}").get_config()
    config.train.num_steps = budget
    keep = config.cadence.keep_checkpoints, config.cadence.keep_best
    config.cadence.update(common.cadence(budget))
    config.cadence.keep_checkpoints, config.cadence.keep_best = keep
    if max_train is not None:
        config.data.max_train = max_train
    if max_test is not None:
        config.data.max_test = max_test
    config.lock()
    for assignment in overrides:
        apply_override(config, assignment)
    return config


def read_curves(workdir: str) -> dict[str, tuple[list[int], list[float]]]:
    """``{"train loss": (steps, values), "held-out rec_error": (...)}`` from metrics.jsonl."""
    curves = {}
    for split, key, name in (
        ("train", "loss", "train loss"),
        ("train", "generator/loss", "generator loss"),  # GANs have one loss per player
        ("eval", "rec_error", "held-out rec_error"),
    ):
        steps, values = metric_series(workdir, split, key)
        if steps:
            curves[name] = (steps, values)
    return curves


def train_or_reuse(tag: str, workdir: str, config, budget: int, log=print) -> str | None:
    """Train ``config`` in ``workdir`` up to ``budget`` steps, or reuse its checkpoint if
    it already has one at ``>= budget`` (the caller checked, with `check_workdir`, that
    the recorded run is this one). Returns None, or a note when training diverged: a
    diverging model is a result too, reported from its last good checkpoint."""
    step = latest_checkpoint_step(workdir)
    if step is not None and step >= budget:
        log(f"[{tag}] reusing the checkpoint at step {step} in {workdir}")
        return None
    log(f"[{tag}] training to step {budget} in {workdir}")
    try:
        train_and_evaluate(config, workdir)
    except NonFiniteLossError as e:
        log(f"[{tag}] {e}")
        return f"diverged: {e}"
    return None


def compare(
    names: Sequence[str],
    *,
    budget: int,
    root: str = "runs/compare",
    max_train: int | None = None,
    max_test: int | None = None,
    num_samples: int = 2000,
    overrides: Sequence[str] = (),
    seeds: str | Sequence[int] | None = None,
    extractor: str | None = "auto",
    ex_post: str | Sequence[str] = ("gmm",),
    two_stage_options: dict | None = None,
    log=print,
) -> tuple[str, list[dict[str, Any]]]:
    """Train or reuse, then evaluate, each of ``names`` (once per seed of ``seeds``);
    writes ``comparison.{md,csv,json}`` and ``learning_curves.png`` in ``root``. Returns
    ``(table, rows)``: one row per model (mean and ``_std`` over seeds), then the
    real-vs-real row.

    ``extractor``: as ``experiments.evaluate``'s (``"auto"``: the classifier of each
    run's data; a name or path of a classifier; ``"inception"``; None: no sample
    quality), checked by `resolve_extractor_flag` before anything is trained.
    ``ex_post``: the ex-post samplers (`EX_POST` names, or ``"gmm,two_stage"``), each
    with its columns (`columns_for`); ``two_stage_options``: keyword arguments of
    `genjax.evaluation.samplers.fit_two_stage` (for quick runs).

    Raises `ConfigError` (before training anything) for a bad budget, seed list,
    override or extractor, or a workdir under ``root`` that holds another run than the
    one asked for.
    """
    if budget < 1:
        raise ConfigError(f"--budget={budget} must be >= 1")
    if num_samples < 1:
        raise ConfigError(f"--num_samples={num_samples} must be >= 1")
    seeds = parse_seeds(seeds)
    try:
        ex_post = check_ex_post(ex_post)
    except ValueError as e:
        raise ConfigError(f"--{e}") from None
    if seeds is not None and any(o.partition("=")[0].strip() == "seed" for o in overrides):
        raise ConfigError("give seeds with --seeds=0,1,2, not --set=seed=...")
    try:
        extractor = resolve_extractor_flag(extractor)
    except (FileNotFoundError, ValueError) as e:
        raise ConfigError(str(e).splitlines()[0]) from e
    root = os.path.abspath(root)
    runs_of = {}  # name -> [(seed, workdir, config)]
    for name in names:
        runs_of[name] = []
        for seed in seeds or [None]:
            config = make_config(
                name, budget=budget, max_train=max_train, max_test=max_test, overrides=overrides
            )
            if seed is not None:
                config.seed = seed
            workdir = os.path.join(root, name) if seed is None else os.path.join(
                root, name, f"seed{seed}"
            )  # fmt: skip
            validate_config(config)
            check_workdir(workdir, config)
            runs_of[name].append((config.seed, workdir, config))
    os.makedirs(root, exist_ok=True)
    rows, curves, all_runs = [], {}, []
    for name in names:
        evaluated = []
        for seed, workdir, config in runs_of[name]:
            tag = name if seeds is None else f"{name} seed {seed}"
            failure = train_or_reuse(tag, workdir, config, budget, log)
            if failure and latest_checkpoint_step(workdir) is None:
                evaluated.append({"model": name, "seed": seed, "notes": [failure]})
                continue
            metrics, _ = evaluate_workdir(
                workdir,
                num_samples=num_samples,
                extractor=extractor,
                seed=0 if seeds is None else seed,
                ex_post=ex_post,
                two_stage_options=two_stage_options,
            )
            log(f"[{tag}] wrote {os.path.join(workdir, eval_json_name(extractor))}")
            if failure:
                metrics["notes"] = [failure, *metrics["notes"]]
            evaluated.append({**metrics, "model": name, "seed": seed})
            if seed == runs_of[name][0][0]:
                for metric, points in read_curves(workdir).items():
                    curves.setdefault(metric, {})[name] = points
        all_runs += evaluated
        row = aggregate(evaluated)
        row.pop("seed", None)
        rows.append({**row, "model": name, "notes": merge_notes(evaluated, seeds)})
    configs = [(seed, config) for name in names for seed, _, config in runs_of[name]]
    reals, real_runs, real_notes = real_rows(
        configs, num_samples=num_samples, extractor=extractor,
        samplers=tuple(dict.fromkeys(("prior", "gmm", *ex_post))),
    )  # fmt: skip
    rows += reals
    all_runs += real_runs
    latent = {r["model"]: r["latent_dim"] for r in rows if "latent_dim" in r}
    warnings = []
    if len(set(map(str, latent.values()))) > 1:
        warnings.append(
            "warning: the models differ in latent dimension ("
            + ", ".join(f"{k}: {v}" for k, v in latent.items())
            + "); their normality statistics and sample quality are not like for like"
        )
        log(warnings[0])
    columns = columns_for(ex_post)
    caption = comparison_caption(rows, budget=budget, seeds=seeds, extractor=extractor,
                                 ex_post=ex_post)  # fmt: skip
    notes = sorted({f"- {r['model']}: {note}" for r in rows for note in r.get("notes", [])})
    notes = [f"- {w}" for w in warnings] + [f"- {n}" for n in real_notes] + notes
    settings = dict(configs=list(names), budget=budget, seeds=seeds, num_samples=num_samples,
                    extractor=extractor, max_train=max_train, max_test=max_test,
                    overrides=list(overrides), workdir_root=root,
                    ex_post=list(ex_post))  # fmt: skip
    write_tables(root, rows, columns, caption, notes, settings, all_runs)
    first = "" if seeds is None else f", seed {seeds[0]}"
    save_learning_curves(
        os.path.join(root, "learning_curves.png"),
        curves,
        title=f"{', '.join(names)} at {budget} steps{first}",
    )
    return markdown_table(rows, columns), rows


def main(argv, flag_values=None):
    from absl import flags, logging

    if len(argv) > 1:
        raise SystemExit(f"error: unexpected arguments: {' '.join(argv[1:])}")
    f = flags.FLAGS if flag_values is None else flag_values
    if "verbosity" in f and not f["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # Orbax logs every save at INFO
    names = [n.strip() for n in f.configs if n.strip()]
    here = os.path.dirname(os.path.abspath(__file__))
    missing = [n for n in names if not os.path.exists(os.path.join(here, f"{n}.py"))]
    if missing:
        print(f"error: no config experiments/<name>.py for {missing}", file=sys.stderr)
        sys.exit(2)
    try:
        table, _ = compare(
            names,
            budget=f.budget,
            root=f.workdir_root,
            max_train=f.max_train,
            max_test=f.max_test,
            num_samples=f.num_samples,
            overrides=f.set,
            seeds=f.seeds,
            extractor=f.extractor,
            ex_post=f.ex_post,
        )
    except ConfigError as e:  # user errors: one line; bugs keep their traceback
        if f.verbose:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    root = os.path.abspath(f.workdir_root)
    print()
    print(table)
    print(
        f"wrote {os.path.join(root, 'comparison.md')} (.csv, .json) and "
        f"{os.path.join(root, 'learning_curves.png')}"
    )


def define_flags(flag_values=None) -> None:
    """The command's flags (defined only when run as a command, see experiments.evaluate)."""
    from absl import flags

    fv = flags.FLAGS if flag_values is None else flag_values
    flags.DEFINE_list(
        "configs", list(DEFAULT_CONFIGS), "config names in experiments/", flag_values=fv
    )
    flags.DEFINE_integer("budget", None, "training steps per model", flag_values=fv)
    flags.DEFINE_string("workdir_root", "runs/compare", "where the runs live", flag_values=fv)
    flags.DEFINE_integer("max_train", None, "training examples (default: all)", flag_values=fv)
    flags.DEFINE_integer("max_test", None, "test examples (default: all)", flag_values=fv)
    flags.DEFINE_integer(
        "num_samples", 2000, "samples per model for sample quality", flag_values=fv
    )
    flags.DEFINE_multi_string(
        "set", [], "config override path=value for every model", flag_values=fv
    )
    flags.DEFINE_string(
        "seeds", None, "comma-separated seeds: one run each, mean ± std", flag_values=fv
    )
    flags.DEFINE_string(
        "extractor",
        "auto",
        "'auto' (the data's classifier), 'inception', a trained classifier's name or path, "
        "or 'none'",
        flag_values=fv,
    )
    flags.DEFINE_list(
        "ex_post", ["gmm"], f"ex-post samplers, some of {','.join(EX_POST)}", flag_values=fv
    )
    flags.DEFINE_bool("verbose", False, "tracebacks for user errors too", flag_values=fv)
    flags.mark_flags_as_required(["budget"], flag_values=fv)


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(main)
