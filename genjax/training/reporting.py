"""Where scalars go: ``<workdir>/metrics.jsonl``, and a progress bar on a terminal or
plain periodic lines elsewhere (CI logs). Only process 0 reports."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Mapping

import numpy as np
from tqdm.auto import tqdm

from genjax.training.tensorboard import SummaryWriter


def format_scalars(scalars: Mapping[str, float], limit: int = 8) -> str:
    """``name value`` pairs with 4 significant digits, the first ``limit`` of them."""
    items = list(scalars.items())[:limit]
    return "  ".join(f"{k} {v:.4g}" for k, v in items)


def format_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def first_non_finite(metrics: Mapping[str, np.ndarray], first_step: int):
    """The earliest step with a NaN/Inf metric and the terms that were, or ``None``.

    ``metrics`` holds ``[n]`` arrays for the steps ``first_step .. first_step+n-1``.
    """
    bad = {k: ~np.isfinite(np.atleast_1d(v)) for k, v in metrics.items()}
    rows = [np.flatnonzero(b) for b in bad.values() if b.any()]
    if not rows:
        return None
    i = min(int(r[0]) for r in rows)
    terms = {k: float(np.atleast_1d(metrics[k])[i]) for k, b in bad.items() if b[i]}
    return first_step + i, terms


class MetricWindow:
    """Running sums of per-step scalars between two log lines."""

    def __init__(self):
        self._sums: dict[str, float] = {}
        self._count = 0

    def add(self, metrics: Mapping[str, np.ndarray]) -> None:
        n = 0
        for k, v in metrics.items():
            v = np.atleast_1d(v)
            self._sums[k] = self._sums.get(k, 0.0) + float(v.sum(dtype=np.float64))
            n = len(v)
        self._count += n

    def mean_and_reset(self) -> dict[str, float]:
        means = {k: s / max(self._count, 1) for k, s in self._sums.items()}
        self._sums, self._count = {}, 0
        return means


class Reporter:
    """Progress and scalars of one run.

    Args:
        workdir: where ``metrics.jsonl`` is appended.
        total: the run's last step; ``initial``: the step it starts from. Records
            already in ``metrics.jsonl`` past ``initial`` (written after the checkpoint
            a resumed run restarts from) are dropped, so each step appears once.
        enabled: ``False`` on processes other than 0: nothing is written.
        bar: a tqdm bar (default: when stderr is a terminal), else plain lines.
        tensorboard: also write every logged scalar (as ``<split>/<name>``) and image
            to a TensorBoard event file in ``workdir`` (`genjax.training.tensorboard`),
            so that ``tensorboard --logdir runs/`` shows every run side by side.
    """

    def __init__(
        self,
        workdir,
        *,
        total: int,
        initial: int,
        enabled: bool = True,
        bar=None,
        tensorboard: bool = True,
    ):
        self.enabled = enabled
        self.total, self.initial = total, initial
        self.path = os.path.join(workdir, "metrics.jsonl")
        self._file = None
        self._bar = None
        self._tensorboard = None
        self._last = (time.perf_counter(), initial)
        if not enabled:
            return
        _truncate_jsonl(self.path, after_step=initial)
        self._file = open(self.path, "a", buffering=1)
        if tensorboard:
            self._tensorboard = SummaryWriter(workdir)
        use_bar = sys.stderr.isatty() if bar is None else bar
        if use_bar:
            self._bar = tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)

    def message(self, text: str) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(text)
        else:
            print(text, file=sys.stderr, flush=True)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def log(self, step: int, split: str, scalars: Mapping[str, float]) -> dict[str, float]:
        """Append a record; on the terminal, train scalars go to the bar (or a plain
        line with steps/s and ETA), eval scalars to a line of their own."""
        record = {k: float(v) for k, v in scalars.items()}
        if not self.enabled:
            return record
        if split == "train":
            now = time.perf_counter()
            t0, s0 = self._last
            rate = (step - s0) / max(now - t0, 1e-9)
            self._last = (now, step)
            record["steps_per_sec"] = rate
        self._file.write(json.dumps({"step": step, "split": split, **record}) + "\n")
        if self._tensorboard is not None:
            self._tensorboard.scalars(step, {f"{split}/{k}": v for k, v in record.items()})
        if split == "train" and self._bar is not None:
            self._bar.set_postfix_str(format_scalars(scalars, limit=5), refresh=False)
        elif split == "train":
            eta = (self.total - step) / rate if rate > 0 else float("inf")
            self.message(
                f"step {step}/{self.total}  {format_scalars(scalars)}  "
                f"{rate:.1f} steps/s  ETA {format_seconds(eta)}"
            )
        else:
            self.message(f"[{split} @ step {step}]  {format_scalars(scalars, limit=12)}")
        return record

    def images(self, step: int, paths) -> None:
        """The PNG files ``paths`` into TensorBoard, tagged by file name (no extension)."""
        if self._tensorboard is None:
            return
        for path in paths:
            with open(path, "rb") as f:
                self._tensorboard.image(step, os.path.splitext(os.path.basename(path))[0], f.read())

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()
            self._tensorboard = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._file is not None:
            self._file.close()
            self._file = None


def _truncate_jsonl(path: str, *, after_step: int) -> None:
    """Drop records with ``step > after_step`` (and a torn last line) from ``path``."""
    if not os.path.exists(path):
        return
    kept = []
    with open(path) as f:
        for line in f:
            try:
                if json.loads(line)["step"] <= after_step:
                    kept.append(line if line.endswith("\n") else line + "\n")
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    with open(path, "w") as f:
        f.writelines(kept)


def metric_series(workdir: str, split: str, key: str) -> tuple[list[int], list[float]]:
    """``(steps, values)`` of the scalar ``key`` in the ``split`` records of
    ``<workdir>/metrics.jsonl`` (empty lists when there is no such file or scalar; a torn
    last line, left by a killed run, is skipped as on resume).

    >>> import json, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "metrics.jsonl"), "w") as f:
    ...     _ = f.write(json.dumps({"step": 5, "split": "train", "loss": 2.0}) + "\\n")
    ...     _ = f.write(json.dumps({"step": 5, "split": "eval", "loss": 3.0}) + "\\n")
    ...     _ = f.write('{"step": 10, "spl')
    >>> metric_series(d, "train", "loss"), metric_series(d, "train", "absent")
    (([5], [2.0]), ([], []))
    """
    path = os.path.join(workdir, "metrics.jsonl")
    steps, values = [], []
    if not os.path.exists(path):
        return steps, values
    with open(path) as f:
        for line in f:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if record.get("split") == split and key in record:
                steps.append(record["step"])
                values.append(record[key])
    return steps, values
