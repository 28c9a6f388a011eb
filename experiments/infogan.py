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

Budget: 15,000 steps of 128 (32 epochs). Expect (measured, seed 0, short runs through
`genjax.training.step.make_multi_step`): 30 steps/s on random images (load ~10), 5
steps/s on Fashion-MNIST at load ~19, so 8-50 min for the default run (extrapolated;
the load dominates). After 2,000 steps: critic gan 1.28, info_ce 0.01 (mi_cat 2.29 of
the log 10 = 2.30 bound: Q reads the category back), info_nll 1.87 (1.84 is the floor
of a unit-variance Gaussian); samples noisy (salt-and-pepper pixels) but recognisable
tops, trousers, sneakers and bags; code_cat.png: each column one kind of item (the
categories separate classes); code_cont0.png: the code changes width and brightness.

Timings: measured on this project's 2-core CPU while ~6 other jobs shared it (load
average 10-21), so an idle machine is faster; not yet measured on an accelerator.

Not yet measured at full length: the numbers above come from shorter runs.
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
