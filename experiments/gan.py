"""GAN (Goodfellow et al. 2014), non-saturating by default, on Fashion-MNIST.

    python -m experiments.run --config=experiments/gan.py
    python -m experiments.run --config=experiments/gan.py \\
        --config.model.loss=mm --workdir=runs/gan_mm

Network: MLPs, generator 100-256-512-784 (ReLU, sigmoid) and critic 784-512-256-1
(LeakyReLU 0.2), z ~ U[-1, 1]^100 (see genjax/models/gans/gan.py for the paper's own
networks). Adam 2e-4 (b1 = 0.5) for both players, constant; batch 64; one critic update
per generator update. ``--config.model.network=conv`` gives the DCGAN networks
(experiments/dcgan.py).

RESULTS
"""

from experiments import common

NUM_STEPS = 20_000


def get_config():
    return gan_config("gan", num_steps=NUM_STEPS)


def gan_config(name, *, num_steps, learning_rate=2e-4, b1=0.5, b2=0.999, batch_size=64):
    """A GAN config: players critic then generator, each with its own Adam (constant rate,
    as the GAN papers), batch 64 (Lucic et al. 2018's choice for every model)."""
    config = common.base_config(
        name,
        num_steps=num_steps,
        players=("critic", "generator"),
        learning_rate=learning_rate,
        schedule="constant",
        batch_size=batch_size,
    )
    for player in ("critic", "generator"):
        config.optim[player].b1 = b1
        config.optim[player].b2 = b2
    return config
