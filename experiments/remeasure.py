"""Re-measure a config's numbers and print them beside the ones its docstring promises.

    python -m experiments.remeasure --config=experiments/wae_mmd.py

Trains the config at its own budget with `genjax.training.train_and_evaluate` in a
fresh temporary workdir (removed afterwards; ``--workdir=DIR`` keeps it, and re-running
with the same DIR resumes instead of retraining), then prints one row per number in
the docstring's "Expect (measured, seed 0): ..." paragraph: the docstring's value and
the value measured now. Numbers are read loosely as ``name value`` pairs
(``rec_error 10.54``, ``kl 16.6``), plus ``N steps/s`` and ``M min S s wall time``;
a name is looked up among the held-out metrics (``eval/<name>``), then the last train
means, then the timings (``time/<name>``). Any config field can be overridden as in
``experiments.run``, e.g. for a quick check that it works::

    python -m experiments.remeasure --config=experiments/ae.py \\
        --config.train.num_steps=50 --config.data.max_train=500

(numbers at a smaller budget are not comparable with the docstring's, of course).
Use it when recording a config's "Expect" line, and paste the measured column.
Timings depend on the machine and its load: compare them only on the machine that
recorded them.
"""

from __future__ import annotations

import ast
import math
import os
import re
import shutil
import sys
import tempfile

EXPECT = re.compile(r"Expect\s*\([^)]*\)\s*:(?P<body>.*?)(?:\n\s*\n|\Z)", re.S)
NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
# `name value`: a word (letters, digits, _ and /) followed by a number that is not
# part of a longer token ("2-core", "4 = ...") or followed by a unit.
PAIR = re.compile(
    rf"(?<![\w/.])(?P<name>[A-Za-z_][\w/]*)\s+(?P<value>{NUMBER})"
    r"(?![\w%-]|\.\d|\s*=|\s+(?:steps|min|s|ms|x|epochs?)\b)"
)
# Words that precede a number in prose without naming it ("at 267", "log 4").
NOT_NAMES = {"a", "about", "and", "at", "by", "in", "is", "log", "not", "of", "on", "or",
             "than", "the", "to", "x"}  # fmt: skip
RATE = re.compile(rf"(?P<value>{NUMBER})\s+steps/s")
WALL = re.compile(rf"(?:(?P<min>{NUMBER})\s*min)?\s*(?:(?P<sec>{NUMBER})\s*s)?\s+wall time")


def expected_numbers(doc: str) -> dict[str, tuple[float, str | None]]:
    """``{name: (value, previous word)}`` from the "Expect (...): ..." paragraph of ``doc``,
    first occurrence of each name, in order; ``steps/s`` and ``wall_s`` (seconds) too.

    >>> doc = '''Expect (measured, seed 0): 2 min 5 s wall time (130 steps/s); held-out
    ... rec_error 8.77, kl 16.6, critic gan loss 1.14; train rec 0.52.
    ...
    ... Timings: load average 3.8.'''
    >>> {k: v[0] for k, v in expected_numbers(doc).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'wall_s': 125.0, 'steps/s': 130.0, 'rec_error': 8.77, 'kl': 16.6, 'loss': 1.14,
     'rec': 0.52}
    """
    match = EXPECT.search(doc or "")
    if match is None:
        return {}
    body = match.group("body")
    found: dict[str, tuple[float, str | None]] = {}
    wall = next((m for m in WALL.finditer(body) if m.group("min") or m.group("sec")), None)
    if wall is not None:
        seconds = 60 * float(wall.group("min") or 0) + float(wall.group("sec") or 0)
        found["wall_s"] = (seconds, None)
    rate = RATE.search(body)
    if rate is not None:
        found["steps/s"] = (float(rate.group("value")), None)
    for m in PAIR.finditer(body):
        name = m.group("name")
        if name in found or name.lower() in NOT_NAMES:
            continue
        words = re.findall(r"[A-Za-z_][\w/]*", body[: m.start()])
        found[name] = (float(m.group("value")), words[-1] if words else None)
    return found


_TIME_KEYS = {"wall_s": "time/wall_s", "steps/s": "time/steps_per_sec"}


