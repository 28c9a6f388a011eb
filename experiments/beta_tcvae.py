"""beta-TCVAE (Chen et al., 2018), beta = 6, minibatch-weighted sampling, on Fashion-MNIST.

    python -m experiments.run --config=experiments/beta_tcvae.py

Network: the VAE's MLP 784-512-(2x16) / 16-512-784; ``dataset_size`` 60,000 (the
training split). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3 with cosine
decay, as experiments/vae.py. ``--config.model.estimator=mss`` selects the
stratified estimator.

Time: TIMING. Expect: training ``tc`` driven near 0 (a few nats), rec_error above the
VAE's (the TC penalty costs reconstruction). Not yet measured at full length.
"""

from experiments import common


def get_config():
    return common.base_config("beta_tcvae", num_steps=30_000)
