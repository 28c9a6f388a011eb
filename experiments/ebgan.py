"""EBGAN (Zhao et al., 2017) on Fashion-MNIST: an autoencoder critic, margin loss and the
pulling-away term.

    python -m experiments.run --config=experiments/ebgan.py

Model: `genjax.models.gans.ebgan` defaults (margin 10, lambda_pt 0.1, the paper's MNIST
EBGAN-PT), MLP generator 64-512-512-784 and critic autoencoder 784-512-64-512-784.
Optimiser: Adam 1e-3 for both (the paper's best MNIST models use Adam around 1e-3),
b1 = 0.5, constant rate; batch 64.

Budget: 20,000 steps of 64 (21 epochs).

Expect (measured, seed 0, the default command; the run pinned to one core of this
project's 2-core CPU while other jobs shared the other, load average ~11): 14 min 36 s
wall time, 23.7 steps/s after 6.9 s of compilation. Held-out energy_real 10.99, energy_fake
9.53 (summed squared error of the critic's reconstructions), hinge 1.25; last train
pt 0.065 (1.0 at the start: the pulling-away term spreads the codes). Evaluation
(``experiments.evaluate``, 2000 samples against 2000 test images, genjax classifier
features): fd_classifier 40.4, KID 9.8, precision 0.89, recall 0.55, all 10 classes
(class_kl 0.068; real test images 0.001): the best sample quality of the MLP GANs here
(experiments/gan.py: FD 191, 7 classes). samples.png: clean, smooth tops, pullovers,
shirts, dresses, trousers, sneakers, a boot and bags: no mode collapse, a little blur.
On one GPU: not measured (no accelerator was available).
"""

from experiments import common


def get_config():
    config = common.base_config(
        "ebgan", num_steps=20_000, players=("critic", "generator"), schedule="constant",
        batch_size=64,
    )  # fmt: skip
    for player in ("critic", "generator"):
        config.optim[player].b1 = 0.5
    return config
