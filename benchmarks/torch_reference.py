"""The PyTorch reference for `train_throughput.py`: pythae's models (``--network=mlp``)
or a mirror of genjax's DCGAN networks (``--network=conv``), bare training loop.

pythae (github.com/clementchadebec/benchmark_VAE) is the best-known PyTorch library of
these models. Its defaults when no networks are given: MLP encoder 784-512-latent
(mean and log-variance heads for the VAE family), decoder latent-512-784 with a
sigmoid, and for the AAE a 16-256-1 latent discriminator. Each step does what pythae's
trainers do per batch (``BaseTrainer``, ``CoupledOptimizerTrainer`` for RAE-L2,
``AdversarialTrainer`` for the AAE): forward, backward, Adam step(s), nothing else.

Not a dependency of genjax: run it from an environment with PyTorch and pythae, e.g.

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch==2.13.0 pythae
    /tmp/torch/bin/python benchmarks/torch_reference.py --models=vae,wae_mmd,rae,aae

or let ``train_throughput.py --reference_python=/tmp/torch/bin/python`` run it in the
same session as the JAX measurements.

``--network=conv`` (models ``ae``, ``vae``) builds, in plain PyTorch, the networks of
`genjax.nn.ConvEncoder` / `ConvDecoder` on 28x28x1 exactly: 4x4 stride-2 convs without
bias, each followed by batch norm (momentum 0.1 in torch's convention = flax's 0.9,
eps 1e-5) and ReLU, with TensorFlow/flax SAME padding (asymmetric on odd sizes: 28 ->
14 -> 7 -> 4 -> 2), a linear layer to the codes; a linear layer to 7x7x1024, ReLU, 4x4
stride-2 transposed convs (1024 -> 512 -> 256, batch norm, ReLU), a 4x4 stride-1 SAME
conv with bias to 1 channel. Losses as genjax's benchmark configs: the AE's summed
squared error of sigmoid outputs, the VAE's Gaussian likelihood (variance 1) plus KL;
Adam, lr 1e-3, latent 16, batch 100. It prints one JSON object ``{model: steps/s}``
on its last line (best of ``--repeats``, after warm-up). Inputs are uniform [0, 1)
images of Fashion-MNIST's shape; the rate does not depend on their values.
"""

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

try:  # only --network=mlp needs pythae
    from pythae.data.datasets import DatasetOutput
    from pythae.models import (
        RAE_L2,
        VAE,
        WAE_MMD,
        Adversarial_AE,
        Adversarial_AE_Config,
        RAE_L2_Config,
        VAEConfig,
        WAE_MMD_Config,
    )
except ImportError:  # pragma: no cover
    DatasetOutput = None

LATENT, BATCH, SHAPE = 16, 100, (1, 28, 28)


def build(name: str):
    """``(model, [(loss field, optimizer), ...])`` as pythae's trainer for ``name``."""
    kw = dict(input_dim=SHAPE, latent_dim=LATENT)
    if name == "vae":
        model = VAE(VAEConfig(**kw))
        return model, [("loss", torch.optim.Adam(model.parameters(), lr=1e-3))]
    if name == "wae_mmd":
        model = WAE_MMD(WAE_MMD_Config(**kw))
        return model, [("loss", torch.optim.Adam(model.parameters(), lr=1e-3))]
    if name == "rae":
        model = RAE_L2(RAE_L2_Config(**kw))
        return model, [
            ("encoder_loss", torch.optim.Adam(model.encoder.parameters(), lr=1e-3)),
            ("decoder_loss",
             torch.optim.Adam(model.decoder.parameters(), lr=1e-3, weight_decay=1e-6)),
        ]  # fmt: skip
    if name == "aae":
        model = Adversarial_AE(Adversarial_AE_Config(**kw))
        autoencoder = [*model.encoder.parameters(), *model.decoder.parameters()]
        return model, [
            ("autoencoder_loss", torch.optim.Adam(autoencoder, lr=1e-3)),
            ("discriminator_loss", torch.optim.Adam(model.discriminator.parameters(), lr=1e-3)),
        ]
    raise ValueError(f"no reference for {name!r}; choose from vae, wae_mmd, rae, aae")


def _same_pad(x, k: int, stride: int):
    """Pad ``x: [b, c, h, w]`` as TensorFlow/flax SAME (the extra pixel after)."""
    pads = []
    for size in (x.shape[3], x.shape[2]):  # F.pad's order: last axis first
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


