"""DCGAN (Radford et al. 2016): the non-saturating GAN with the DCGAN networks, on
Fashion-MNIST.

    python -m experiments.run --config=experiments/dcgan.py

Network (genjax/nn/dcgan.py): generator z ~ U[-1, 1]^100 -> dense 7x7xC1 -> BN ReLU ->
4x4 stride-2 transposed conv to 14x14xC0 -> BN ReLU -> 4x4 stride-2 transposed conv to
28x28x1 (sigmoid); discriminator 4x4 stride-2 convs 28 -> 14 (C0) -> 7 (C1), LeakyReLU
0.2, batch norm after the second, dense to 1; N(0, 0.02) initialisation. Adam 2e-4
(b1 = 0.5), the paper's; batch 64 (the paper: 128). Widths C0, C1 = 64, 128, half the
paper's 128, 256 for 28x28 (``--config.model.conv_channels="(128, 256)"`` restores them):
conv steps are slow on a CPU.

Budget: 1,500 steps (1.6 epochs), one step per dispatch on a CPU (convs inside
lax.scan are slow on XLA:CPU).

Measured (seed 0, 2-core CPU shared with other jobs, load average ~19): 0.6 steps/s
after 40 s of compilation, so the full budget was not run here (about 40 minutes at that
load; an idle machine is several times faster). After 300 steps (9 min): fd_classifier
180, precision 0.65, recall 0.03, all 10 classes (class_kl 0.30): better than the MLP
GANs after 5000 steps (benchmarks/README.md, GANs), with blobby but varied shapes of
tops, trousers, bags and shoes in samples.png. On one GPU: not measured (no accelerator
was available); this is the configuration an accelerator is for.

Not yet measured at full length: the numbers above come from shorter runs.
"""

from experiments.gan import gan_config

NUM_STEPS = 1_500


def get_config():
    config = gan_config("dcgan", num_steps=NUM_STEPS)
    config.model.conv_channels = (64, 128)
    return config
