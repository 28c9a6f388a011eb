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
Optimiser: Adam 1e-3 for both players (the paper: SGD with momentum 0.9); batch 1000,
as in the paper, since the MMD estimate needs large batches.

TIMING
"""

from experiments import common


def get_config():
    config = common.base_config(
        "gmmn", num_steps=6_000, players=("autoencoder", "generator"), schedule="constant",
        batch_size=1000,
    )  # fmt: skip
    config.model.space = "code"
    config.model.sigmas = (1.0,)
    return config
