"""Train (or reuse) several models at one budget, evaluate each, print one Markdown table.

    python -m experiments.compare --configs=ae,vae,wae_mmd,swae,cwae,rae --budget=10000

For each name, ``experiments/<name>.py``'s config is trained with ``train.num_steps``
set to the budget (cadences rescaled to it) in ``<workdir_root>/<name>``, unless that
workdir already holds a checkpoint at ``>= budget`` steps of the same run (its
``config.json`` matches what is asked, up to the fields that may change on resume, see
experiments/common.py), which is reused as it is (the ``Steps`` column says which step was
evaluated). A workdir with an older checkpoint is resumed up to the budget. A workdir that
holds another run (other data, overrides or model) is an error, raised before anything is
trained: pass another ``--workdir_root``. Each run is then evaluated as
``experiments.evaluate`` does (``eval.json`` and ``eval/*.png`` in its workdir). Writes
``<workdir_root>/comparison.md`` (the table, one row per model: reconstruction error,
FD of prior and GMM samples in classifier features, precision, recall, Mardia skewness
and kurtosis, CW normality) and ``<workdir_root>/learning_curves.png`` (train loss and
held-out rec_error against step, from each run's metrics.jsonl).

Flags:
  --configs       comma-separated config names in experiments/ (default: the six above)
  --budget        training steps per model (required)
  --workdir_root  where the runs live (default runs/compare)
  --max_train, --max_test   data subsets, for quick runs (default: all)
  --num_samples   samples per model for sample quality (default 2000)
  --extractor     features for sample quality: "auto" (genjax's classifier for the data,
                  default), "inception" (FID and KID columns; fetch the weights once:
                  python -m genjax.evaluation.inception --fetch), or a classifier's .npz path
  --set           extra config overrides applied to every model, e.g.
                  ``--set=train.batch_size=64`` (repeatable; unknown fields are errors)
  --verbose       show the traceback of a user error, not one line
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from experiments import common
from experiments.evaluate import evaluate_workdir, latest_checkpoint_step
from genjax.evaluation.figures import markdown_table, save_learning_curves
from genjax.training import (
    ConfigError,
    NonFiniteLossError,
    check_workdir,
    train_and_evaluate,
    validate_config,
)

DEFAULT_CONFIGS = ("ae", "vae", "wae_mmd", "swae", "cwae", "rae")
COLUMNS = (
    "model",
    "step",
    "rec_error",
    "fd_classifier_prior",
    "fd_classifier_gmm",
    "precision_prior",
    "recall_prior",
    "mardia_skewness",
    "mardia_kurtosis",
    "cw_normality",
)


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
    curves: dict[str, tuple[list[int], list[float]]] = {}
    path = os.path.join(workdir, "metrics.jsonl")
    if not os.path.exists(path):
        return curves
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    for split, key, name in (
        ("train", "loss", "train loss"),
        ("eval", "rec_error", "held-out rec_error"),
    ):
        points = [(r["step"], r[key]) for r in records if r.get("split") == split and key in r]
        if points:
            curves[name] = ([s for s, _ in points], [v for _, v in points])
    return curves


def compare(
    names: Sequence[str],
    *,
    budget: int,
    root: str = "runs/compare",
    max_train: int | None = None,
    max_test: int | None = None,
    num_samples: int = 2000,
    overrides: Sequence[str] = (),
    extractor: str = "auto",
    log=print,
) -> tuple[str, list[dict[str, Any]]]:
    """Train or reuse, then evaluate, each of ``names``; writes ``comparison.md`` and
    ``learning_curves.png`` in ``root``. Returns ``(table, rows)``.

    Raises `ConfigError` (before training anything) for a bad budget or override, or a
    workdir under ``root`` that holds another run than the one asked for.
    """
    if budget < 1:
        raise ConfigError(f"--budget={budget} must be >= 1")
    if num_samples < 1:
        raise ConfigError(f"--num_samples={num_samples} must be >= 1")
    root = os.path.abspath(root)
    configs = {}
    for name in names:
        configs[name] = make_config(
            name, budget=budget, max_train=max_train, max_test=max_test, overrides=overrides
        )
        validate_config(configs[name])
        check_workdir(os.path.join(root, name), configs[name])
    os.makedirs(root, exist_ok=True)
    rows, curves = [], {}
    for name in names:
        workdir, failure, config = os.path.join(root, name), None, configs[name]
        step = latest_checkpoint_step(workdir)
        if step is not None and step >= budget:
            # check_workdir above: the recorded config is this one, up to the budget.
            log(f"[{name}] reusing the checkpoint at step {step} in {workdir}")
        else:
            log(f"[{name}] training to step {budget} in {workdir}")
            try:
                train_and_evaluate(config, workdir)
            except NonFiniteLossError as e:
                # A diverging model is a result too: report its last good checkpoint.
                log(f"[{name}] {e}")
                failure = f"diverged: {e}"
                if latest_checkpoint_step(workdir) is None:
                    rows.append({"model": name, "notes": [failure]})
                    continue
        metrics, _ = evaluate_workdir(workdir, num_samples=num_samples, extractor=extractor)
        log(f"[{name}] wrote {os.path.join(workdir, 'eval.json')}")
        if failure:
            metrics["notes"] = [failure, *metrics["notes"]]
        rows.append({**metrics, "model": name})
        for metric, points in read_curves(workdir).items():
            curves.setdefault(metric, {})[name] = points
    n = sorted({r["num_samples"] for r in rows if "num_samples" in r})
    data = ", ".join(sorted({r["data"] for r in rows if "data" in r}))
    columns = COLUMNS
    distance = (
        "FD: Fréchet distance in genjax classifier features (not Inception; not comparable "
        "with published FIDs)"
    )
    if extractor == "inception":
        fid = ("fid_prior", "fid_gmm", "kid_prior", "kid_gmm")
        columns = tuple(c for c in COLUMNS if not c.startswith("fd_classifier"))
        columns = columns[:3] + fid + columns[3:]
        distance = (
            "FID and KID: in the FID Inception-v3 (TF graph 2015-12-05) pool features, "
            "grayscale repeated to RGB, resized to 299x299 (TF1 bilinear)"
        )
    table = markdown_table(rows, columns)
    caption = (
        f"Models trained on {data} for {budget} steps each. Rec. error: mean over "
        f"test examples of the summed squared error. {distance}, between "
        f"{'/'.join(map(str, n))} decoded prior (or GMM) samples and as many test images; "
        f"precision/recall of prior samples (k = 3). Skewness, kurtosis: Mardia's, of test "
        f"codes against N(0, I); CW normality: squared Cramer-Wold distance to N(0, I)."
    )
    notes = sorted({f"- {r['model']}: {note}" for r in rows for note in r["notes"]})
    text = "\n".join([table, caption, *(["", "Notes:", *notes] if notes else [])]) + "\n"
    with open(os.path.join(root, "comparison.md"), "w") as f:
        f.write(text)
    save_learning_curves(
        os.path.join(root, "learning_curves.png"),
        curves,
        title=f"{', '.join(names)} at {budget} steps",
    )
    return table, rows


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
            extractor=f.extractor,
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
        f"wrote {os.path.join(root, 'comparison.md')} and "
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
    flags.DEFINE_bool("verbose", False, "tracebacks for user errors too", flag_values=fv)
    flags.DEFINE_string(
        "extractor",
        "auto",
        "'auto' (the data's classifier), 'inception', or a .npz path",
        flag_values=fv,
    )
    flags.mark_flags_as_required(["budget"], flag_values=fv)


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(main)
