"""EBGAN (Zhao et al., 2017) on Fashion-MNIST: an autoencoder critic, margin loss and the
pulling-away term.

    python -m experiments.run --config=experiments/ebgan.py

Model: `genjax.models.gans.ebgan` defaults (margin 10, lambda_pt 0.1, the paper's MNIST
EBGAN-PT), MLP generator 64-512-512-784 and critic autoencoder 784-512-64-512-784.
Optimiser: Adam 1e-3 for both (the paper's best MNIST models use Adam around 1e-3),
b1 = 0.5, constant rate; batch 64.

TIMING
"""

from experiments import common


def get_config():
    config = common.base_config(
        "ebgan", num_steps=20_000, players=("critic", "generator"), schedule="constant",
        batch_size=64,
    )  # fmt: skip
    for player in ("critic", "generator"):
        config.optim[player].b1 = 0.5
    return config
