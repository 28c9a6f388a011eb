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

TIMING
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
