"""GMMN+AE (Li et al., 2015) on Fashion-MNIST: a generator trained by minimising the
Gaussian-kernel MMD to the codes of an autoencoder.

    python -m experiments.run --config=experiments/gmmn.py

Model: `genjax.models.gans.gmmn`, ``space="code"`` (GMMN+AE) with the autoencoder
784-1024-32-1024-784 (sigmoid codes, Bernoulli loss) trained in the same run as a first
player, the generator 10-64-256-256-1024-32 matching its codes with sigma = 1 (the
paper's MNIST code-space settings). Why this default: GMMN+AE is the paper's better
model, and training the autoencoder in the run needs one command and no earlier run.
The paper's procedure, an autoencoder trained first and then fixed, is
``--config.model.autoencoder_workdir=runs/ae`` (any genjax autoencoder run, e.g.
``python -m experiments.run --config=experiments/ae.py --workdir=runs/ae``; its
``latent_dim`` is then the code space). Data space:
``--config.model.space=data`` (sigmas 2-80 on pixels).
Optimiser: Adam 1e-3 for both players (the paper: SGD with momentum 0.9); batch 500
(the paper: 1000; the MMD estimate needs large batches, the CPU budget a smaller one).

Budget: 2,000 steps of 500 (17 epochs; the paper's batch is 1000, which halves the
speed).

Expect (measured, seed 0, the default command; the run pinned to one core of this
project's 2-core CPU while other jobs shared the other, load average ~12): 7 min 41 s
wall time, 4.8 steps/s after 9.8 s of compilation. Held-out mmd2_code 0.0044 (500
samples against test codes), mmd2_data 0.068 (pixels); last train autoencoder
rec_error 8.4. Evaluation (``experiments.evaluate``, 2000 samples against 2000 test
images, genjax classifier features): fd_classifier 52.5, KID 9.4, precision 0.77,
recall 0.20, all 10 classes (class_kl 0.036; real test images 0.001). samples.png:
diverse, recognisable tops, pullovers, shirts, dresses, trousers, sneakers, sandals
and bags, smooth and blurry like the autoencoder's reconstructions. On one GPU: not
measured (no accelerator was available).
"""

from experiments import common


def get_config():
    config = common.base_config(
        "gmmn", num_steps=2_000, players=("autoencoder", "generator"), schedule="constant",
        batch_size=500,
    )  # fmt: skip
    config.model.space = "code"
    return config
