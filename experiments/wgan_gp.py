"""WGAN-GP (Gulrajani et al. 2017) on Fashion-MNIST.

    python -m experiments.run --config=experiments/wgan_gp.py

The official MNIST settings: gradient penalty lambda = 10 at per-example random
interpolates, n_critic = 5, Adam 1e-4 (b1 = 0.5, b2 = 0.9) for both players, z ~
N(0, I)^128, no batch norm in the critic; batch 64 here (50 there). Network: MLPs as
experiments/gan.py (generator 128-256-512-784, critic 784-512-256-1 with a linear
output), not the official conv nets.

Budget: 5,000 generator steps (25,000 critic updates, 27 epochs of critic batches).

Expect (measured, seed 0, 2-core CPU shared with other jobs, load average ~14-19): 8 min
6 s wall time, 11.2 steps/s after 23 s of compilation. Evaluation (2000 samples,
genjax classifier features): fd_classifier 57.1, KID 12.7, precision 0.77, recall 0.40,
all 10 classes (class_kl 0.03). samples.png: the best of the MLP GANs here at this
budget: clean trousers, T-shirts, sneakers, boots, bags and pullovers, somewhat blurry,
with some streaky backgrounds. On one GPU: not measured (no accelerator was available).
"""

from experiments.gan import gan_config

NUM_STEPS = 5_000


def get_config():
    return gan_config("wgan_gp", num_steps=NUM_STEPS, learning_rate=1e-4, b1=0.5, b2=0.9)
