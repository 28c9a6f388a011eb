"""Sliced-Wasserstein autoencoder (Kolouri et al., 2019) on Fashion-MNIST.

    python -m experiments.run --config=experiments/swae.py

Network: the model's default MLP 784-512-8-512-784 (see experiments/wae_mmd.py for
why not conv). Budget: 30,000 steps of 100 (50 epochs), Adam 1e-3 with cosine
decay; 50 random projections per step (the paper's).

Expect (measured, seed 0): 4 min wall time (137 steps/s); held-out rec_error 13.26,
sliced_wasserstein 0.0129 (codes vs N(0, I)). samples.png: mostly recognisable
clothes, noisier and more often malformed than WAE-MMD's.

Timings: measured on this project's 2-core CPU while other jobs shared it (load
average 5.2-5.8), so an idle machine is faster; benchmarks/train_throughput.py gives
idle-machine steps/s. On one GPU or TPU: about a minute (an estimate, not measured:
no accelerator was available; at this size a step is bound by kernel launches).

Inception FID (measured, seed 0, ``experiments.evaluate --extractor=inception
--num_samples=1000``; benchmarks/README.md): prior 113.1, GMM 79.5, against 1000 test
images (two real sets of 1000 are 23.3 apart); the CWAE paper's 56.0 is at 10k samples
with conv nets.
"""

from experiments import common


def get_config():
    config = common.base_config("swae", num_steps=30_000)
    return config
