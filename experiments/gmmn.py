"""GMMN+AE (Li et al., 2015) on Fashion-MNIST: a generator trained by minimising the
Gaussian-kernel MMD to the codes of an autoencoder.

    python -m experiments.run --config=experiments/gmmn.py

Model: `genjax.models.gans.gmmn`, ``space="code"`` (GMMN+AE) with the autoencoder
784-1024-32-1024-784 (sigmoid codes, Bernoulli loss) trained in the same run as a first
player, the generator 10-64-256-256-1024-32 matching its codes with sigma = 1 (the
paper's MNIST code-space settings). Why this default: GMMN+AE is the paper's better
model, and training the autoencoder in the run needs one command and no earlier run.
The paper's procedure, an autoencoder trained first and then fixed, is
``--config.model.autoencoder_workdir=runs/ae`` (any genjax autoencoder run, e.g.
``python -m experiments.run --config=experiments/ae.py --workdir=runs/ae``; its
``latent_dim`` is then the code space). Data space:
``--config.model.space=data`` (sigmas 2-80 on pixels).
Optimiser: Adam 1e-3 for both players (the paper: SGD with momentum 0.9); batch 500
(the paper: 1000; the MMD estimate needs large batches, the CPU budget a smaller one).

Budget: 2,000 steps of 500 (17 epochs; the paper's batch is 1000, which halves the
speed). Expect (measured, seed 0, short runs through
`genjax.training.step.make_multi_step`): 1.6 steps/s at batch 1000 on random images
(load ~10), 1.1 steps/s at batch 500 on Fashion-MNIST at load ~18, so 10-30 min for
the default run (extrapolated). After 500 steps of 500 (6 min at load ~18): autoencoder
rec_error 11.5, generator mmd2 (codes) 0.009; held-out MMD² of 500 samples, code space
0.0068, data space 0.10; samples: diverse, recognisable shirts, trousers, dresses,
sneakers, boots and bags, blurry like the autoencoder's reconstructions.

Timings: measured on this project's 2-core CPU while ~6 other jobs shared it (load
average 10-21), so an idle machine is faster; not yet measured on an accelerator.

Not yet measured at full length: the numbers above come from shorter runs.
"""

from experiments import common


def get_config():
    config = common.base_config(
        "gmmn", num_steps=2_000, players=("autoencoder", "generator"), schedule="constant",
        batch_size=500,
    )  # fmt: skip
    config.model.space = "code"
    return config
