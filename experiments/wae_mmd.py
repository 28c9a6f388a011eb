"""WAE-MMD (Tolstikhin et al., 2018) on Fashion-MNIST: the project's main example.

    python -m experiments.run --config=experiments/wae_mmd.py

Writes runs/wae_mmd/: metrics.jsonl, samples.png, reconstructions.png,
interpolations.png, checkpoints/ (re-running the command resumes), config.json.

Network: the model's default MLP 784-512-8-512-784, not the paper's DCGAN conv nets.
On an idle 2-core CPU the DCGAN-sized conv model trains at 0.17 steps/s and even a
small one (channels 32-64-128) at 6 steps/s, against ~450 steps/s for the MLP (measured,
benchmarks/train_throughput.py): the conv budget would be days for a few epochs. On an
accelerator, ``--config.model.network=conv`` gives the paper's networks.
Budget: 50,000 steps of 100 (83 epochs; the paper trains 100), Adam 1e-3 with cosine
decay to 0; the IMQ-kernel MMD over scales 0.1-10 with lambda = 10, as in the paper.

Expect (measured, seed 0): 3 min 40 s wall time on the 2-core CPU while other jobs
shared it (load average ~3-4; 6 min at load ~8): 237 steps/s, 1.8 s of compilation,
host work outside the jitted step under 3%. Held-out (2000 test images): rec_error
10.54 (summed squared error per image), mmd 0.0015 (codes vs N(0, I)); train rec 0.52
(x 0.05 scale), mmd 0.002. samples.png: blurry but recognisable shirts, pullovers,
trousers, dresses, sneakers, boots and bags, a few malformed; interpolations.png
morphs smoothly between garments. On one GPU or TPU: about a minute (an estimate, not
measured: no accelerator was available; at this size a step is bound by kernel
launches, well under a millisecond each).

Inception FID (measured, seed 0, ``experiments.evaluate --extractor=inception
--num_samples=1000``; benchmarks/README.md): prior 94.4, GMM 73.9, against 1000 test
images (two real sets of 1000 are 23.3 apart); the CWAE paper's 51.7 is at 10k samples
with conv nets.
"""

from experiments import common


def get_config():
    return common.base_config("wae_mmd", num_steps=50_000)
