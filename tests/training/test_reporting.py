"""`genjax.training.reporting`: window means, the first non-finite step, times, JSONL."""

import json
import math

import numpy as np

from genjax.training.reporting import MetricWindow, Reporter, first_non_finite, format_seconds


def test_metric_window_means_over_steps_and_reset():
    window = MetricWindow()
    window.add({"loss": np.array([1.0, 2.0, 3.0]), "rec": np.array([0.5, 0.5, 2.0])})
    window.add({"loss": np.float32(6.0), "rec": np.float32(1.0)})  # one step, a scalar
    means = window.mean_and_reset()
    assert means == {"loss": (1 + 2 + 3 + 6) / 4, "rec": (0.5 + 0.5 + 2 + 1) / 4}
    assert window.mean_and_reset() == {}  # reset
    window.add({"loss": np.array([10.0])})
    assert window.mean_and_reset() == {"loss": 10.0}


def test_first_non_finite():
    nan, inf = float("nan"), float("inf")
    metrics = {"loss": np.array([1.0, 2.0, nan, nan]), "reg": np.array([0.0, inf, 1.0, nan])}
    step, terms = first_non_finite(metrics, first_step=100)
    assert step == 101 and terms == {"reg": inf}  # loss is still finite at 101
    step, terms = first_non_finite({"loss": metrics["loss"], "x": np.zeros(4)}, 7)
    assert step == 9 and list(terms) == ["loss"] and math.isnan(terms["loss"])
    assert first_non_finite({"loss": np.arange(5.0)}, 0) is None
    assert first_non_finite({"loss": np.float32(-inf)}, 3) == (3, {"loss": -inf})


def test_format_seconds():
    assert format_seconds(0) == "0:00"
    assert format_seconds(59.6) == "1:00"
    assert format_seconds(61) == "1:01"
    assert format_seconds(3600 + 2 * 60 + 5) == "1:02:05"
    assert format_seconds(float("inf")) == "?" and format_seconds(float("nan")) == "?"


def _records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_reporter_writes_jsonl_that_parses(tmp_path, capsys):
    reporter = Reporter(tmp_path, total=20, initial=0, bar=False)
    reporter.log(10, "train", {"loss": np.float32(0.5), "rec": 1.25})
    reporter.log(10, "eval", {"rec_error": 3.0})
    reporter.log(20, "train", {"loss": 0.25, "rec": 1.0})
    reporter.close()
    records = _records(tmp_path / "metrics.jsonl")
    assert [(r["step"], r["split"]) for r in records] == [
        (10, "train"),
        (10, "eval"),
        (20, "train"),
    ]
    assert records[0]["loss"] == 0.5 and records[0]["rec"] == 1.25
    assert records[1] == {"step": 10, "split": "eval", "rec_error": 3.0}
    assert all(r["steps_per_sec"] > 0 for r in records if r["split"] == "train")
    err = capsys.readouterr().err
    assert "step 10/20" in err and "[eval @ step 10]" in err and "rec_error 3" in err

    # A run resumed from the checkpoint at step 10 drops the records written after it.
    resumed = Reporter(tmp_path, total=20, initial=10, bar=False)
    resumed.log(15, "train", {"loss": 0.3})
    resumed.close()
    records = _records(tmp_path / "metrics.jsonl")
    assert [(r["step"], r["split"]) for r in records] == [
        (10, "train"),
        (10, "eval"),
        (15, "train"),
    ]


def test_reporter_disabled_writes_nothing(tmp_path):
    reporter = Reporter(tmp_path, total=5, initial=0, enabled=False)
    assert reporter.log(1, "train", {"loss": 1.0}) == {"loss": 1.0}
    reporter.close()
    assert not (tmp_path / "metrics.jsonl").exists()
