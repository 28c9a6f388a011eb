"""FactorVAE (Kim & Mnih, 2018), gamma = 10, on Fashion-MNIST.

    python -m experiments.run --config=experiments/factorvae.py

Network: the VAE's MLP 784-512-(2x10) / 10-512-784 and the paper's discriminator
(6 x 1000, leaky ReLU). Optimisers as the paper: Adam 1e-4 (b1 0.9, b2 0.999) for the
VAE, Adam 1e-4 (b1 0.5, b2 0.9) for the discriminator, constant. Budget: 30,000 steps
of 100 (50 epochs).

Timing (measured Dec 2026 on this project's 2-core CPU under heavy sharing, load average
13-22, so noisy): a short run of 1000 steps ran at 1.7 steps/s; experiments/vae.py under
the same load ran 6.7 steps/s (it runs 130 steps/s, 4 min for 30,000 steps, at load ~4).
Extrapolated from that ratio, not measured: about 15-20 min (the paper's 6 x 1000
discriminator dominates) for the 30,000 steps at load ~4.

Expect: the discriminator near chance (d_joint, d_product about 0.5)
and the held-out tc near 0. After 1,000 steps (measured):
held-out rec_error 22.0, tc 0.62, d_joint 0.60, d_product 0.40. Not yet measured at
full length.
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
