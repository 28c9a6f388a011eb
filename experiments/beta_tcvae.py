"""beta-TCVAE (Chen et al., 2018), beta = 6, minibatch-weighted sampling, on Fashion-MNIST.

    python -m experiments.run --config=experiments/beta_tcvae.py

Network: the VAE's MLP 784-512-(2x16) / 16-512-784; ``dataset_size`` 60,000 (the
training split). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3 with cosine
decay, as experiments/vae.py. ``--config.model.estimator=mss`` selects the
stratified estimator.

Expect (measured, seed 0, Dec 2026): 8 min 26 s wall time (61 steps/s, one pinned core
of this project's 2-core CPU while the test suite used the other, load average ~4);
held-out rec_error 14.65, kl 6.36, tc 165.8, neg_elbo 250.1 nats.

The TC penalty costs reconstruction: the VAE's held-out rec_error is 8.77 and its kl
16.6 (experiments/vae.py); 6 of the 16 latent dimensions stay active. The MWS estimate
of ``tc`` is biased upwards when the posteriors barely overlap (by up to (d - 1) log(N B)
= 234 nats here) and the dimension-wise KL downwards by as much (the training log's
``dwkl`` is negative; the three terms still sum to the kl): read them across runs, not
as absolute values. `experiments.evaluate` (2000 samples): prior samples at
fd_classifier 122.9 (precision 0.92, recall 0.08), the GMM's at 93.7, 10 classes.
samples.png: smooth, blurry garments, shoes and bags, many nearly alike, and a few dark
smudges; fewer details than the VAE's.
"""

from experiments import common


def get_config():
    return common.base_config("beta_tcvae", num_steps=30_000)
