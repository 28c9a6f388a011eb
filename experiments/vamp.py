"""VAE with a VampPrior (Tomczak & Welling, 2018), Bernoulli likelihood, on Fashion-MNIST.

    python -m experiments.run --config=experiments/vamp.py

Network: the VAE's MLP 784-512-(2x16) / 16-512-784 and K = 500 pseudo-inputs (the
official code's MNIST setting). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3 with
cosine decay, as experiments/vae.py.

Time: TIMING. Expect: a held-out neg_elbo a few nats below the VAE's (the paper: about
2 nats on MNIST) and rec_error near the VAE's; samples (drawn through the mixture)
sharper than the VAE's. Not yet measured at full length.
"""

from experiments import common


def get_config():
    return common.base_config("vamp", num_steps=30_000)
