"""The demonstration table of ``python -m genjax.divergences``."""

import math
import os
import subprocess
import sys

import jax
import numpy as np

from genjax.divergences import __main__ as demo
from genjax.divergences.sliced import random_directions


def test_main_prints_one_row_per_sample_and_the_normal_sample_scores_best(capsys):
    table = demo.main([])
    out = capsys.readouterr().out
    columns = [name for name, _ in demo.COLUMNS]

    assert list(table) == list(demo.SAMPLES)
    assert "n = 512 samples in d = 8" in out and "backend: " in out
    header = next(line for line in out.splitlines() if line.startswith("sample"))
    assert header.split() == ["sample", *columns]
    for name, row in table.items():
        assert list(row) == columns
        assert all(math.isfinite(v) for v in row.values()), row
        printed = next(line for line in out.splitlines() if line.startswith(name))
        np.testing.assert_allclose(
            [float(v) for v in printed[len(name) :].split()],
            [row[c] for c in columns],
            rtol=1e-3,
        )

    normal, skewed = table["normal"], table["skewed"]
    others = [table[name] for name in demo.SAMPLES if name != "normal"]
    for column in columns:
        if column.startswith("hz_"):
            continue
        assert all(normal[column] < other[column] for other in others), column
    # Henze-Zirkler standardises the sample, so the shifted and scaled ones (still
    # Gaussian) tie with the normal sample; only the skewed one is rejected.
    for name in ("shifted mean", "scaled x1.5"):
        for column in ("hz_stat", "hz_p_value"):
            np.testing.assert_allclose(table[name][column], normal[column], rtol=1e-3)
    assert skewed["hz_stat"] > normal["hz_stat"]
    assert skewed["hz_p_value"] < 1e-3 < normal["hz_p_value"]
    # Each table entry is the statistic of the sample the demo draws: recompute the
    # samples from the same keys and the statistics in float64 numpy.
    k_samples, k_prior, k_directions = jax.random.split(jax.random.key(0), 3)
    prior = np.asarray(jax.random.normal(k_prior, (512, 8)), np.float64)
    theta = np.asarray(random_directions(k_directions, 50, 8), np.float64)
    for name, z in demo.make_samples(k_samples, 512, 8).items():
        z = np.asarray(z, np.float64)
        row = table[name]
        np.testing.assert_allclose(row["mardia_skew"], np.sum((z @ z.T) ** 3) / 512**2, rtol=1e-4)
        kurtosis = np.mean(np.sum(z * z, axis=1) ** 2) - 8 * 10
        np.testing.assert_allclose(row["|mardia_kurt|"], abs(kurtosis), rtol=1e-4, atol=1e-3)
        gaps = np.sort(z @ theta.T, axis=0) - np.sort(prior @ theta.T, axis=0)
        np.testing.assert_allclose(row["sliced_w2"], np.mean(gaps**2), rtol=1e-4)


def test_module_runs_as_a_script():
    result = subprocess.run(
        [sys.executable, "-m", "genjax.divergences", "--n", "64", "--d", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert "normal" in rows and "skewed" in rows
