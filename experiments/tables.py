"""The table of ``experiments.compare``: seeds aggregated into mean ± std, the real-vs-real
row that gives each metric's floor, and the Markdown, CSV and JSON files."""

from __future__ import annotations

import csv
import json
import math
import numbers
import os
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from genjax.evaluation.classifier import (
    IMAGE_SHAPE,
    FeatureExtractor,
    load_feature_extractor,
    sample_quality,
)
from genjax.evaluation.figures import markdown_table
from genjax.evaluation.outputs import check_ex_post
from genjax.evaluation.sample_metrics import sampler_columns
from genjax.training import ConfigError
from genjax.training.loop import load_dataset

REAL_ROW = "real: test vs train"
# Same for every seed of a run (shown as they are, or "a/b" when they differ): not averaged.
FIXED = ("step", "latent_dim", "num_samples", "num_test", "num_codes")


COLUMNS = (
    "model",
    "step",
    ("latent_dim", "Latent dim"),
    "rec_error",
    "fd_classifier_prior",
    "fd_classifier_gmm",
    "precision_prior",
    "recall_prior",
    "precision_gmm",
    "recall_gmm",
    ("num_classes_prior", "Classes"),
    ("class_kl_prior", "Class KL"),
    "mardia_skewness",
    "mardia_kurtosis",
    "cw_normality",
)
# Headers of an ex-post sampler's columns beyond the GMM's (e.g. "FD 2-stage").
SAMPLER_HEADERS = {"two_stage": "2-stage"}


def columns_for(ex_post: Sequence[str] = ("gmm",)) -> tuple:
    """`COLUMNS` with the FD, precision and recall columns of each sampler of
    ``ex_post`` (`EX_POST` names) after the GMM's, the GMM's only when it is asked for.

    >>> [c if isinstance(c, str) else c[0] for c in columns_for(["two_stage"])][4:8]
    ['fd_classifier_prior', 'fd_classifier_two_stage', 'precision_prior', 'recall_prior']
    """
    ex_post = check_ex_post(ex_post)
    columns = []
    for column in COLUMNS:
        key = column if isinstance(column, str) else column[0]
        if key.endswith("_gmm") and "gmm" not in ex_post:
            continue
        columns.append(column)
        if key in ("fd_classifier_gmm", "recall_gmm") or (
            "gmm" not in ex_post and key in ("fd_classifier_prior", "recall_prior")
        ):
            metrics = ("fd_classifier",) if key.startswith("fd_") else ("precision", "recall")
            for kind in (k for k in ex_post if k != "gmm"):
                label = SAMPLER_HEADERS.get(kind, kind)
                for metric in metrics:
                    header = "FD" if metric == "fd_classifier" else metric.capitalize()
                    columns.append((f"{metric}_{kind}", f"{header} {label}"))
    return tuple(columns)


def parse_seeds(text: str | Sequence[int] | None) -> list[int] | None:
    """``"0,1,2"`` (or a list of ints) -> ``[0, 1, 2]``; None or ``""`` -> None (one run
    per config, at the config's seed, in ``<root>/<name>``)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        seeds = [int(str(item).strip()) for item in items if str(item).strip()]
    except ValueError:
        raise ConfigError(f"--seeds={text}: expected integers like 0,1,2") from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ConfigError(f"--seeds={text}: expected distinct integers >= 0, like 0,1,2")
    return seeds


def aggregate(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One row from several seeds' metrics: each number the mean over the seeds that have
    it (finite), ``<key>_std`` the sample standard deviation (ddof 1) when two or more
    do; `FIXED` keys as they are when equal (else ``"a/b"``). A single run is returned
    as it is (its own ``_std`` entries, e.g. KID's over subsets, kept).

    >>> row = aggregate([{"rec_error": 1.0, "step": 4}, {"rec_error": 3.0, "step": 4}])
    >>> row["rec_error"], round(row["rec_error_std"], 4), row["step"], row["num_seeds"]
    (2.0, 1.4142, 4, 2)
    """
    if len(runs) == 1:
        return {**runs[0], "num_seeds": 1}
    row: dict[str, Any] = {"num_seeds": len(runs)}
    keys = dict.fromkeys(k for r in runs for k in r if not k.endswith("_std"))
    for key in keys:
        values = [r[key] for r in runs if key in r]
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            if all(v == values[0] for v in values):
                row[key] = values[0]  # same text in every run (data, model name)
            continue
        if key in FIXED:
            distinct = sorted(set(values))
            row[key] = distinct[0] if len(distinct) == 1 else "/".join(map(str, distinct))
            continue
        finite = [float(v) for v in values if math.isfinite(v)]
        row[key] = float(np.mean(finite)) if finite else float("nan")
        if len(finite) >= 2:
            row[f"{key}_std"] = float(np.std(finite, ddof=1))
    return row


