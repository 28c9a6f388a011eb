"""A workdir belongs to one run (DESIGN.md, "Workdirs"): checks made before anything
is loaded or written.

``validate_config`` rejects values the trainer cannot use; ``check_workdir``
rejects a workdir that is not a writable directory or that ``config.json`` says
belongs to another run. Both raise `ConfigError`, the one type of user error,
which the command-line tools print as one line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

# Fields that may change when a run resumes: the budget, how it is split into
# dispatches, cadences, evaluation, where the data lives and how processes meet.
# Everything else (seed, data source and subsets, model, optimisers, batch size)
# decides what is trained, so a change means another run and another workdir.
RESUMABLE = (
    "train.num_steps",
    "train.steps_per_dispatch",
    "cadence.",
    "eval.",
    "distributed.",
    "data.on_device",
    "data.download",
    "data.data_dir",
)


# Fields added after workdirs were first written, with the value that reproduces what
# a run recorded without them did: such a workdir still resumes when the command asks
# for that value (a config field added to genjax must not orphan every existing run).
ADDED_FIELDS = {
    "data.rescale": "none",
    "data.standardize": False,
    "model.conv_impl": "auto",
    "optim.*.weight_clip": 0.0,
}


def _added_default(field: str):
    """The `ADDED_FIELDS` value for ``field`` (``*`` matches one path component)."""
    parts = field.split(".")
    for pattern, value in ADDED_FIELDS.items():
        p = pattern.split(".")
        if len(p) == len(parts) and all(a in ("*", b) for a, b in zip(p, parts, strict=True)):
            return value
    return ABSENT


class _Absent:
    def __repr__(self) -> str:
        return "absent"


ABSENT = _Absent()


class ConfigError(ValueError):
    """A user error in a config or workdir; the message says what to change."""


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a.b": value}`` for a nested mapping (a ConfigDict's JSON).

    Example:
        >>> flatten({"model": {"latent_dim": 8}, "seed": 0})
        {'model.latent_dim': 8, 'seed': 0}
    """
    flat = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def resumable(field: str) -> bool:
    """Whether ``field`` (a dotted path) may differ from the workdir's recorded config."""
    return any(field == r or (r.endswith(".") and field.startswith(r)) for r in RESUMABLE)


def config_json(config) -> str:
    """The text written to ``<workdir>/config.json``."""
    return config.to_json_best_effort(indent=2, sort_keys=True)


def config_differences(recorded: Mapping[str, Any], config) -> list[tuple[str, Any, Any]]:
    """``[(field, recorded value, asked value)]`` for the fields outside `RESUMABLE`
    that differ between a recorded config (parsed ``config.json``) and ``config``;
    a field only one of them has differs too (`ABSENT` stands for the missing value),
    except a field of `ADDED_FIELDS` that the recorded config predates, which reads as
    the value that reproduces the old behaviour."""
    old, new = flatten(recorded), flatten(json.loads(config_json(config)))

    def recorded_value(field):
        return old[field] if field in old else _added_default(field)

    return [
        (field, recorded_value(field), new.get(field, ABSENT))
        for field in sorted(old.keys() | new.keys())
        if not resumable(field) and recorded_value(field) != new.get(field, ABSENT)
    ]


def read_recorded_config(workdir: str) -> dict | None:
    """``<workdir>/config.json`` parsed, or ``None`` when there is none."""
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path} cannot be read ({e}); use another --workdir") from e


def check_workdir(workdir: str, config) -> bool:
    """Raise `ConfigError` unless ``workdir`` can hold this run: it is (or can be made)
    a writable directory and its ``config.json``, if any, records the same run up to
    `RESUMABLE` fields. Creates nothing. Returns whether a recorded config exists."""
    workdir = os.path.abspath(workdir)
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise ConfigError(f"workdir {workdir} is a file, not a directory; pass another --workdir")
    existing = workdir
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ConfigError(f"workdir {workdir} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"workdir {workdir}: {existing} is not writable; pass another --workdir")
    recorded = read_recorded_config(workdir)
    if recorded is None:
        return False
    differences = config_differences(recorded, config)
    if differences:
        differences.sort(key=lambda d: d[0] != "model.name")  # the model first: it explains most
        shown = "; ".join(f"{f}: {old!r} there, {new!r} asked" for f, old, new in differences[:6])
        more = f" (and {len(differences) - 6} more)" if len(differences) > 6 else ""
        raise ConfigError(
            f"workdir {workdir} holds another run ({shown}{more}). A workdir belongs to one "
            "run (model, networks, data, optimisers, seed): start another run in a new "
            "workdir, or delete this one to start over (fields that may change on resume: "
            f"{', '.join(r + ('*' if r.endswith('.') else '') for r in RESUMABLE)})"
        )
    return True


def _number(config, path: str):
    block = config
    for name in path.split("."):
        if block is None or name not in block:
            return None
        block = block[name]
    return block


def validate_config(config) -> None:
    """Raise `ConfigError` naming the first field the trainer cannot use: batch sizes,
    latent dimension and kept checkpoints below 1; negative steps, cadences or
    learning rates."""
    at_least = {
        "train.batch_size": 1,
        "train.num_steps": 0,
        "train.steps_per_dispatch": 0,
        "eval.batch_size": 1,
        "eval.num_examples": 1,
        "cadence.keep_checkpoints": 1,
        "cadence.log_every": 0,
        "cadence.eval_every": 0,
        "cadence.image_every": 0,
        "cadence.checkpoint_every": 0,
        "model.latent_dim": 1,
    }
    why = {
        "cadence.keep_checkpoints": " (0 would delete every checkpoint, the final one too)",
        "train.num_steps": " (the budget, in steps)",
    }
    for path, low in at_least.items():
        value = _number(config, path)
        if value is not None and not isinstance(value, bool) and value < low:
            raise ConfigError(f"{path}={value} must be >= {low}{why.get(path, '')}")
    for player, block in (_number(config, "optim") or {}).items():
        lr = block.get("learning_rate") if hasattr(block, "get") else None
        if lr is not None and lr < 0:
            raise ConfigError(
                f"optim.{player}.learning_rate={lr} must be >= 0 (a negative rate ascends the loss)"
            )
