"""Every GAN config, run as a user would (``python -m experiments.run --config=...
--workdir=...`` with small overrides), is SIGKILLed once its first checkpoint appears,
rerun with the same command, and ends bit for bit where an uninterrupted run of that
command ends: the same SHA-256 of every array of the final `TrainState` (parameters,
model state such as BEGAN's k_t and batch statistics, optimiser states, step; the
fingerprints `genjax.training.checkpoint` records beside each checkpoint) and the same
metrics.jsonl records and final metrics (timings aside).

WGAN's and MMD-GAN's warm-up critic schedules are shortened so that the resumed part of
the run holds warm-up steps (both the first-steps warm-up and a refresh); BEGAN's k_t starts
at 0.5 (the config's 0 stays clipped at 0 in so short a run) and is checked to move, so a
lost k_t would show.

Each case starts three processes (the uninterrupted and the killed run side by side, then
the rerun), each with JAX's start-up and compilation: far above the ~20 s bar, hence slow.
Measured 2026-12-02, every case passing: the nine cases other than gan and began in
16 min 51 s on one core while the test suite ran on both (load average ~5); gan and
began (8 and 20 min) on a core shared with 8-10 other jobs (load average 9-18).
"""

import importlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genjax.models import GAN_NAMES
from tests.training.test_processes import ROOT, _completed_steps, _env

pytestmark = pytest.mark.slow

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
NUM_STEPS, EVERY = 20, 5  # chunks of 5 steps, a checkpoint after each
# Warm-up (WGAN, MMD-GAN): 10 critic updates (not 100) at steps 0-7 and at step 16, so a
# run killed after its first checkpoints (step 5 or 10) resumes into warm-up steps.
WARMUP_STEPS, WARMUP_EVERY = 8, 16
# The ones with state beyond parameters and optimisers first; DCGAN's conv nets last.
CONFIGS = ["began", "mmd_gan", "wgan", "wgan_gp", "gan", "fgan", "lsgan", "ebgan", "infogan",
           "gmmn", "dcgan"]  # fmt: skip
# Per case, above the project's 600 s: each process takes ~20 s of CPU, but the case runs
# for minutes on a shared core (8-10 min for GAN at load ~10).
TIMEOUT = 1800
COMMON = [
    f"--config.train.num_steps={NUM_STEPS}",
    f"--config.train.steps_per_dispatch={EVERY}",
    "--config.train.batch_size=32",
    f"--config.cadence.checkpoint_every={EVERY}",
    f"--config.cadence.log_every={EVERY}",  # a log line at every checkpoint: same windows
    "--config.cadence.eval_every=0",  # held-out evaluation and images only at the end
    "--config.cadence.image_every=0",
    "--config.data.max_train=256",
    "--config.data.max_test=64",
    "--config.eval.num_examples=64",
    "--config.eval.batch_size=64",
]
NARROW = {"encoder_hidden": "(32,)", "decoder_hidden": "(32,)", "critic_hidden": "(32,)",
          "conv_channels": "(4, 8)", "q_hidden": "16"}  # fmt: skip
WARMUP = {
    "wgan": {"warmup_critic_updates": 10, "warmup_generator_steps": WARMUP_STEPS,
             "critic_refresh_every": WARMUP_EVERY},
    "mmd_gan": {"warmup_critic_updates": 10, "warmup_generator_steps": WARMUP_STEPS,
                "warmup_every": WARMUP_EVERY},
}  # fmt: skip
# BEGAN's k_t starts at 0 in the config and, with this budget, stays clipped at 0 (the
# fakes' energy exceeds the real data's): k_0 = 0.5 makes it move, so a lost k_t shows.
MODEL = {**WARMUP, "began": {"k_init": 0.5}}


def command(name, workdir):
    """The user's command: the config file, the workdir, the small overrides."""
    model = importlib.import_module(f"experiments.{name}").get_config().model
    narrow = [f"--config.model.{f}={v}" for f, v in NARROW.items() if f in model]
    if model.get("network") != "conv":
        narrow = [a for a in narrow if "conv_channels" not in a]
    warmup = [f"--config.model.{f}={v}" for f, v in MODEL.get(name, {}).items()]
    return [sys.executable, "-m", "experiments.run", f"--config=experiments/{name}.py",
            f"--workdir={workdir}", *COMMON, *narrow, *warmup]  # fmt: skip


def start(name, workdir):
    out = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.Popen(command(name, workdir), cwd=ROOT, env=_env(1), **out)


def finish(proc, timeout=TIMEOUT):
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def final_fingerprint(workdir):
    record = json.loads(
        (workdir / "checkpoints" / "fingerprints" / f"{NUM_STEPS}.json").read_text()
    )
    return record["fingerprint"]


def records(workdir):
    """metrics.jsonl without the wall-clock rate."""
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "steps_per_sec"} for line in lines]


def final_metrics(workdir):
    """final_metrics.json without timings."""
    metrics = json.loads((workdir / "final_metrics.json").read_text())
    return {k: v for k, v in metrics.items() if not k.startswith("time/") and k != "steps_per_sec"}


def test_the_configs_are_the_gans():
    assert sorted(CONFIGS) == sorted(GAN_NAMES)


@pytest.mark.skipif(not FASHION_MNIST.exists(), reason="Fashion-MNIST IDX files absent")
@pytest.mark.timeout(TIMEOUT)
@pytest.mark.parametrize("name", CONFIGS)
def test_sigkill_after_a_checkpoint_then_rerun_matches_uninterrupted(name, tmp_path):
    procs = []
    try:
        _kill_and_resume(name, tmp_path, procs)
    finally:  # a failed case leaves no training processes behind
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def _kill_and_resume(name, tmp_path, procs):
    straight = start(name, tmp_path / "straight")
    procs.append(straight)
    killed = start(name, tmp_path / "killed")
    procs.append(killed)
    checkpoints = tmp_path / "killed" / "checkpoints"
    while not _completed_steps(checkpoints) and killed.poll() is None:
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    out, _ = killed.communicate()
    first = _completed_steps(checkpoints)
    assert killed.returncode == -signal.SIGKILL, out
    assert first and first[-1] < NUM_STEPS, f"the run was not stopped mid-way: {first}"
    resumed_from = first[-1]

    rerun = start(name, tmp_path / "killed")
    procs.append(rerun)
    out = finish(rerun)
    assert f"Resuming from the checkpoint at step {resumed_from}" in out, out
    finish(straight)
    a, b = tmp_path / "straight", tmp_path / "killed"
    assert final_fingerprint(a) == final_fingerprint(b)
    assert records(a) == records(b)
    assert final_metrics(a) == final_metrics(b)

    # What the resumed part depended on, beyond parameters and optimiser states.
    if name in WARMUP:
        assert resumed_from < WARMUP_EVERY, f"no warm-up step after the resume: {first}"
    if name == "began":
        logged = {r["step"]: r for r in records(a) if r["split"] == "train"}
        k = [logged[t]["critic/k"] for t in sorted(logged)]
        assert all(0 < a < 1 for a in k) and len(set(k)) == len(k), k  # moving, not clipped
