"""WGAN with weight clipping (Arjovsky et al. 2017) on Fashion-MNIST.

    python -m experiments.run --config=experiments/wgan.py

The official settings: RMSprop 5e-5 for both players, critic weights clipped into
[-0.01, 0.01] after every critic update (``optim.critic.weight_clip``), n_critic = 5 with
100 critic updates for the first 25 generator updates and every 500th, batch 64, z ~
N(0, I)^100. Network: MLPs as experiments/gan.py (generator 100-256-512-784, critic
784-512-256-1 with a linear output).

RESULTS
"""

from experiments import common
from experiments.gan import gan_config

NUM_STEPS = 8_000


def get_config():
    config = gan_config("wgan", num_steps=NUM_STEPS, learning_rate=5e-5)
    for player in ("critic", "generator"):
        config.optim[player] = common.optimizer(5e-5, name="rmsprop")
    config.optim.critic.weight_clip = 0.01
    return config
