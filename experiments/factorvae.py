"""FactorVAE (Kim & Mnih, 2018), gamma = 10, on Fashion-MNIST.

    python -m experiments.run --config=experiments/factorvae.py

Network: the VAE's MLP 784-512-(2x10) / 10-512-784 and the paper's discriminator
(6 x 1000, leaky ReLU). Optimisers as the paper: Adam 1e-4 (b1 0.9, b2 0.999) for the
VAE, Adam 1e-4 (b1 0.5, b2 0.9) for the discriminator, constant. Budget: 30,000 steps
of 100 (50 epochs).

Time: TIMING. Expect: the discriminator near chance (d_joint, d_product about 0.5)
and the held-out tc near 0. Not yet measured at full length.
"""

from experiments import common


def get_config():
    config = common.base_config(
        "factorvae",
        num_steps=30_000,
        players=("autoencoder", "discriminator"),
        learning_rate=1e-4,
        schedule="constant",
    )
    config.optim.discriminator.b1 = 0.5
    config.optim.discriminator.b2 = 0.9
    return config
