"""WGAN-GP (Gulrajani et al. 2017) on Fashion-MNIST.

    python -m experiments.run --config=experiments/wgan_gp.py

The official MNIST settings: gradient penalty lambda = 10 at per-example random
interpolates, n_critic = 5, Adam 1e-4 (b1 = 0.5, b2 = 0.9) for both players, z ~
N(0, I)^128, no batch norm in the critic; batch 64 here (50 there). Network: MLPs as
experiments/gan.py (generator 128-256-512-784, critic 784-512-256-1 with a linear
output), not the official conv nets.

RESULTS
"""

from experiments.gan import gan_config

NUM_STEPS = 8_000


def get_config():
    return gan_config("wgan_gp", num_steps=NUM_STEPS, learning_rate=1e-4, b1=0.5, b2=0.9)
