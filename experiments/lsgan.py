"""LSGAN (Mao et al. 2017), targets a, b, c = 0, 1, 1, on Fashion-MNIST.

    python -m experiments.run --config=experiments/lsgan.py
    python -m experiments.run --config=experiments/lsgan.py \\
        --config.model.a=-1 --config.model.c=0 --workdir=runs/lsgan_pearson

Network: MLPs as experiments/gan.py (generator 100-256-512-784, critic 784-512-256-1
with a linear output). Adam 2e-4 (b1 = 0.5), the paper's, for both players; batch 64.
Budget: 20,000 steps (21 epochs).

Expect (measured, seed 0, 2-core CPU shared with other jobs, load average ~19): 9 min
36 s wall time, 36.0 steps/s after 11 s of compilation. Evaluation (2000 samples,
genjax classifier features): fd_classifier 163, precision 0.81, recall 0.28, 7 classes
with at least 1% of the samples (class_kl 0.36; real test images: 10, 0.001).
samples.png: recognisable T-shirts, shirts, pullovers, dresses and trousers, speckled;
no shoes or bags: partial mode collapse, shown by the class coverage. At 5000 steps
(benchmarks/README.md, GANs) it was further collapsed: FD 264, 6 classes, recall 0.005.
The -1/1/0 targets were not measured. On one GPU: not measured (no accelerator was
available).
"""

from experiments.gan import gan_config

NUM_STEPS = 20_000


def get_config():
    return gan_config("lsgan", num_steps=NUM_STEPS)
