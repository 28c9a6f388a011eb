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
Expect (measured, seed 0, short runs through `genjax.training.step.make_multi_step`;
the full run not yet made): 6.9 steps/s on random images (load ~10), so about 12 min
for the default run (extrapolated); 1.4 steps/s on Fashion-MNIST at load ~20 (1,000
steps in 12 min, the first 25 warm-up steps taking 4 of them). After 1,000 steps:
critic mmd2 0.39 (held out), ae_real 0.043, one-sided penalty 0 (the data's mean
feature stays above the samples'); samples noisy and blurry but diverse: tops,
trousers, dresses, sneakers and bags are distinguishable.

Timings: measured on this project's 2-core CPU while ~6 other jobs shared it (load
average 10-21), so an idle machine is faster; not yet measured on an accelerator.

Not yet measured at full length: the numbers above come from shorter runs.
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
