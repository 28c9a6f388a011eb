"""beta-TCVAE (Chen et al., 2018), beta = 6, minibatch-weighted sampling, on Fashion-MNIST.

    python -m experiments.run --config=experiments/beta_tcvae.py

Network: the VAE's MLP 784-512-(2x16) / 16-512-784; ``dataset_size`` 60,000 (the
training split). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3 with cosine
decay, as experiments/vae.py. ``--config.model.estimator=mss`` selects the
stratified estimator.

Timing (measured Dec 2026 on this project's 2-core CPU under heavy sharing, load average
13-22, so noisy): a short run of 1000 steps ran at 17-25 steps/s; experiments/vae.py
under the same load ran 6.7 steps/s (it runs 130 steps/s, 4 min for 30,000 steps, at
load ~4). Extrapolated from that ratio, not measured: about 5-8 min for the 30,000 steps
at load ~4.

Expect: rec_error above the VAE's (the TC penalty costs reconstruction). The MWS
estimate of ``tc`` is biased upwards when the posteriors barely overlap (up to
(d - 1) log(N B) = 234 nats here): measured 166 after 1,000 steps (held-out rec_error
22.5, kl 7.4); read it across runs, not as an absolute value. Not yet measured at full length.
"""

from experiments import common


def get_config():
    return common.base_config("beta_tcvae", num_steps=30_000)
