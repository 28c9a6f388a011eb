"""DCGAN (Radford et al. 2016): the non-saturating GAN with the DCGAN networks, on
Fashion-MNIST.

    python -m experiments.run --config=experiments/dcgan.py

Network (genjax/nn/dcgan.py): generator z ~ U[-1, 1]^100 -> dense 7x7xC1 -> BN ReLU ->
4x4 stride-2 transposed conv to 14x14xC0 -> BN ReLU -> 4x4 stride-2 transposed conv to
28x28x1 (sigmoid); discriminator 4x4 stride-2 convs 28 -> 14 (C0) -> 7 (C1), LeakyReLU
0.2, batch norm after the second, dense to 1; N(0, 0.02) initialisation. Adam 2e-4
(b1 = 0.5), the paper's; batch 64 (the paper: 128).

RESULTS
"""

from experiments.gan import gan_config

NUM_STEPS = 3_000


def get_config():
    config = gan_config("dcgan", num_steps=NUM_STEPS)
    config.model.conv_channels = (64, 128)
    return config
