"""Two-stage VAE (Dai & Wipf, 2019) on Fashion-MNIST: both stages in one run.

    python -m experiments.run --config=experiments/two_stage_vae.py

Stage 1: the VAE's MLP 784-512-(2x16) / 16-512-784 with a Gaussian likelihood of
learned variance (the paper's gamma), for ``model.phase1_steps`` = 20,000 steps; stage 2:
a VAE 16-1024x3-(2x16) / 16-1024x3-16 with learned gamma on the stage-1 codes, trained
in phase 1 too (a warm start) and alone for the remaining 10,000 steps (30,000 in
all). Adam 1e-3, constant (a cosine schedule would be spent by the phase switch).
Killed in either phase, the same command resumes (tested in
tests/models/test_two_stage_vae.py). Samples (samples.png, ``sample``) go through the
second stage.

Time: TIMING. Expect: stage-1 rec_error near the VAE's or below (learned gamma), a
held-out ``stage2_neg_elbo`` far below the stage-1 kl, and samples sharper than the
VAE's prior samples. Not yet measured at full length.
"""

from experiments import common


def get_config():
    config = common.base_config(
        "two_stage_vae", num_steps=30_000, players=("stage1", "stage2"), schedule="constant"
    )
    config.model.stage2_hidden = (1024, 1024, 1024)  # the paper's second stage
    return config
