"""EBGAN (Zhao et al., 2017) on Fashion-MNIST: an autoencoder critic, margin loss and the
pulling-away term.

    python -m experiments.run --config=experiments/ebgan.py

Model: `genjax.models.gans.ebgan` defaults (margin 10, lambda_pt 0.1, the paper's MNIST
EBGAN-PT), MLP generator 64-512-512-784 and critic autoencoder 784-512-64-512-784.
Optimiser: Adam 1e-3 for both (the paper's best MNIST models use Adam around 1e-3),
b1 = 0.5, constant rate; batch 64.

Budget: 20,000 steps of 64 (21 epochs). Expect (measured, seed 0, short runs through
`genjax.training.step.make_multi_step`; the full run not yet made): 64 steps/s on
random images (load ~10), 21 steps/s on Fashion-MNIST at load ~19, so 5-16 min for
the default run (extrapolated). After 3,000 steps (2 min 23 s at load ~19): critic
energies real 10.4 / fake 9.1 (summed squared error), hinge 1.4, generator PT 0.13
(from 1.0 at the start: the pulling-away term spreads the codes); samples.png-style
grid: recognisable shirts, pullovers, T-shirts, dresses and trousers, some noisy; no
shoes or bags among 64 samples yet (partial mode coverage at that point).

Timings: measured on this project's 2-core CPU while ~6 other jobs shared it (load
average 10-21), so an idle machine is faster; not yet measured on an accelerator.

Not yet measured at full length: the numbers above come from shorter runs.
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
