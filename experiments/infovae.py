"""InfoVAE / MMD-VAE (Zhao et al., 2019), alpha = 1, lambda = 1000, on Fashion-MNIST.

    python -m experiments.run --config=experiments/infovae.py

Network: the VAE's MLP 784-512-(2x16) / 16-512-784. Budget: 30,000 steps of 100 (50
epochs), Adam 1e-3 with cosine decay, as experiments/vae.py.

Time: TIMING. Expect: rec_error well below the VAE's (no KL term pulls the codes
together) and a small held-out mmd; prior samples about as good as the VAE's. Not yet
measured at full length.
"""

from experiments import common


def get_config():
    return common.base_config("infovae", num_steps=30_000)
