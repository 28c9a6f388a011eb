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

Expect (measured, seed 0, the default command; the run pinned to one core of this
project's 2-core CPU while other jobs shared the other, load average ~10): 18 min 38 s
wall time, 1.5 steps/s after 23 s of compilation. Held-out critic adversarial
0.75 (mean critic logits 0.95 on real images and -1.26 on samples). Evaluation
(``experiments.evaluate``, 2000 samples against 2000 test images, genjax classifier
features): fd_classifier 50.5, KID 6.4,
precision 0.24, recall 0.70, all 10 classes (class_kl 0.013; real test images 0.001):
better FD than the MLP GANs' (experiments/gan.py, 20k steps: 191) after a tenth of
the steps, with the opposite trade-off: high recall, low precision. samples.png:
every kind of item in its overall shape (tops, trousers, dresses, sneakers, boots,
bags), but ragged, with broken strokes and dark holes: 1.6 epochs is early for a
DCGAN. On one GPU: not measured (no accelerator was available); this is the
configuration an accelerator is for.
"""

from experiments.gan import gan_config

NUM_STEPS = 1_500


def get_config():
    config = gan_config("dcgan", num_steps=NUM_STEPS)
    config.model.conv_channels = (64, 128)
    return config
