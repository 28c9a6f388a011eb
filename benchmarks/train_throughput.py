"""Training throughput per model on Fashion-MNIST at batch 100, after compilation.

    .venv/bin/python benchmarks/train_throughput.py [--models=vae,wae_mmd] [--dispatch=1,10]
        [--steps=3000] [--repeats=3] [--network=conv --conv_channels=32,64,128]

For each model it prints

- ``bare``: a jitted step (``k`` updates per call) called back to back on one
  device-resident batch, blocking once at the end: the compute-bound ceiling;
- ``loop``: ``train_and_evaluate`` end to end (input pipeline, metrics,
  logging, NaN checks, checkpoints at the cadence of a 30k-step experiment),
  steps/s excluding the one-off compilation and final evaluation/images;
- ``outside``: the fraction of the loop's training time the host spent not
  waiting for the device (batches, dispatch, metrics, logging, checkpoint
  hand-off): an upper bound on the time outside the jitted step;
- ``loop/bare``: the two rates' ratio (noisy on a shared machine; the loop also
  gathers fresh batches where ``bare`` reuses one).

The reference is pythae, the best-known PyTorch library of these models, with its
default MLP 784-512-16-512-784 (and a 16-256-1 latent critic), batch 100, Adam, in a
bare loop. With ``--reference_python=<a python with torch and pythae>`` it is measured
in the same run by `benchmarks/torch_reference.py` (``vs ref``, ``ref``); without, the
rates the issue measured on this machine are used: VAE 155, WAE-MMD 92, RAE 130, AAE
142 steps/s. The same architecture is used here for every model (latent 16), whatever
its config's.

With ``--network=conv`` (models ``ae``, ``vae``) the reference is
``torch_reference.py --network=conv``: genjax's DCGAN encoder and decoder (channels
``--conv_channels``, default 128-256-512-1024) written layer for layer in PyTorch, with
the same losses, measured in the same run; there are no stored rates for it. Conv steps
take seconds on a CPU: use few ``--steps`` and ``--repeats``.

GANs (any name of ``genjax.models.GAN_NAMES``) run their experiment config as shipped
(``experiments/<name>.py``: its networks, batch 64, optimisers; ``--network`` does not
apply, ``--conv_channels`` sets a conv GAN's widths), a step being every player's
updates (WGAN-GP: 5 critic updates and 1 generator update). The reference, for
``gan``, ``wgan_gp`` and ``dcgan``, is `benchmarks/torch_gan_reference.py`: the same
networks and steps written in plain PyTorch, measured in the same run with
``--reference_python`` (``--steps``, ``--repeats``; torch threads: the cores this
process may run on); there are no stored rates for it. The last three columns,
``cpu:bare``, ``ref`` and ``vs ref``, are the bare rate and the GAN reference's in steps
per CPU second of each process (`time.process_time`) and their ratio: on cores shared
with other jobs they stay near the idle rates, where the wall-clock rates fall with the
load and their ratio moves with it from one phase of the run to the next.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from experiments.common import base_config  # noqa: E402
from genjax import data  # noqa: E402
from genjax.models import AUTOENCODER_NAMES, GAN_NAMES, MODEL_NAMES, build_model  # noqa: E402
from genjax.training import (  # noqa: E402
    init_train_state,
    make_multi_step,
    make_optimizers,
    steps_per_dispatch,
    train_and_evaluate,
)
from genjax.training.step import batches_per_step  # noqa: E402

REFERENCE = {"vae": 155, "wae_mmd": 92, "rae": 130, "aae": 142}  # the issue's, steps/s
TWO_PLAYERS = ("wae_gan", "aae")


def gan_config_for(name: str, steps: int, k: int, conv_channels=None):
    """``experiments/<name>.py``'s config as shipped (`experiments.gan.gan_config` for a
    GAN without one), for ``steps`` steps at ``k`` per dispatch."""
    try:
        config = importlib.import_module(f"experiments.{name}").get_config()
    except ModuleNotFoundError:
        from experiments.gan import gan_config

        config = gan_config(name, num_steps=steps)
    config.train.num_steps = steps
    if config.model.network == "conv" and conv_channels:
        config.model.conv_channels = tuple(conv_channels)
    config.train.steps_per_dispatch = k
    config.cadence.update(log_every=600, checkpoint_every=3000, eval_every=0, image_every=0)
    return config


def config_for(name: str, network: str, steps: int, k: int, dataset_shape, conv_channels=None):
    if name in GAN_NAMES:
        return gan_config_for(name, steps, k, conv_channels)
    players = ("autoencoder", "critic") if name in TWO_PLAYERS else ("autoencoder",)
    config = base_config(name, num_steps=steps, players=players)
    config.model.network = network
    # The reference's default architecture, for every model: one hidden layer of 512
    # in the encoder and the decoder, and a latent critic 16-256-1.
    if network == "mlp":
        config.model.encoder_hidden = (512,)
        config.model.decoder_hidden = (512,)
        config.model.latent_dim = 16
        if name in TWO_PLAYERS:
            config.model.critic_hidden = (256,)
    if name == "aae":
        # The reference's AAE is variational: a Gaussian q(z|x), sampled by
        # reparameterisation, as in `genjax.models.vae`.
        config.model.gaussian_encoder = True
    if name in ("vae", "beta_vae"):
        # The reference's VAE likelihood: squared error ("mse"), not our Bernoulli default.
        config.model.likelihood = "gaussian"
    if network == "conv" and conv_channels:
        config.model.conv_channels = tuple(conv_channels)
    config.train.steps_per_dispatch = k
    # The cadence of a 30k-step experiment (experiments/common.py): a log line every
    # 600 steps, a checkpoint every 3000; evaluation and images only at the end.
    config.cadence.update(log_every=600, checkpoint_every=3000, eval_every=0, image_every=0)
    return config


def bare_rate(config, dataset, steps: int) -> float:
    """Steps/s of the jitted k-step update alone, on one device, after compilation."""
    return bare_rates(config, dataset, steps)[0]


def bare_rates(config, dataset, steps: int) -> tuple[float, float]:
    """`bare_rate` and the same steps per CPU second of this process (all its threads):
    the rate an idle machine would give, near enough, when other jobs share the cores."""
    k = steps_per_dispatch(config)
    model = build_model(config.model, dataset.shape)
    optimizers = make_optimizers(config.optim, tuple(model.players), steps)
    # k steps of u real batches each (u > 1: a critic's updates, each on its own batch).
    rows, b = k * batches_per_step(model), int(config.train.batch_size)
    index = np.arange(rows * b) % len(dataset.train)
    xs = jnp.asarray(dataset.train[index].reshape(rows, b, *dataset.shape))
    state = jax.jit(lambda key, x: init_train_state(model, optimizers, key, x))(
        jax.random.PRNGKey(0), xs[0]
    )
    step = make_multi_step(model, optimizers)
    key = jax.random.PRNGKey(1)
    state, m = step(state, xs, key)  # compile
    jax.block_until_ready(m)
    calls = max(1, steps // k)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(calls):
        state, m = step(state, xs, key)
    jax.block_until_ready(m)
    return calls * k / (time.perf_counter() - t0), calls * k / (time.process_time() - c0)


def loop_rate(config, dataset) -> tuple[float, float]:
    """``(steps/s, outside fraction)`` of `train_and_evaluate`."""
    with tempfile.TemporaryDirectory() as workdir:
        _, metrics = train_and_evaluate(config, workdir, dataset=dataset)
    return metrics["time/steps_per_sec"], metrics["time/outside_fraction"]


CONV_REFERENCE_MODELS = ("ae", "vae")
GAN_REFERENCE_MODELS = ("gan", "wgan_gp", "dcgan")  # torch_gan_reference.py's


def measure_reference(
    python: str, models: list[str], network: str = "mlp", channels=(), steps: int = 1000,
    repeats: int = 3,
) -> dict[str, float]:  # fmt: skip
    """The reference's steps/s for ``models`` it has, from `torch_reference.py` run by
    ``python`` with as many torch threads as this process may use cores: pythae's MLPs,
    or (``network="conv"``) the mirror of our DCGAN nets."""
    known = REFERENCE if network == "mlp" else CONV_REFERENCE_MODELS
    names = [m for m in models if m in known]
    if not names:
        return {}
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.py")
    # As many torch threads as this process may use cores (taskset), as our side.
    command = [python, script, "--models=" + ",".join(names), f"--network={network}",
               f"--threads={len(os.sched_getaffinity(0))}"]  # fmt: skip
    if network == "conv":
        command += [f"--steps={steps}", "--warmup=2", f"--repeats={repeats}"]
        if channels:
            command.append("--conv_channels=" + ",".join(str(c) for c in channels))
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    print(out.rstrip())
    return json.loads(out.strip().splitlines()[-1])


def measure_gan_reference(
    python: str, models: list[str], channels=(), steps: int = 200, repeats: int = 3
) -> tuple[dict[str, float], dict[str, float]]:
    """The torch mirrors' ``(steps/s, steps per CPU second)`` for the GANs of ``models``
    `torch_gan_reference.py` has, run by ``python`` with as many torch threads as this
    process may use cores."""
    names = [m for m in models if m in GAN_REFERENCE_MODELS]
    if not names:
        return {}, {}
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_gan_reference.py")
    command = [python, script, "--models=" + ",".join(names), f"--steps={steps}",
               f"--repeats={repeats}", f"--threads={len(os.sched_getaffinity(0))}"]  # fmt: skip
    if channels:
        command.append("--conv_channels=" + ",".join(str(c) for c in channels))
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    print(out.rstrip())
    rates = json.loads(out.strip().splitlines()[-1])
    return rates["wall"], rates["cpu"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models", default=",".join(AUTOENCODER_NAMES), help="any of genjax.models.MODEL_NAMES"
    )
    parser.add_argument("--network", default="mlp", choices=("mlp", "conv"))
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument(
        "--dispatch", default="1,10", help="steps per dispatch to compare (0: the trainer's)"
    )
    parser.add_argument("--conv_channels", default="",
                        help="encoder widths for --network=conv, e.g. 32,64,128 (default: "
                        "the model's DCGAN-sized 128,256,512,1024)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs each")
    parser.add_argument(
        "--reference_python", default="", help="a python with torch and pythae: measure it now"
    )
    args = parser.parse_args()
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown:
        parser.error(f"unknown models {unknown}; known: {', '.join(MODEL_NAMES)}")
    channels = [int(c) for c in args.conv_channels.split(",") if c]
    autoencoders = [m for m in models if m not in GAN_NAMES]
    gans = [m for m in models if m in GAN_NAMES]
    reference_cpu = {}  # steps per CPU second (the GAN reference only)
    if args.reference_python:
        reference = measure_reference(
            args.reference_python, autoencoders, args.network, channels, args.steps, args.repeats
        )
        gan_wall, reference_cpu = measure_gan_reference(
            args.reference_python, gans, channels, args.steps, args.repeats
        )
        reference.update(gan_wall)
    else:
        reference = REFERENCE if args.network == "mlp" else {}
    dataset = data.load("fashion_mnist")
    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}, {os.cpu_count()} CPUs, "
          f"network={args.network}, batch 100 (GANs: their configs'), {args.steps} steps, "
          f"{len(os.sched_getaffinity(0))} usable cores")  # fmt: skip
    print(f"{'model':10s} {'k':>3s} {'bare':>8s} {'loop':>8s} {'outside':>8s} {'loop/bare':>9s}"
          f" {'vs ref':>7s} {'ref':>6s} {'cpu:bare':>8s} {'ref':>6s} {'vs ref':>7s}")  # fmt: skip
    for name in models:
        for k in (int(v) for v in args.dispatch.split(",")):
            config = config_for(name, args.network, args.steps, k, dataset.shape, channels)
            # Best of several: other processes on a small machine only ever slow a run.
            runs = [bare_rates(config, dataset, args.steps) for _ in range(args.repeats)]
            bare, bare_cpu = max(r[0] for r in runs), max(r[1] for r in runs)
            loop, outside = max(loop_rate(config, dataset) for _ in range(args.repeats))
            ref = reference.get(name)
            ratio = f"{loop / ref:6.2f}x {ref:6.2f}" if ref else "      -      -"
            ref_cpu = reference_cpu.get(name)
            cpu = f"{ref_cpu:6.2f} {bare_cpu / ref_cpu:6.2f}x" if ref_cpu else "     -       -"
            k = steps_per_dispatch(config)
            print(f"{name:10s} {k:3d} {bare:8.2f} {loop:8.2f} {outside:8.1%} {loop / bare:9.2f}"
                  f" {ratio} {bare_cpu:8.2f} {cpu}", flush=True)  # fmt: skip


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
