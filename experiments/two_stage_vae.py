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

Timing (measured Dec 2026): 13.2 steps/s over the first 4,200 steps of phase 1 on one
core of this project's 2-core CPU (a benchmark on the other core), so about 40 min for
the 30,000 steps on such a core (the second stage's 3 x 1024 MLPs dominate; phase 2
trains it alone), not the 12-15 min extrapolated earlier from a loaded short run.

Expect: stage-1 rec_error near the VAE's or below (learned gamma), a held-out
``stage2_neg_elbo`` far below the stage-1 kl, and samples sharper than the VAE's prior
samples. After 250 steps (measured): rec_error 25.0, stage2_neg_elbo 22.2. Not yet
measured at full length."""

from experiments import common


def get_config():
    config = common.base_config(
        "two_stage_vae", num_steps=30_000, players=("stage1", "stage2"), schedule="constant"
    )
    config.model.stage2_hidden = (1024, 1024, 1024)  # the paper's second stage
    return config
