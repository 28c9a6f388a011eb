"""experiments.remeasure: the docstrings' numbers parse, and a tiny run prints both columns."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.remeasure import (
    comparison_rows,
    config_docstring,
    expected_numbers,
    format_table,
    measured_key,
)
from genjax.models import AUTOENCODER_NAMES, MODEL_NAMES

ROOT = Path(__file__).resolve().parents[2]
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_config_docstring_has_numbers_to_remeasure(name):
    doc = config_docstring(str(ROOT / "experiments" / f"{name}.py"))
    expected = expected_numbers(doc)
    if not expected or "Not yet measured at full length" in " ".join(doc.split()):
        # A config not yet trained at its budget must say so, not stay silent.
        assert "Not yet measured at full length" in " ".join(doc.split()), name
        return
    # A measured config gives a rate, a wall time and a held-out number: an
    # autoencoder's reconstruction error, a GAN's sample quality.
    assert {"steps/s", "wall_s"} <= set(expected), expected
    if name in AUTOENCODER_NAMES:
        assert "rec_error" in expected, expected
    else:
        assert len(expected) > 2, expected
    assert all(value >= 0 for value, _ in expected.values())


def test_parsing_and_matching_by_hand():
    doc = (
        "Title.\n\nExpect (measured, seed 0): 3 min 40 s wall time (237 steps/s, on the "
        "2-core CPU); held-out rec_error\n10.54, mmd 0.0015, critic gan loss 1.26 (log 4 "
        "= 1.39); train rec 0.52, mmd 0.002.\n\nTimings: load average 3.3-3.8, kl 9.\n"
    )
    expected = expected_numbers(doc)
    assert {k: v for k, (v, _) in expected.items()} == {
        "wall_s": 220.0, "steps/s": 237.0, "rec_error": 10.54, "mmd": 0.0015, "loss": 1.26,
        "rec": 0.52,
    }  # fmt: skip
    measured = {"eval/rec_error": 11.0, "eval/mmd": 0.002, "eval/gan": 1.3, "rec": 0.5,
                "mmd": 0.003, "time/wall_s": 200.0, "time/steps_per_sec": 250.0}  # fmt: skip
    assert measured_key("mmd", "rec_error", measured) == "eval/mmd"  # held-out first
    rows = comparison_rows(expected, measured)
    assert [r[3] for r in rows] == [
        "time/wall_s", "time/steps_per_sec", "eval/rec_error", "eval/mmd", "eval/gan", "rec"
    ]  # fmt: skip
    assert rows[2][1:3] == ("10.54", "11")
    assert comparison_rows({"fid": (3.0, None)}, measured) == [("fid", "3", "-", "(not measured)")]
    assert format_table(rows).count("\n") == len(rows) + 1


@pytest.mark.skipif(not FASHION_MNIST.exists(), reason="Fashion-MNIST IDX files absent")
def test_tiny_remeasure_prints_both_columns(tmp_path):
    # One CPU device, as a user runs it (the tests' 8 fake devices only slow it down).
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    result = subprocess.run(
        [sys.executable, "-m", "experiments.remeasure", "--config=experiments/ae.py",
         "--config.train.num_steps=25", "--config.data.max_train=500",
         "--config.data.max_test=256", "--config.train.batch_size=64",
         "--config.eval.num_examples=256", "--config.eval.batch_size=128",
         f"--workdir={tmp_path / 'run'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "| number | docstring | measured | key |" in out
    row = next(line for line in out.splitlines() if line.startswith("| rec_error |"))
    _, name, documented, measured, key, _ = (c.strip() for c in row.split("|"))
    assert documented == "7.48" and float(measured) > 0 and key == "eval/rec_error"
    assert "the config's own budget, 30000 steps" in out
    assert (tmp_path / "run" / "config.json").exists()  # --workdir is kept


def test_docstring_examples():
    # experiments/ is outside the default doctest paths; run the module's examples here.
    import doctest

    import experiments.remeasure

    result = doctest.testmod(experiments.remeasure, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0
