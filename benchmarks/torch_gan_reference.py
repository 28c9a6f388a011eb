"""The PyTorch reference for the GAN rows of `train_throughput.py`: plain PyTorch
mirrors of genjax's GAN training steps, in a bare loop.

What mirrors what (Fashion-MNIST's shape 28x28x1, batch 64, as the configs):

- ``gan`` (`experiments/gan.py`, `genjax.models.gans.gan`): MLP generator
  z(100)-256-512-784 (Linear + ReLU, linear output, sigmoid to data space), MLP critic
  784-512-256-1 (Linear + LeakyReLU 0.2, linear output; `genjax.nn.MLPDiscriminator`),
  z ~ U[-1, 1]^100. One step: one critic update (a generated batch from fresh noise
  without gradient, the critic on the real and the generated batch in two calls, the
  loss ``mean softplus(-C(x)) + mean softplus(C(G z))``), then one generator update
  (fresh noise, ``mean softplus(-C(G z))``, the critic frozen). Adam 2e-4 (0.5, 0.999).
- ``wgan_gp`` (`experiments/wgan_gp.py`, `genjax.models.gans.wgan.WGANGP`): the same MLPs
  with z ~ N(0, I)^128. One step: 5 critic updates, each on its own real batch and fresh
  noise, with loss ``mean C(G z) - mean C(x) + 10 · mean_i (‖∇C(x̂_i)‖ - 1)²`` at
  per-example interpolates ``x̂_i = ε_i x_i + (1 - ε_i) G(z_i)``, ``ε_i ~ U[0, 1]``
  (the gradient by ``torch.autograd.grad(..., create_graph=True)``, the norm
  ``sqrt(Σ g² + 1e-12)`` as `genjax.models.adversarial.gradient_penalty`), then one
  generator update (``-mean C(G z)``, critic frozen). Adam 1e-4 (0.5, 0.9).
- ``dcgan`` (`experiments/dcgan.py`, `genjax.nn.dcgan`, widths ``--conv_channels``
  C0, C1, default the config's 64, 128): generator Linear(100 -> 7·7·C1, no bias) ->
  BatchNorm -> ReLU -> 4x4 stride-2 transposed conv to 14x14xC0 (no bias) -> BatchNorm
  -> ReLU -> 4x4 stride-2 transposed conv to 28x28x1 (with bias), sigmoid;
  discriminator 4x4 stride-2 conv to 14x14xC0 (no bias) -> LeakyReLU 0.2 -> 4x4
  stride-2 conv to 7x7xC1 (no bias) -> BatchNorm -> LeakyReLU 0.2 -> flatten ->
  Linear(7·7·C1 -> 1). Batch norm: eps 1e-5, momentum 0.1 (flax's 0.9), batch
  statistics in every training pass. Convs with TensorFlow/flax SAME padding (here
  symmetric, 1 pixel); transposed convs with ``padding=1`` (2h outputs as flax's SAME;
  the same shapes and FLOPs, the pixel alignment may differ). z ~ U[-1, 1]^100. The
  step is ``gan``'s (non-saturating loss, one critic then one generator update); the
  critic sees the real and the generated batch in two calls, each normalised by its
  own statistics, as genjax. Adam 2e-4 (0.5, 0.999).

As genjax: the critic's update generates its batch without a generator gradient; the
generator's update recomputes the generated batch from fresh noise and does not compute
the critic's parameter gradients (``requires_grad_(False)``, as the usual PyTorch WGAN-GP
code). Initialisation: PyTorch's defaults (it does not change the cost). Inputs are
uniform [0, 1) images (a pool of 20 batches, one per update in turn); the rate does not
depend on their values. Adam is PyTorch's default implementation.

Not a dependency of genjax: run it from an environment with PyTorch, e.g.

    /work/venv-torch/bin/python benchmarks/torch_gan_reference.py --models=gan,wgan_gp,dcgan

or let ``train_throughput.py --models=gan,wgan_gp,dcgan --reference_python=...`` run it
in the same session as the JAX measurements. It prints one JSON object
``{"wall": {model: steps/s}, "cpu": {model: steps per CPU second}}`` on its last line
(each the best of ``--repeats``, after ``--warmup`` steps); a step is every player's
updates (for ``wgan_gp``: 5 critic + 1 generator update). The CPU-time rate counts only
the time this process ran, so on a core shared with other jobs it stays near the idle
rate where the wall-clock rate falls with the load.
"""

import argparse
import json
import os
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch_reference import SameConv  # the SAME-padded conv of the AE reference

BATCH, SHAPE = 64, (1, 28, 28)
MODELS = ("gan", "wgan_gp", "dcgan")
# name: (latent_dim, noise, lr, betas, n_critic, lambda_gp), as the experiment configs.
SETTINGS = {
    "gan": (100, "uniform", 2e-4, (0.5, 0.999), 1, 0.0),
    "wgan_gp": (128, "normal", 1e-4, (0.5, 0.9), 5, 10.0),
    "dcgan": (100, "uniform", 2e-4, (0.5, 0.999), 1, 0.0),
}


def mlp_generator(latent: int, hidden=(256, 512)) -> nn.Module:
    """genjax.nn.MLPDecoder: z -> Linear+ReLU per hidden layer -> Linear to 784 logits."""
    layers, n = [], latent
    for width in hidden:
        layers += [nn.Linear(n, width), nn.ReLU()]
        n = width
    return nn.Sequential(*layers, nn.Linear(n, 28 * 28), nn.Unflatten(1, SHAPE))


