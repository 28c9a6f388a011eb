"""f-GAN (Nowozin et al. 2016) on Fashion-MNIST, KL divergence by default.

    python -m experiments.run --config=experiments/fgan.py
    python -m experiments.run --config=experiments/fgan.py \\
        --config.model.divergence=jensen_shannon --workdir=runs/fgan_js

``--config.model.divergence`` is one of kl, reverse_kl, pearson, squared_hellinger,
jensen_shannon, gan. Network: MLPs as experiments/gan.py. Adam 2e-4 (b1 = 0.5) for both
players; batch 64; the non-saturating generator loss (the paper's Sec. 3.2).

RESULTS
"""

from experiments.gan import gan_config

NUM_STEPS = 20_000


def get_config():
    return gan_config("fgan", num_steps=NUM_STEPS)
