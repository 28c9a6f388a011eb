"""MaskAAE (Mondal et al., 2020) on Fashion-MNIST, latent_dim 32 with a learned mask.

    python -m experiments.run --config=experiments/maskaae.py

Network: MLP 784-512-32 / 32-512-784, WGAN-GP latent critic 32-512x3-1 with 5 critic
updates a step. Budget: 30,000 steps of 100 (50 epochs); Adam 1e-3 with cosine decay
for the autoencoder (and mask), Adam 1e-4 (b1 0.5, b2 0.9: WGAN-GP's) for the critic.
``autoencoder/num_active`` in the log is the number of dimensions the mask keeps
(alpha >= 0.1).

Timing (measured Dec 2026 on this project's 2-core CPU under heavy sharing, load average
13-22, so noisy): a short run of 250 steps ran at 2.5 steps/s; experiments/vae.py under
the same load ran 6.7 steps/s (it runs 130 steps/s, 4 min for 30,000 steps, at load ~4).
Extrapolated from that ratio, not measured: about 10-12 min (5 critic updates a step)
for the 30,000 steps at load ~4.

Expect: num_active falling from 32 to a handful more than the data's
intrinsic dimension would suggest, and rec_error close to a WAE's at that dimension.
After 250 steps (measured): rec_error 16.7, num_active still 32 (the binarisation
weight has barely started). Not yet measured at full length.
"""

from experiments import common


def get_config():
    config = common.base_config("maskaae", num_steps=30_000, players=("critic", "autoencoder"))
    config.optim.critic.update(learning_rate=1e-4, b1=0.5, b2=0.9, schedule="constant")
    return config
