"""GAN (Goodfellow et al. 2014), non-saturating by default, on Fashion-MNIST.

    python -m experiments.run --config=experiments/gan.py
    python -m experiments.run --config=experiments/gan.py \\
        --config.model.loss=mm --workdir=runs/gan_mm

Network: MLPs, generator 100-256-512-784 (ReLU, sigmoid) and critic 784-512-256-1
(LeakyReLU 0.2), z ~ U[-1, 1]^100 (see genjax/models/gans/gan.py for the paper's own
networks). Adam 2e-4 (b1 = 0.5) for both players, constant; batch 64; one critic update
per generator update. ``--config.model.network=conv`` gives the DCGAN networks
(experiments/dcgan.py).

Budget: 20,000 steps of both players (21 epochs of batch 64).

Expect (measured, seed 0, on this project's 2-core CPU shared with other jobs, load
average ~14): 7 min 28 s wall time, 46.7 steps/s after 6 s of compilation. Evaluation
(``experiments.evaluate``, 2000 samples against 2000 test images, genjax classifier
features): fd_classifier 191, KID 27.9, precision 0.84, recall 0.13, 7 classes with at
least 1% of the samples (class_kl 0.43; real test images: 10 classes, 0.001).
samples.png: recognisable tops, pullovers, shirts, dresses and trousers, speckled with
pixel noise; no sneakers, sandals, boots or bags: partial mode collapse, which the
class coverage shows. At 5000 steps (experiments.compare, benchmarks/README.md) it is
further collapsed: FD 301, recall 0.00, 5 classes. The minimax loss
(``--config.model.loss=mm``) was not measured here. On one GPU: not measured (no
accelerator was available); the step is a few small matmuls, bound by kernel launches.
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