def real_vs_real(
    config,
    *,
    num_samples: int,
    extractor: str | None,
    seed: int,
    samplers: Sequence[str] = ("prior", "gmm"),
):
    """Sample quality of ``m`` training images against the first ``m`` test images (the
    real images every model's samples are scored against; ``m = min(num_samples, test,
    train)``), as the columns of every one of ``samplers`` (the same numbers): what a model
    whose samples were real data would score. Returns ``(row, notes)``; ``row`` is None
    (and a note says why) when there is no extractor for the data."""
    if extractor is None:
        return None, ["no real-vs-real row: sample quality skipped (no extractor)"]
    dataset = load_dataset(config)
    name = config.data.source if extractor == "auto" else extractor
    try:
        features = load_feature_extractor(name)
    except (FileNotFoundError, ValueError) as e:
        return None, [f"no real-vs-real row: {e}".splitlines()[0]]
    shape = tuple(dataset.test.shape[1:])
    if isinstance(features, FeatureExtractor) and shape != IMAGE_SHAPE:
        return None, [f"no real-vs-real row: the classifier takes {IMAGE_SHAPE}, data {shape}"]
    m = min(num_samples, len(dataset.test), len(dataset.train))
    quality = sample_quality(
        dataset.test[:m],
        dataset.train[:m],
        extractor=features,
        key=jax.random.key(seed),
        name="inception" if extractor == "inception" else "classifier",
    )
    row = {"model": REAL_ROW, "data": dataset.name, "num_samples": m, "notes": []}
    for sampler in samplers:
        row.update(sampler_columns(quality, sampler))
    return row, []


