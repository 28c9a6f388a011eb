"""LSGAN (Mao et al. 2017), targets a, b, c = 0, 1, 1, on Fashion-MNIST.

    python -m experiments.run --config=experiments/lsgan.py
    python -m experiments.run --config=experiments/lsgan.py \\
        --config.model.a=-1 --config.model.c=0 --workdir=runs/lsgan_pearson

Network: MLPs as experiments/gan.py (generator 100-256-512-784, critic 784-512-256-1
with a linear output). Adam 2e-4 (b1 = 0.5), the paper's, for both players; batch 64.

RESULTS
"""

from experiments.gan import gan_config

NUM_STEPS = 20_000


def get_config():
    return gan_config("lsgan", num_steps=NUM_STEPS)