def mlp_critic(hidden=(512, 256)) -> nn.Module:
    """genjax.nn.MLPDiscriminator: flatten -> Linear+LeakyReLU(0.2) -> Linear to 1."""
    layers, n = [nn.Flatten()], 28 * 28
    for width in hidden:
        layers += [nn.Linear(n, width), nn.LeakyReLU(0.2)]
        n = width
    return nn.Sequential(*layers, nn.Linear(n, 1), nn.Flatten(0))


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)


class DCGANGenerator(nn.Module):
    """genjax.nn.DCGANGenerator((28, 28, 1), channels=(C0, C1)): z -> [b, 1, 28, 28] logits."""

    def __init__(self, latent: int, channels):
        super().__init__()
        c0, c1 = channels[0], channels[1]
        self.c1 = c1
        self.dense = nn.Linear(latent, 7 * 7 * c1, bias=False)
        self.bn0 = _bn(c1)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(c1, c0, 4, 2, padding=1, bias=False),
            _bn(c0),
            nn.ReLU(),
            nn.ConvTranspose2d(c0, 1, 4, 2, padding=1, bias=True),
        )

    def forward(self, z):
        h = self.dense(z).view(-1, self.c1, 7, 7)
        return self.up(F.relu(self.bn0(h)))


class DCGANDiscriminator(nn.Module):
    """genjax.nn.DCGANDiscriminator(channels=(C0, C1)) on [b, 1, 28, 28] -> [b] logits."""

    def __init__(self, channels):
        super().__init__()
        c0, c1 = channels[0], channels[1]
        self.net = nn.Sequential(
            SameConv(1, c0, 4, 2, bias=False),
            nn.LeakyReLU(0.2),
            SameConv(c0, c1, 4, 2, bias=False),
            _bn(c1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(7 * 7 * c1, 1),
            nn.Flatten(0),
        )

    def forward(self, x):
        return self.net(x)


def build(name: str, channels=(64, 128)):
    """``(generator, critic)`` for ``name``."""
    latent = SETTINGS[name][0]
    if name == "dcgan":
        return DCGANGenerator(latent, channels), DCGANDiscriminator(channels)
    if name in ("gan", "wgan_gp"):
        return mlp_generator(latent), mlp_critic()
    raise ValueError(f"no GAN reference for {name!r}; choose from {', '.join(MODELS)}")


def make_step(name: str, channels=(64, 128)):
    """``step(batch_at)``: one training step of ``name``; ``batch_at()`` returns the next
    real batch ``[64, 1, 28, 28]``."""
    latent, noise_kind, lr, betas, n_critic, lambda_gp = SETTINGS[name]
    generator, critic = build(name, channels)
    generator.train()
    critic.train()
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
    opt_c = torch.optim.Adam(critic.parameters(), lr=lr, betas=betas)

    def noise():
        if noise_kind == "normal":
            return torch.randn(BATCH, latent)
        return torch.rand(BATCH, latent) * 2.0 - 1.0

    def critic_update(x):
        with torch.no_grad():  # genjax: the generated batch through stop_gradient
            fake = torch.sigmoid(generator(noise()))
        real_out, fake_out = critic(x), critic(fake)  # two calls (batch norm per batch)
        if lambda_gp:
            eps = torch.rand(BATCH, 1, 1, 1)
            x_hat = (eps * x + (1.0 - eps) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
            norms = torch.sqrt(grad.flatten(1).square().sum(1) + 1e-12)
            loss = fake_out.mean() - real_out.mean() + lambda_gp * (norms - 1.0).square().mean()
        else:
            loss = F.softplus(-real_out).mean() + F.softplus(fake_out).mean()
        opt_c.zero_grad(set_to_none=True)
        loss.backward()
        opt_c.step()

    def generator_update():
        critic.requires_grad_(False)  # genjax: the critic's parameters through stop_gradient
        fake_out = critic(torch.sigmoid(generator(noise())))
        loss = -fake_out.mean() if lambda_gp else F.softplus(-fake_out).mean()
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        critic.requires_grad_(True)

    def step(batch_at):
        for _ in range(n_critic):
            critic_update(batch_at())
        generator_update()

    return step


def rate(name: str, steps: int, channels=(64, 128), warmup: int = 5) -> tuple[float, float]:
    """``(steps per second, steps per CPU second of this process)`` after ``warmup``
    steps; the second is robust to other processes sharing the cores."""
    torch.manual_seed(0)
    step = make_step(name, channels)
    pool = torch.rand(20, BATCH, *SHAPE)
    counter = iter(range(10**12))

    def batch_at():
        return pool[next(counter) % len(pool)]

    for _ in range(warmup):
        step(batch_at)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step(batch_at)
    return steps / (time.perf_counter() - t0), steps / (time.process_time() - c0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--conv_channels", default="64,128", help="dcgan's widths C0,C1")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=0,
        help="torch threads (0: the cores this process may run on, os.sched_getaffinity)",
    )  # fmt: skip
    args = parser.parse_args()
    torch.set_num_threads(args.threads or len(os.sched_getaffinity(0)))
    given = [int(c) for c in args.conv_channels.split(",")]
    # As genjax.nn.DCGANGenerator at 28x28 (two stages): channels[min(i, len - 1)].
    channels = tuple(given[min(i, len(given) - 1)] for i in range(2))
    wall, cpu = {}, {}
    for name in args.models.split(","):
        runs = [rate(name, args.steps, channels, args.warmup) for _ in range(args.repeats)]
        wall[name], cpu[name] = max(r[0] for r in runs), max(r[1] for r in runs)
        print(f"{name:8s} {wall[name]:7.2f} steps/s, {cpu[name]:7.2f} per CPU second (torch "
              f"{torch.__version__}, {torch.get_num_threads()} threads)", flush=True)  # fmt: skip
    print(json.dumps({"wall": wall, "cpu": cpu}))


if __name__ == "__main__":
    main()
