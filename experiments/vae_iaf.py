"""VAE with an inverse autoregressive flow posterior (Kingma et al., 2016) on
Fashion-MNIST.

    python -m experiments.run --config=experiments/vae_iaf.py

Network: the VAE's MLP encoder 784-512-(2x16 + 32 context) and decoder 16-512-784,
2 IAF steps of MADE (320, 320). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3
with cosine decay, as experiments/vae.py.

Time: TIMING. Expect: a held-out neg_elbo a little below the VAE's (the paper: about
1-2 nats on MNIST), rec_error near it. Not yet measured at full length.
"""

from experiments import common


def get_config():
    return common.base_config("vae_iaf", num_steps=30_000)
