"""Every experiment config trains a few steps on a little Fashion-MNIST; run.py parses
its flags (a misspelt override is a clear error) and runs a config end to end."""

import importlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genjax.models import GAN_NAMES, MODEL_NAMES
from genjax.training import train_and_evaluate

ROOT = Path(__file__).resolve().parents[2]
# One config file per model, named after it (experiments/ also holds run, evaluate, ...).
# DCGAN's conv nets take minutes for 4 steps on a 2-core CPU (conv inside lax.scan).
CONFIGS = [pytest.param(n, marks=pytest.mark.slow) if n == "dcgan" else n for n in MODEL_NAMES]
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
needs_data = pytest.mark.skipif(
    not FASHION_MNIST.exists(), reason="Fashion-MNIST IDX files absent (apt-get install "
    "dataset-fashion-mnist)"
)  # fmt: skip
TINY = [
    "--config.data.max_train=256",
    "--config.data.max_test=128",
    "--config.train.batch_size=32",
    "--config.train.num_steps=4",
    "--config.train.steps_per_dispatch=2",
    "--config.eval.num_examples=64",
    "--config.eval.batch_size=32",
]


def shrink(config):
    """The overrides in ``TINY``, applied in-process."""
    for flag in TINY:
        path, value = flag[len("--config.") :].split("=")
        *parents, leaf = path.split(".")
        block = config
        for name in parents:
            block = block[name]
        block[leaf] = type(block[leaf])(value) if block[leaf] is not None else int(value)
    config.cadence.update(log_every=2, eval_every=4, image_every=0, checkpoint_every=4)
    return config


def test_one_config_per_model():
    missing = [n for n in MODEL_NAMES if not (ROOT / "experiments" / f"{n}.py").exists()]
    assert not missing


@needs_data
@pytest.mark.parametrize("name", CONFIGS)
def test_config_trains_a_few_steps(name, tmp_path):
    module = importlib.import_module(f"experiments.{name}")
    assert f"python -m experiments.run --config=experiments/{name}.py" in module.__doc__
    config = module.get_config()
    assert config.model.name == name and config.data.source == "fashion_mnist"
    if name in ("wgan", "mmd_gan"):  # 100 critic updates per warm-up step: 6 smoke-test it
        config.model.warmup_critic_updates = 6
    state, metrics = train_and_evaluate(shrink(config), str(tmp_path))
    assert int(state.step) == 4
    # Held-out: an autoencoder's reconstruction error, a GAN's critic terms.
    held_out = [k for k in metrics if k.startswith("eval/")]
    assert held_out if name in GAN_NAMES else "eval/rec_error" in held_out, metrics
    assert all(math.isfinite(v) for v in metrics.values()), metrics
    assert (tmp_path / "samples.png").exists()


def _run(*args, cwd):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=1",
               JAX_NUM_CPU_DEVICES="1", PYTHONPATH=str(ROOT))  # fmt: skip
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_misspelt_override_fails_with_a_clear_error(tmp_path):
    out = _run("--config=experiments/ae.py", "--config.model.latnt_dim=16",
               f"--workdir={tmp_path}", cwd=ROOT)  # fmt: skip
    assert out.returncode == 2
    assert "--config.model.latnt_dim=16 names a field the config does not have" in out.stderr
    assert 'Did you mean "latent_dim"' in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "metrics.jsonl").exists()


@needs_data
def test_run_py_trains_with_overrides_into_the_default_workdir(tmp_path):
    out = _run(f"--config={ROOT / 'experiments' / 'ae.py'}", "--config.model.latent_dim=4",
               *TINY, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    workdir = tmp_path / "runs" / "ae"
    assert json.loads((workdir / "config.json").read_text())["model"]["latent_dim"] == 4
    assert "Training from scratch" in out.stderr and "Trained steps 0..4" in out.stderr
