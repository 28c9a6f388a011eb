"""Adversarial autoencoder (Makhzani et al., 2016) on Fashion-MNIST.

    python -m experiments.run --config=experiments/aae.py

Network: MLPs 784-512-512-8 and back with a critic 8-512-512-1, smaller than the
paper's 1000-1000 (below). Budget: 24,000 steps of 100 (40 epochs) of both players,
Adam with cosine decay, 1e-3 for the autoencoder and 5e-4 (b1 = 0.5) for the critic.

Expect (measured, seed 0): 3 min wall time (134 steps/s); held-out rec_error 9.47,
critic gan loss 1.14 (log 4 = 1.39 when codes and prior samples are indistinguishable).
samples.png: recognisable, clean garments, shoes and bags.

Timings: measured on this project's 2-core CPU while other jobs shared it (load
average 7.3 falling to 2.9), so an idle machine is faster;
benchmarks/train_throughput.py gives idle-machine steps/s. On one GPU or TPU: about a
minute (an estimate, not measured: no accelerator was available; at this size a step is
bound by kernel launches).
"""

from experiments import common


def get_config():
    config = common.base_config("aae", num_steps=24_000, players=("autoencoder", "critic"))
    # The paper's 1000-1000 networks (three of them, the encoder run by both players)
    # cost ~2.5x the FLOPs of 512-512 and trained at ~15 steps/s on the shared 2-core
    # CPU: too slow for a budget of minutes.
    config.model.encoder_hidden = (512, 512)
    config.model.decoder_hidden = (512, 512)
    config.model.critic_hidden = (512, 512)
    # The adversary learns at half the autoencoder's rate, with Adam's b1 = 0.5 as
    # usual for adversarial training.
    config.optim.critic.learning_rate = 5e-4
    config.optim.critic.b1 = 0.5
    return config
