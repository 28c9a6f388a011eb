"""BEGAN (Berthelot et al., 2017) on Fashion-MNIST: an autoencoder critic with an L1
energy and the k_t equilibrium controller.

    python -m experiments.run --config=experiments/began.py

Model: `genjax.models.gans.began` (uniform noise of 64, code 64, k_0 = 0), MLP generator
64-512-512-784 and critic 784-512-64-512-784, with settings changed from the paper's
because every paper setting collapsed (see below): ``output_activation=identity``
(linear generator and critic outputs, as in the reference code), gamma 1.0, lambda_k
0.1. k_t lives in the model state (checkpointed); the log shows critic/k and
critic/m_global (the paper's convergence measure).
Optimiser: Adam b1 = 0.5, critic 1e-4, generator 1e-5 (the paper: 1e-4 for both,
decayed when M_global stalls; carpedm20/BEGAN-tensorflow: 8e-5, b1 = 0.5); batch 64
(the paper uses 16).

Budget: 20,000 steps of 64 (21 epochs). Expect (measured, seed 0, 2-core CPU at load
~4-6): 6 min 50 s wall time (49.8 steps/s); `experiments.evaluate`: fd_classifier 504,
precision 1.0, recall 0, 2 classes with at least 1% of the samples (class_kl 1.58);
held-out L(x) 0.054, L(G z) 0.062, k ~ 0 (0-0.004 from step 6,000 on), M_global 0.062.
Samples: STILL COLLAPSED, all 64 one grey noisy pullover silhouette that varies only in
brightness. BEGAN with these MLPs does not give Fashion-MNIST items.

MODE COLLAPSE, the study (issue 9). No bug found: the losses, the gradient isolation
(fakes through stop_gradient in L_D; the critic's parameters through stop_gradient in
L_G, the gradient flowing through D to G), the k_t update (sign, after the critic's
loss, from the same batch's L(x) and L(G z)) and the per-pixel mean L1 match the paper
and carpedm20/BEGAN-tensorflow (tests/models/test_gans_energy.py checks them against
numpy). Short probes (seed 0, batch 64, `make_multi_step`, diversity = mean pairwise
L1 pixel distance of 64 samples; 64 real images: 0.274, the untrained generator 0.056;
a leading + means with lambda_k 0.1):

    paper settings (gamma 0.5, lambda_k 0.001, sigmoid, Adam 1e-4), 1k steps  0.009
    lambda_k 0.1 / 1.0 (k reaches 0.1-0.14, L(G z) ~ gamma L(x)), 1.5k        0.010 / 0.020
    + gamma 1.0 (k 0.28)                                                        0.013
    + critic Adam 1e-3 / n_critic 5 / both Adam 1e-3                           0.018 / 0.023 / 0.007
    + critic code 8 / code 400 (784-400-400-400-784) / normal noise   0.020 / 0.017 / 0.023
    k_0 = 1 (lambda_k 0.01): 0.024 at step 300, then k falls to 0.05           0.016
    small nets (G 20-400-784, critic code 400, sigmoid): k -> 1, L(G z) 0.009  0.002
    gamma 1, lambda_k 0.1, generator Adam 1e-5 (sigmoid), 3k                   0.020
    the same with linear outputs (this default), 3k (0.125 at step 600)         0.077

So the controller works (k settles where L(G z) ~ gamma L(x)) but equilibrium does not
need diversity: one image the critic reconstructs at gamma L(x) satisfies it. The
generator's samples start nearly alike and get nearly the same gradient from the
energy, so they move together; the critic's push on fakes (k ~ 0.01-0.3) makes the
mode hop (the sample mean drifts) rather than split. With sigmoid outputs the
generator can also park on a saturated image where |v - D(v)| has no gradient for
either player (the small-net row), hence the critic's linear reconstruction
(`began.critic_output_activation`). A 10x slower generator with linear outputs keeps
the most spread, but only by slowing the collapse: in the full run k falls to ~0 (the
slow generator never gets L(G z) below gamma L(x), so the critic ignores the fakes) and
the spread decays; a 30x slower generator (3e-6) keeps k = 0 and goes 0.195 (step 600)
-> 0.086 (step 3,000), dark images. evaluate at 3,000 steps: this default FD
(classifier) 480, precision 0.81, recall 0, 3 classes (class_kl 1.96): grey noisy
shirt/pullover silhouettes of varying brightness; the paper settings: FD 555,
precision 1.0, recall 0, 2 classes (class_kl 1.66), all 64 samples one identical
dark, speckled dress-like silhouette. Not tried (outside this model's files): ELU
activations, the paper's conv networks (``--config.model.network=conv`` gives DCGAN's;
with conv_channels (32, 64, 128) it logged no step in 3.5 min here, so untested),
its lr decay on M_global, runs longer than 20,000 steps.

Timings: measured on this project's 2-core CPU shared with other jobs (load ~4-6), so
an idle machine is faster; not yet measured on an accelerator.
"""

from experiments import common


def get_config():
    config = common.base_config(
        "began", num_steps=20_000, players=("critic", "generator"), learning_rate=1e-4,
        schedule="constant", batch_size=64,
    )  # fmt: skip
    for player in ("critic", "generator"):
        config.optim[player].b1 = 0.5
    # The least-collapsed settings of the study in the docstring (not the paper's):
    # linear outputs, gamma 1 (most diversity), a fast controller, a 10x slower generator.
    config.model.output_activation = "identity"
    config.model.gamma = 1.0
    config.model.lambda_k = 0.1
    config.optim.generator.learning_rate = 1e-5
    return config
