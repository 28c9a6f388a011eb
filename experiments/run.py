"""Train one experiment config: ``python -m experiments.run --config=experiments/wae_mmd.py``.

Flags:
  --config     a file in experiments/ with ``get_config()``; override any field with
               ``--config.<path>=<value>``, e.g. ``--config.train.num_steps=1000``.
               The config is locked: a misspelt field is an error, not a new field.
  --workdir    outputs (checkpoints, metrics.jsonl, PNG grids, config.json); default
               ``runs/<config file stem>``. Re-running the same command resumes from
               the newest checkpoint there; a workdir belongs to one run, so a command
               whose model, network, data or optimiser differ from its config.json is
               refused (see experiments/common.py for the fields that may change).
  --verbose    show the traceback of a user error (bad config or workdir), not one line
"""

from __future__ import annotations

import os
import sys

from absl import app, flags, logging
from ml_collections import config_flags

from genjax.training import ConfigError, NonFiniteLossError, train_and_evaluate


def default_workdir(config_path: str) -> str:
    """``runs/<stem>`` for ``experiments/<stem>.py``."""
    return os.path.join("runs", os.path.splitext(os.path.basename(config_path))[0])


def parse_flags(argv: list[str]) -> list[str]:
    """absl's parsing, with a one-line error (not a traceback) for a bad override."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        _exit_usage(str(e))
    except (AttributeError, KeyError) as e:
        # ml_collections raises AttributeError(KeyError("'name'\nDid you mean ...?")).
        inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
        text = str(inner.args[0]) if inner.args else str(inner)
        field = text.split("\n")[0].strip("'\"")
        given = [a for a in argv if a.startswith("--config.") and field in a]
        hint = " ".join(line for line in text.split("\n")[1:] if line)
        _exit_usage(
            f"{given[0] if given else 'a --config override'} names a field the config "
            f"does not have ({field!r}). {hint}".strip()
        )


def _exit_usage(message: str):
    print(f"error: {message}\nRun with --helpfull for the flags.", file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    workdir = flags.FLAGS.workdir or default_workdir(
        config_flags.get_config_filename(flags.FLAGS["config"])
    )
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # Orbax logs every save at INFO
    config = flags.FLAGS.config
    try:
        config.get("train")  # a config file that failed to load reports it on first use
    except OSError as e:
        _exit_usage(str(e))
    try:
        train_and_evaluate(config, workdir)
    except (ConfigError, NonFiniteLossError) as e:  # user errors; bugs keep the traceback
        if flags.FLAGS.verbose:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


def define_flags(flag_values=None) -> None:
    """The command's flags, defined when it runs (not at import, so that importing this
    module beside another command's defines no clashing global absl flags)."""
    fv = flags.FLAGS if flag_values is None else flag_values
    config_flags.DEFINE_config_file(
        "config",
        None,
        "experiment config file, e.g. experiments/wae_mmd.py",
        lock_config=True,
        flag_values=fv,
    )
    flags.DEFINE_string(
        "workdir", None, "output directory (default: runs/<config file stem>)", flag_values=fv
    )
    flags.DEFINE_bool("verbose", False, "tracebacks for user errors too", flag_values=fv)
    flags.mark_flags_as_required(["config"], flag_values=fv)


if __name__ == "__main__":
    define_flags()
    app.run(main, flags_parser=parse_flags)
