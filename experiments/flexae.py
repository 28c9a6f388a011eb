"""FlexAE (Mondal et al., 2021) on Fashion-MNIST: a learned latent prior.

    python -m experiments.run --config=experiments/flexae.py

Network: MLP 784-512-16 / 16-512-784, prior generator 16-512x2-16, WGAN-GP latent
critic 16-512x3-1 with 5 updates a step. Budget: 30,000 steps of 100 (50 epochs); Adam
1e-3 with cosine decay for the autoencoder, Adam 1e-4 (b1 0.5, b2 0.9) for the critic
and the prior. Samples (samples.png) are decoded draws of the learned prior.

Timing (measured Dec 2026 on this project's 2-core CPU under heavy sharing, load average
13-22, so noisy): a short run of 250 steps ran at 2.5 steps/s; experiments/vae.py under
the same load ran 6.7 steps/s (it runs 130 steps/s, 4 min for 30,000 steps, at load ~4).
Extrapolated from that ratio, not measured: about 10-12 min (5 critic updates a step)
for the 30,000 steps at load ~4.

Expect: rec_error near the plain autoencoder's at latent_dim 16 and prior samples better
than an AE's N(0, I) samples. After 250 steps (measured): rec_error 17.5, critic w1
1.75. Not yet measured at full length."""

from experiments import common


def get_config():
    config = common.base_config(
        "flexae", num_steps=30_000, players=("critic", "prior", "autoencoder")
    )
    for player in ("critic", "prior"):
        config.optim[player].update(learning_rate=1e-4, b1=0.5, b2=0.9, schedule="constant")
    return config
