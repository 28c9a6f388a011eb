"""InfoGAN (Chen et al., 2016) on Fashion-MNIST: one Cat(10) and two Uniform(-1, 1) codes
recovered by a Q head on the discriminator's trunk.

    python -m experiments.run --config=experiments/infogan.py

Model: `genjax.models.gans.infogan` defaults (noise U[-1, 1] of 62, lambda 1 for every
code, Q with fixed unit variance for the continuous codes, as in the official MNIST
code), MLP generator 74-512-512-784, trunk 784-512-512, Q head 512-128-12.
Optimiser (the official code): Adam 2e-4 for the discriminator (and Q), 1e-3 for the
generator, b1 = 0.5, constant; batch 128. Besides samples.png, the trainer saves the
model's `image_grids` (code_cat.png: rows are noise draws, columns the 10 categories;
code_cont0.png / code_cont1.png: rows are categories, columns a continuous code from
-2 to 2).

Budget: 15,000 steps of 128 (32 epochs).

Expect (measured, seed 0, the default command; the run pinned to one core of this
project's 2-core CPU while other jobs shared the other, load average ~11): 15 min 0 s
wall time, 17.6 steps/s after 11.1 s of compilation. Held-out gan 1.35 (the critic's
cross-entropy; log 4 = 1.39 at chance), info_ce 0.0035 (mi_cat 2.299 of the log 10 =
2.303 bound: Q reads the category back), info_nll 1.85 (1.84 is the floor of a
unit-variance Gaussian). Evaluation (``experiments.evaluate``, 2000 samples against
2000 test images, genjax classifier features): fd_classifier 31.1, KID 3.6, precision
0.72, recall 0.04, all 10 classes (class_kl 0.038; real test images 0.001): every class
at nearly its share, but the low recall says each class is covered narrowly.
samples.png: every kind of item, recognisable, speckled with salt-and-pepper pixels.
code_cat.png: each column one kind of item (boots, pullovers, sneakers, shirts,
trousers, dresses...: the categories separate classes, a few share one); code_cont0.png:
the continuous code morphs shape along a row (a boot into a sneaker, a bag into a
shirt, trousers widen). On one GPU: not measured (no accelerator was available).
"""

from experiments import common


def get_config():
    config = common.base_config(
        "infogan", num_steps=15_000, players=("critic", "generator"), learning_rate=2e-4,
        schedule="constant", batch_size=128,
    )  # fmt: skip
    config.optim.generator.learning_rate = 1e-3
    for player in ("critic", "generator"):
        config.optim[player].b1 = 0.5
    return config