class SameConv(nn.Conv2d):
    def forward(self, x):
        return super().forward(_same_pad(x, self.kernel_size[0], self.stride[0]))


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)


class ConvEncoder(nn.Module):
    """genjax.nn.ConvEncoder: [b, 1, 28, 28] -> [b, features]."""

    def __init__(self, features: int, channels, in_channels: int = 1, size: int = 28):
        super().__init__()
        layers, c_in = [], in_channels
        for c in channels:
            layers += [SameConv(c_in, c, 4, 2, bias=False), _bn(c), nn.ReLU()]
            c_in, size = c, -(-size // 2)
        self.convs = nn.Sequential(*layers)
        self.dense = nn.Linear(c_in * size * size, features)

    def forward(self, x):
        return self.dense(self.convs(x).flatten(1))


class ConvDecoder(nn.Module):
    """genjax.nn.ConvDecoder(output_shape=(28, 28, 1), channels): [b, latent] -> logits
    [b, 1, 28, 28]; upsampling block i has channels[min(i, len - 1)]."""

    def __init__(self, latent: int, channels, out_channels: int = 1, base: int = 7, stages=2):
        super().__init__()
        self.base, self.c0 = base, channels[0]
        self.dense = nn.Linear(latent, base * base * channels[0])
        layers, c_in = [], channels[0]
        for i in range(1, stages + 1):
            c = channels[min(i, len(channels) - 1)]
            # padding=1 with k=4, stride 2 gives 2h, as flax's SAME transposed conv.
            layers += [nn.ConvTranspose2d(c_in, c, 4, 2, padding=1, bias=False), _bn(c), nn.ReLU()]
            c_in = c
        self.ups = nn.Sequential(*layers)
        self.out = SameConv(c_in, out_channels, 4, 1)

    def forward(self, z):
        h = F.relu(self.dense(z)).view(-1, self.c0, self.base, self.base)
        return self.out(self.ups(h))


class ConvModel(nn.Module):
    def __init__(self, name: str, channels):
        super().__init__()
        self.name = name
        features = 2 * LATENT if name == "vae" else LATENT
        self.encoder = ConvEncoder(features, channels)
        self.decoder = ConvDecoder(LATENT, tuple(reversed(channels)))

    def forward(self, x):
        b = x.shape[0]
        h = self.encoder(x)
        if self.name == "ae":
            x_hat = torch.sigmoid(self.decoder(h))
            return {"loss": (x - x_hat).square().reshape(b, -1).sum(1).mean()}
        mean, log_var = h.chunk(2, dim=1)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        x_hat = torch.sigmoid(self.decoder(z))
        per_dim = 0.5 * ((x - x_hat).square() + math.log(2 * math.pi))
        rec = per_dim.reshape(b, -1).sum(1).mean()
        kl = 0.5 * (log_var.exp() + mean.square() - 1 - log_var).sum(1).mean()
        return {"loss": rec + kl}


def build_conv(name: str, channels):
    if name not in ("ae", "vae"):
        raise ValueError(f"no conv reference for {name!r}; choose from ae, vae")
    model = ConvModel(name, channels)
    return model, [("loss", torch.optim.Adam(model.parameters(), lr=1e-3))]


def rate(name: str, steps: int, network: str = "mlp", channels=(), warmup: int = 20) -> float:
    torch.manual_seed(0)
    model, losses = build(name) if network == "mlp" else build_conv(name, channels)
    model.train()
    batches = torch.rand(20, BATCH, *SHAPE)

    def step(i):
        x = batches[i % len(batches)]
        out = model(DatasetOutput(data=x) if network == "mlp" else x)
        # As pythae's trainers: every backward first, then every optimizer step.
        for j, (field, opt) in enumerate(losses):
            opt.zero_grad()
            out[field].backward(retain_graph=j < len(losses) - 1)
        for _, opt in losses:
            opt.step()

    for i in range(warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="vae,wae_mmd,rae,aae")
    parser.add_argument("--network", default="mlp", choices=("mlp", "conv"))
    parser.add_argument("--conv_channels", default="128,256,512,1024")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rates = {}
    for name in args.models.split(","):
        channels = tuple(int(c) for c in args.conv_channels.split(","))
        rates[name] = max(
            rate(name, args.steps, args.network, channels, args.warmup) for _ in range(args.repeats)
        )
        print(f"{name:8s} {rates[name]:7.2f} steps/s {args.network} (torch {torch.__version__}, "
              f"{torch.get_num_threads()} threads)", flush=True)  # fmt: skip
    print(json.dumps(rates))


if __name__ == "__main__":
    main()
