"""FactorVAE (Kim & Mnih, 2018), gamma = 10, on Fashion-MNIST.

    python -m experiments.run --config=experiments/factorvae.py

Network: the VAE's MLP 784-512-(2x10) / 10-512-784 and the paper's discriminator
(6 x 1000, leaky ReLU). Optimisers as the paper: Adam 1e-4 (b1 0.9, b2 0.999) for the
VAE, Adam 1e-4 (b1 0.5, b2 0.9) for the discriminator, constant. Budget: 30,000 steps
of 100 (50 epochs).

Timing (measured Dec 2026): 5.4 steps/s over the first 600 steps on one pinned core of
this project's 2-core CPU (a benchmark on the other core), so about 90 min for the
30,000 steps on such a core, not the 15-20 min extrapolated earlier from a loaded short
run. The paper's discriminator is the cost: ~5M parameters, updated on 2 x 100 codes
and evaluated again in the VAE's TC term, ~10 GFLOP a step against the VAE's ~0.5.

Expect (measured, Dec 2026, one pinned core shared with the test suite for its first 35
min): 97 min 24 s wall time (5.2 steps/s on average); held-out rec_error 12.34, kl 13.66,
tc 0.23, neg_elbo 247.5.

The discriminator ends near chance (d_joint 0.55, d_product 0.45) and the held-out tc
stays between 0.15 and 0.40 from step 6,000 on, down from 0.62 after 1,000 steps;
rec_error falls all the way (16.7 at 3,000, 13.3 at 15,000). The prior samples are
recognisable garments and shoes, blurred as a Gaussian-decoder VAE's are.
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
