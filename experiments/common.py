"""Config blocks shared by every experiment, and the fields the trainer reads.

``genjax.training.train_and_evaluate`` reads::

    seed                      one integer for data order, init and every PRNG key
    data.source               "fashion_mnist", "mnist", "cifar10", "celeb_a",
                              "synthetic:<name>", "npz:<path>", ...
    data.data_dir             where local files / tfds data live (None: defaults)
    data.max_train, max_test  deterministic subsets, for quick runs (None: all)
    data.download             let tensorflow-datasets download (False fails fast)
    data.rescale              "none" | "255" (uint8-range images / 255) | "minmax" (the
                              training split's range to [0, 1]); data outside what the
                              model's output activation can produce is an error
    data.standardize          tabular data to zero mean, unit variance per column
                              (with output_activation="identity")
    data.on_device            keep the training set on every device and gather each
                              batch there (same batches; saves the host a copy per
                              step, ~10% on a 2-core CPU); False for data too large
                              to hold once per device
    model.*                   genjax.models.default_model_config(name), every field
    optim.<player>.*          one optimiser per player (see genjax.training.optim)
    train.batch_size          the global batch, split over devices and processes
    train.num_steps           the budget, in steps of every player
    train.steps_per_dispatch  k updates per jitted call (lax.scan over [k, b, ...]);
                              0: the trainer's choice (25; 1 only for XLA's own
                              convolutions on a CPU, model.conv_impl="xla")
    cadence.*_every           logging, held-out evaluation, PNG grids, checkpoints
                              (0: only at the end); events fall on the first chunk
                              boundary (multiple of k) at or after each multiple
    cadence.keep_checkpoints  how many of the newest checkpoints to keep (>= 1)
    cadence.keep_best         also keep the checkpoint with the lowest held-out value of
                              this eval metric ("rec_error"; "" for none), ranked at the
                              checkpoints that fall on an eval step
    eval.num_examples         held-out examples per evaluation, in batches of
    eval.batch_size           (divergences on codes are computed per batch)
    eval.full_every           also run genjax.evaluation.evaluate_model (classifier-feature
                              distances of prior and GMM samples, latent statistics)
                              every this many steps, logged as split "eval_full" (0: never)
    eval.full_num_samples     samples and test images it compares (FD is biased like 1/n)
    distributed.enabled       call jax.distributed.initialize(); the other fields
                              (coordinator_address, num_processes, process_id) may
                              stay None where JAX detects them (SLURM, MPI, TPU)

Override any of them on the command line, e.g. ``--config.train.num_steps=1000``;
a misspelt field is an error, and so is a value the trainer cannot use (a batch size,
latent dimension or kept-checkpoint count below 1, a negative step count or learning
rate), before anything is loaded or written.

A workdir belongs to one run: its ``config.json`` records the config, and a run whose
other fields differ is refused with the fields named. These may change when a run
resumes (``genjax.training.workdir.RESUMABLE``): ``train.num_steps``,
``train.steps_per_dispatch``, ``cadence.*``, ``eval.*``, ``distributed.*``,
``data.on_device``, ``data.download`` and ``data.data_dir``.
"""

from __future__ import annotations

import ml_collections
from ml_collections.config_dict import placeholder

from genjax.models import default_model_config

# Steps per dispatch: 0 lets the trainer choose (genjax.training.default_steps_per_dispatch):
# 25 for MLPs, where it gains 10-25% over 1 on a 2-core CPU and keeps the host's share
# of the loop near 2% (benchmarks/train_throughput.py), and for conv nets, whose matmul
# convolutions (genjax.nn.conv_impl) are not slowed by lax.scan; 1 only for XLA:CPU's own
# convolutions, ~35x slower inside lax.scan. Cadences are multiples of 25, hence of either.
STEPS_PER_DISPATCH = 0
CADENCE_QUANTUM = 25


def data(source: str = "fashion_mnist") -> ml_collections.ConfigDict:
    return ml_collections.ConfigDict(
        dict(
            source=source,
            data_dir=placeholder(str),
            max_train=placeholder(int),
            max_test=placeholder(int),
            download=True,
            rescale="none",
            standardize=False,
            on_device=True,
        )
    )


def optimizer(learning_rate: float = 1e-3, *, name: str = "adam", b1: float = 0.9,
              b2: float = 0.999, schedule: str = "constant", warmup_steps: int = 0,
              grad_clip_norm: float = 0.0,
              weight_clip: float = 0.0) -> ml_collections.ConfigDict:  # fmt: skip
    """One player's optimiser (see `genjax.training.optim`)."""
    return ml_collections.ConfigDict(
        dict(
            name=name,
            learning_rate=learning_rate,
            b1=b1,
            b2=b2,
            weight_decay=1e-4,
            momentum=0.0,
            grad_clip_norm=grad_clip_norm,
            weight_clip=weight_clip,
            schedule=schedule,
            warmup_steps=warmup_steps,
        )
    )


def training(num_steps: int, batch_size: int = 100) -> ml_collections.ConfigDict:
    return ml_collections.ConfigDict(
        dict(batch_size=batch_size, num_steps=num_steps, steps_per_dispatch=STEPS_PER_DISPATCH)
    )


def cadence(num_steps: int) -> ml_collections.ConfigDict:
    """About 50 log lines, 10 evaluations, 5 image grids and 10 checkpoints per run."""
    k = CADENCE_QUANTUM

    def every(n):
        return max(k, (num_steps // n) // k * k)

    return ml_collections.ConfigDict(
        dict(
            log_every=every(50),
            eval_every=every(10),
            image_every=every(5),
            checkpoint_every=every(10),
            keep_checkpoints=3,
            keep_best="rec_error",
        )
    )


def distributed() -> ml_collections.ConfigDict:
    return ml_collections.ConfigDict(
        dict(
            enabled=False,
            coordinator_address=placeholder(str),
            num_processes=placeholder(int),
            process_id=placeholder(int),
        )
    )


def base_config(
    model_name: str,
    *,
    num_steps: int,
    players: tuple[str, ...] = ("autoencoder",),
    learning_rate: float = 1e-3,
    schedule: str = "cosine",
    batch_size: int = 100,
    source: str = "fashion_mnist",
) -> ml_collections.ConfigDict:
    """A complete config for ``model_name`` with the model's paper defaults, Adam at
    ``learning_rate`` for every player (cosine decay to 0 over the run by default: the
    last epochs at a small rate sharpen the reconstructions), and cadences scaled to
    ``num_steps``."""
    config = ml_collections.ConfigDict()
    config.seed = 0
    config.data = data(source)
    config.model = default_model_config(model_name)
    config.optim = ml_collections.ConfigDict(
        {p: optimizer(learning_rate, schedule=schedule) for p in players}
    )
    config.train = training(num_steps, batch_size)
    config.cadence = cadence(num_steps)
    config.eval = ml_collections.ConfigDict(
        dict(num_examples=2000, batch_size=500, full_every=0, full_num_samples=2000)
    )
    config.distributed = distributed()
    return config