def measured_key(name: str, previous: str | None, measured: dict) -> str | None:
    """The key of ``measured`` that the docstring's ``name`` refers to, or None.

    >>> measured_key("loss", "gan", {"eval/gan": 1.2, "loss": 3.0})  # "critic gan loss"
    'eval/gan'
    >>> measured_key("rec_error", None, {"eval/rec_error": 9.0})
    'eval/rec_error'
    """
    if name in _TIME_KEYS:
        return _TIME_KEYS[name] if _TIME_KEYS[name] in measured else None
    # "critic gan loss 1.14": the held-out metric is named by the word before "loss".
    candidates = [f"eval/{previous}"] if name == "loss" and previous else []
    candidates += [f"eval/{name}", name, f"time/{name}"]
    return next((c for c in candidates if c in measured), None)


def comparison_rows(expected: dict, measured: dict) -> list[tuple[str, str, str, str]]:
    """``(name, docstring value, measured value, measured key)`` rows, as text."""
    rows = []
    for name, (value, previous) in expected.items():
        key = measured_key(name, previous, measured)
        got = "-" if key is None else _format(measured[key])
        rows.append((name, _format(value), got, key or "(not measured)"))
    return rows


def format_table(rows: list[tuple[str, str, str, str]]) -> str:
    """A Markdown table: number, docstring, measured, where it was measured.

    >>> print(format_table([("kl", "16.6", "16.41", "eval/kl")]))
    | number | docstring | measured | key |
    | --- | --- | --- | --- |
    | kl | 16.6 | 16.41 | eval/kl |
    """
    lines = ["| number | docstring | measured | key |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def _format(value) -> str:
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def config_docstring(path: str) -> str:
    """The module docstring of a config file, read without running it."""
    with open(path) as f:
        return ast.get_docstring(ast.parse(f.read(), filename=path)) or ""


def remeasure(config, workdir: str) -> dict[str, float]:
    """Train ``config`` in ``workdir`` (resuming what is there) and return the final
    metrics: last train means, ``eval/<name>`` held-out metrics, ``time/<name>``."""
    from genjax.training import train_and_evaluate

    result = train_and_evaluate(config, workdir)
    metrics = result[1] if isinstance(result, tuple) else result
    return {k: float(v) for k, v in metrics.items() if _is_number(v)}


def _file_budget(path: str) -> int | None:
    """``train.num_steps`` of the config file as written (before overrides)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_remeasured_config", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        return int(module.get_config().train.num_steps)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def main(argv):
    from absl import flags, logging
    from ml_collections import config_flags

    if len(argv) > 1:
        raise SystemExit(f"error: unexpected arguments: {' '.join(argv[1:])}")
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # Orbax logs every save at INFO
    path = config_flags.get_config_filename(flags.FLAGS["config"])
    expected = expected_numbers(config_docstring(path))
    if not expected:
        print(f"note: {path} has no 'Expect (...): ...' paragraph; printing the measured "
              "numbers only", file=sys.stderr)  # fmt: skip
    config = flags.FLAGS.config
    workdir = flags.FLAGS.workdir
    temporary = workdir is None
    if temporary:
        workdir = tempfile.mkdtemp(prefix="remeasure_")
    try:
        measured = remeasure(config, workdir)
    finally:
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{os.path.basename(path)} at {config.train.num_steps} steps, seed {config.seed}:")
    budget = _file_budget(path)
    if budget is not None and budget != config.train.num_steps:
        print(f"note: the docstring's numbers are for the config's own budget, {budget} steps")
    print(format_table(comparison_rows(expected, measured)))
    shown = {measured_key(n, p, measured) for n, (_, p) in expected.items()}
    rest = [k for k in measured if k.startswith("eval/") and k not in shown]
    if rest:
        print("also measured: " + ", ".join(f"{k} {_format(measured[k])}" for k in rest))


def define_flags(flag_values=None) -> None:
    from absl import flags
    from ml_collections import config_flags

    fv = flags.FLAGS if flag_values is None else flag_values
    config_flags.DEFINE_config_file(
        "config",
        None,
        "experiment config file, e.g. experiments/wae_mmd.py",
        lock_config=True,
        flag_values=fv,
    )
    flags.DEFINE_string(
        "workdir",
        None,
        "train here and keep it (default: a temporary folder, removed)",
        flag_values=fv,
    )
    flags.mark_flags_as_required(["config"], flag_values=fv)


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(main)
