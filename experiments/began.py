"""BEGAN (Berthelot et al., 2017) on Fashion-MNIST: an autoencoder critic with an L1
energy and the k_t equilibrium controller.

    python -m experiments.run --config=experiments/began.py

Model: `genjax.models.gans.began` defaults (gamma 0.5, lambda_k 0.001, k_0 = 0, uniform
noise of 64, code 64), MLP generator 64-512-512-784 and critic 784-512-64-512-784.
k_t lives in the model state (checkpointed); the log shows critic/k and critic/m_global
(the paper's convergence measure, which should fall as samples improve).
Optimiser: Adam 1e-4, b1 = 0.5 for both (the paper: 1e-4, decayed when M_global
stalls; carpedm20/BEGAN-tensorflow: 8e-5, b1 = 0.5); batch 64 (the paper uses 16).

TIMING
"""

from experiments import common


def get_config():
    config = common.base_config(
        "began", num_steps=20_000, players=("critic", "generator"), learning_rate=1e-4,
        schedule="constant", batch_size=64,
    )  # fmt: skip
    for player in ("critic", "generator"):
        config.optim[player].b1 = 0.5
    return config
