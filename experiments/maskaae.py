"""MaskAAE (Mondal et al., 2020) on Fashion-MNIST, latent_dim 32 with a learned mask.

    python -m experiments.run --config=experiments/maskaae.py

Network: MLP 784-512-32 / 32-512-784, WGAN-GP latent critic 32-512x3-1 with 5 critic
updates a step. Budget: 30,000 steps of 100 (50 epochs); Adam 1e-3 with cosine decay
for the autoencoder (and mask), Adam 1e-4 (b1 0.5, b2 0.9: WGAN-GP's) for the critic.
``autoencoder/num_active`` in the log is the number of dimensions the mask keeps
(alpha >= 0.1).

Time: TIMING. Expect: num_active falling from 32 to a handful more than the data's
intrinsic dimension would suggest, and rec_error close to a WAE's at that dimension.
Not yet measured at full length.
"""

from experiments import common


def get_config():
    config = common.base_config("maskaae", num_steps=30_000, players=("critic", "autoencoder"))
    config.optim.critic.update(learning_rate=1e-4, b1=0.5, b2=0.9, schedule="constant")
    return config
