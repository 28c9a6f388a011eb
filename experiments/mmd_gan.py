"""MMD-GAN (Li et al., 2017) on Fashion-MNIST: mixture-RBF MMD on the features of an
autoencoding critic, clipped encoder, one-sided penalty.

    python -m experiments.run --config=experiments/mmd_gan.py

Model: `genjax.models.gans.mmd_gan` defaults (the authors' code: sigmas 1-16,
lambda_ae 8, lambda_rg 16, features and noise of 10, n_critic 5 with 100 critic updates
for the first 25 generator steps and every 500th), MLP generator 10-512-512-784 and
critic 784-512-10-512-784. Optimiser (the authors' code): RMSprop 5e-5 for both, the
critic's encoder weights clipped to [-0.01, 0.01] after every update (not its
decoder's: ``weight_clip_only``); batch 64. One step is one generator update.

Budget: 5,000 generator steps of 64 (about 30,000 critic updates with the warm-up).

Expect (measured, seed 0, the default command; the run pinned to one core of this
project's 2-core CPU while other jobs shared the other, load average ~12): 12 min 15 s
wall time, 7.2 steps/s after 12.4 s of compilation. Held-out mmd2 0.042 (critic
features), ae_real 0.025, ae_fake 0.011, one_sided 0 (the data's mean feature stays
above the samples'). Evaluation (``experiments.evaluate``, 2000 samples against 2000
test images, genjax classifier features): fd_classifier 83.3, KID 16.7, precision 0.67,
recall 0.15, all 10 classes (class_kl 0.10; real test images 0.001). samples.png:
every kind of item (tops, pullovers, trousers, dresses, sneakers, bags) but blurry and
noisy, many faint or washed-out; no collapse. On one GPU: not measured (no accelerator
was available).
"""

from experiments import common


def get_config():
    config = common.base_config(
        "mmd_gan", num_steps=5_000, players=("critic", "generator"), learning_rate=5e-5,
        schedule="constant", batch_size=64,
    )  # fmt: skip
    for player in ("critic", "generator"):
        config.optim[player].name = "rmsprop"
    config.optim.critic.weight_clip = 0.01
    config.optim.critic.weight_clip_only = ("critic/encoder",)
    return config
