"""The PyTorch reference for `train_throughput.py`: pythae's models, bare training loop.

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
same session as the JAX measurements. It prints one JSON object ``{model: steps/s}``
on its last line (best of ``--repeats``, after warm-up). Inputs are uniform [0, 1)
images of Fashion-MNIST's shape; the rate does not depend on their values.
"""

import argparse
import json
import time

import torch
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


def rate(name: str, steps: int) -> float:
    torch.manual_seed(0)
    model, losses = build(name)
    model.train()
    batches = torch.rand(20, BATCH, *SHAPE)

    def step(i):
        out = model(DatasetOutput(data=batches[i % len(batches)]))
        # As pythae's trainers: every backward first, then every optimizer step.
        for j, (field, opt) in enumerate(losses):
            opt.zero_grad()
            out[field].backward(retain_graph=j < len(losses) - 1)
        for _, opt in losses:
            opt.step()

    for i in range(20):  # warm-up
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="vae,wae_mmd,rae,aae")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rates = {}
    for name in args.models.split(","):
        rates[name] = max(rate(name, args.steps) for _ in range(args.repeats))
        print(f"{name:8s} {rates[name]:7.1f} steps/s (torch {torch.__version__}, "
              f"{torch.get_num_threads()} threads)", flush=True)  # fmt: skip
    print(json.dumps(rates))


if __name__ == "__main__":
    main()
