"""Cramer-Wold autoencoder (Tabor et al., 2018) on Fashion-MNIST.

    python -m experiments.run --config=experiments/cwae.py

The closed-form Cramer-Wold distance of the codes to N(0, I) (log cost, the paper's)
replaces WAE's kernel and its scale. Network: the model's default MLP 784-200-200-200-8
and back (see experiments/wae_mmd.py for why not conv). Budget: 30,000 steps of 100
(50 epochs), Adam 1e-3 with cosine decay.

Expect (measured, seed 0): 2 min wall time (312 steps/s); held-out rec_error 9.62,
cw_normality 0.0018. samples.png: recognisable, fairly clean garments and shoes.

Timings: measured on this project's 2-core CPU while other jobs shared it (load
average 5.2-5.3), so an idle machine is faster; benchmarks/train_throughput.py gives
idle-machine steps/s. On one GPU or TPU: about a minute (an estimate, not measured:
no accelerator was available; at this size a step is bound by kernel launches).

Inception FID (measured, seed 0, ``experiments.evaluate --extractor=inception
--num_samples=1000``; benchmarks/README.md): prior 78.8, GMM 64.5, against 1000 test
images (two real sets of 1000 are 23.3 apart); the CWAE paper's 50.4 is at 10k samples
with conv nets.
"""

from experiments import common


def get_config():
    config = common.base_config("cwae", num_steps=30_000)
    return config
