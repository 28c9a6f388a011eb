"""VAE with a VampPrior (Tomczak & Welling, 2018), Bernoulli likelihood, on Fashion-MNIST.

    python -m experiments.run --config=experiments/vamp.py

Network: the VAE's MLP 784-512-(2x16) / 16-512-784 and K = 500 pseudo-inputs (the
official code's MNIST setting). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3 with
cosine decay, as experiments/vae.py.

Timing (measured Dec 2026 on this project's 2-core CPU under heavy sharing, load average
13-22, so noisy): a short run of 1000 steps ran at 13 steps/s; experiments/vae.py under
the same load ran 6.7 steps/s (it runs 130 steps/s, 4 min for 30,000 steps, at load ~4).
Extrapolated from that ratio, not measured: about 10-15 min (each step also encodes the
500 pseudo-inputs) for the 30,000 steps at load ~4.

Expect: a held-out neg_elbo a few nats below the VAE's (the paper: about 2 nats on
MNIST) and rec_error near the VAE's; samples (drawn through the mixture) sharper than
the VAE's. After 1,000 steps (measured): held-out rec_error 14.0, neg_elbo 248.9. Not
yet measured at full length."""

from experiments import common


def get_config():
    return common.base_config("vamp", num_steps=30_000)
