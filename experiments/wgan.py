"""WGAN with weight clipping (Arjovsky et al. 2017) on Fashion-MNIST.

    python -m experiments.run --config=experiments/wgan.py

The official settings: RMSprop 5e-5 for both players, critic weights clipped into
[-0.01, 0.01] after every critic update (``optim.critic.weight_clip``), n_critic = 5 with
100 critic updates for the first 25 generator updates and every 500th, batch 64, z ~
N(0, I)^100. Network: MLPs as experiments/gan.py (generator 100-256-512-784, critic
784-512-256-1 with a linear output).

Budget: 5,000 generator steps (with the schedule, 28,230 critic updates: 30 epochs of
critic batches).

Expect (measured, seed 0, 2-core CPU shared with other jobs, load average ~14-19): 6 min
21 s wall time, 14.0 steps/s after 13 s of compilation. Evaluation (2000 samples,
genjax classifier features): fd_classifier 139, KID 25.7, precision 0.73, recall 0.01,
all 10 classes with at least 1% of the samples (class_kl 0.15). samples.png: blurry,
low-contrast but recognisable tops, trousers, sneakers, boots and bags; no collapse,
but far from sharp after this budget (the official code trains for 100k+ generator
updates). On one GPU: not measured (no accelerator was available).
"""

from experiments import common
from experiments.gan import gan_config

NUM_STEPS = 5_000


def get_config():
    config = gan_config("wgan", num_steps=NUM_STEPS, learning_rate=5e-5)
    for player in ("critic", "generator"):
        config.optim[player] = common.optimizer(5e-5, name="rmsprop")
    config.optim.critic.weight_clip = 0.01
    return config