def real_rows(
    configs: Sequence[tuple[int | None, Any]],
    *,
    num_samples: int,
    extractor: str | None,
    samplers: Sequence[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """The real-vs-real rows of a comparison of runs ``configs`` (``[(seed, config)]``):
    `real_vs_real` once per distinct data and seed, aggregated over seeds into one row per
    data (usually one; the data's name is added to the row's label when there are
    several). Returns ``(rows, runs, notes)``: the rows, each seed's numbers, and notes
    (e.g. why there is no such row)."""
    per_key, notes = {}, []
    for seed, config in configs:
        key = (json.dumps(config.data.to_dict(), sort_keys=True, default=str), seed)
        if key in per_key:
            continue
        real, why = real_vs_real(
            config, num_samples=num_samples, extractor=extractor, seed=seed, samplers=samplers
        )
        per_key[key] = None if real is None else {**real, "seed": seed}
        notes += [n for n in why if n not in notes]
    by_data: dict[str, list] = {}
    for (data_json, _), real in per_key.items():
        if real is not None:
            by_data.setdefault(data_json, []).append(real)
    rows, runs = [], []
    for reals in by_data.values():
        row = aggregate(reals)
        row.pop("seed", None)
        if len(by_data) > 1:
            row["model"] = f"{REAL_ROW} ({row['data']})"
        rows.append(row)
        runs += reals
    return rows, runs, notes


def comparison_caption(
    rows: Sequence[dict[str, Any]],
    *,
    budget: int,
    seeds: Sequence[int] | None,
    extractor: str | None,
    ex_post: Sequence[str],
) -> str:
    """The words under a comparison table: data, budget, spread over seeds, what each
    column measures and in which features."""
    n = sorted({str(r["num_samples"]) for r in rows if "num_samples" in r})
    data = ", ".join(sorted({r["data"] for r in rows if "data" in r}))
    spread = (
        ""
        if seeds is None or len(seeds) < 2
        else f"Each cell: mean ± sample standard deviation over seeds "
        f"{', '.join(map(str, seeds))} (each seed: its own training run, data subset and "
        f"evaluation draws). "
    )
    caption = (
        f"Models trained on {data} for {budget} steps each. {spread}Rec. error: mean over "
        f"test examples of the summed squared error. FD: Fréchet distance in the features of "
        f"{extractor_description(extractor)} between {'/'.join(n)} decoded prior (or GMM) "
        f"samples, or a GAN's samples, and as many test images; precision/recall of prior "
        f"and GMM samples (k = 3). Classes: classes the classifier predicts for at least 1% "
        f"of the samples; Class KL: KL of their class histogram from uniform. "
        f"'{REAL_ROW}': as many training images in place of samples, the value of each "
        f"metric for a perfect model at this sample count. Skewness, kurtosis: Mardia's, of "
        f"test codes against N(0, I); CW normality: squared Cramer-Wold distance to N(0, I)."
    )
    if "two_stage" in ex_post:
        caption += (
            " 2-stage: decoded draws of a second-stage VAE fitted to each model's training "
            "codes (Dai & Wipf 2019), e.g. the row of wae_mmd in these columns is "
            "'WAE + 2-stage'."
        )
    return caption


def write_tables(root: str, rows, columns, caption: str, notes, settings, runs) -> list[str]:
    """``comparison.md`` (table, caption, notes), ``comparison.csv`` (one line per row:
    every column and its ``_std``, ``num_seeds``) and ``comparison.json`` (rows, every
    seed's run, settings, caption; strict JSON: NaN and Inf become null). Returns paths."""
    table = markdown_table(rows, columns)
    md = os.path.join(root, "comparison.md")
    with open(md, "w") as f:
        f.write("\n".join([table, caption, *(["", "Notes:", *notes] if notes else [])]) + "\n")
    keys = [c if isinstance(c, str) else c[0] for c in columns]
    fields = ["model", "num_seeds"]
    for key in keys[1:]:
        fields += [key, f"{key}_std"]
    path_csv = os.path.join(root, "comparison.csv")
    with open(path_csv, "w", newline="") as f:
        writer = csv.DictWriter(f, fields, extrasaction="ignore", restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in fields})

    def strict(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: strict(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [strict(v) for v in value]
        return value

    path_json = os.path.join(root, "comparison.json")
    record = {"settings": settings, "columns": keys, "caption": caption, "notes": notes,
              "rows": rows, "runs": runs}  # fmt: skip
    with open(path_json + ".tmp", "w") as f:
        json.dump(strict(record), f, indent=2, allow_nan=False)
    os.replace(path_json + ".tmp", path_json)
    return [md, path_csv, path_json]


def merge_notes(runs: Sequence[dict[str, Any]], seeds: Sequence[int] | None) -> list[str]:
    """The runs' notes: as they are when every seed has them, else prefixed by the seed."""
    if seeds is None:
        return [n for r in runs for n in r.get("notes", [])]
    everywhere = set.intersection(*(set(r.get("notes", [])) for r in runs)) if runs else set()
    notes = list(dict.fromkeys(n for r in runs for n in r.get("notes", []) if n in everywhere))
    for seed, r in zip(seeds, runs, strict=True):
        notes += [f"seed {seed}: {n}" for n in r.get("notes", []) if n not in everywhere]
    return notes


def extractor_description(extractor: str | None) -> str:
    """Words for the caption: which features the sample metrics are computed in."""
    if extractor is None:
        return "no extractor (sample quality skipped)"
    if extractor == "auto":
        return (
            "genjax's classifier for the data (not Inception; not comparable with published FIDs)"
        )
    if extractor == "inception":
        return "the FID Inception-v3"
    return f"the classifier {extractor} (not Inception; not comparable with published FIDs)"
