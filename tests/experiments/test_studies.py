"""The latent-dimension study and the disentanglement script run end to end on tiny
settings (slow: several models are trained)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(module, *args, cwd):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=1",
               JAX_NUM_CPU_DEVICES="1", PYTHONPATH=str(ROOT))  # fmt: skip
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip


@pytest.mark.slow
def test_latent_study_tiny(tmp_path):
    out = _run("experiments.latent_study", f"--workdir={tmp_path}", "--steps=4",
               "--sets=synthetic:manifold8", "--dims=2", "--mask_dims=4",
               "--max_train=256", "--num_samples=64", cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    rows = json.loads((tmp_path / "latent_study.json").read_text())
    assert [(r["model"], r["m"]) for r in rows] == [("wae_mmd", 2), ("maskaae", 4)]
    assert rows[1]["active_dims"] <= 4 and (tmp_path / "latent_study.png").exists()


@pytest.mark.slow
def test_disentanglement_tiny(tmp_path):
    out = _run("experiments.disentanglement", f"--workdir={tmp_path}", "--steps=4",
               "--models=vae,beta_tcvae", "--max_train=256", cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    rows = json.loads((tmp_path / "disentanglement.json").read_text())
    assert [r["model"] for r in rows] == ["vae", "beta_tcvae"]
    assert all(0.0 <= r["mig"] <= 1.0 for r in rows)


def test_latent_study_plot_has_the_mask_panel(tmp_path):
    from PIL import Image

    from experiments import latent_study

    rows = [{"set": "synthetic:manifold8", "true_dim": 8, "model": m, "m": d, "fd": 1.0 / d}
            for m, d in (("wae_mmd", 4), ("wae_mmd", 8), ("maskaae", 32))]  # fmt: skip
    latent_study.plot(rows, tmp_path / "one.png")
    curve = ([10, 20], [30.0, 12.0])
    latent_study.plot(rows, tmp_path / "two.png", {("synthetic:manifold8", 32): curve})
    one, two = (Image.open(tmp_path / f).size for f in ("one.png", "two.png"))
    assert one[0] == two[0] and two[1] == 2 * one[1]  # the mask's panel below


COMMANDS = ("experiments.run", "experiments.evaluate", "experiments.compare",
            "experiments.remeasure", "experiments.latent_study", "experiments.disentanglement",
            "genjax.evaluation.train_classifier")  # fmt: skip


def test_importing_the_commands_defines_no_global_flags():
    """Each command defines its flags when run, so tests and notebooks can import any
    of them together (two defining ``max_train`` at import failed CI by test order)."""
    import importlib

    from absl import flags

    for name in COMMANDS:
        module = importlib.import_module(name)
        assert name not in flags.FLAGS.flags_by_module_dict(), name
        fv = flags.FlagValues()
        module.define_flags(fv)  # and each defines its own set without a clash
        assert "verbosity" not in fv and len(list(fv)) > 0, name
