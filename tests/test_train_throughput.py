"""benchmarks/train_throughput.py's GAN rows: their configs are the experiments' as
shipped, and the bare rate feeds a critic's updates their own batches."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from experiments import dcgan, gan, wgan_gp
from genjax.data import Dataset

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "train_throughput.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("train_throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("experiment", [gan, wgan_gp, dcgan], ids=lambda m: m.__name__)
def test_gan_config_is_the_experiments(bench, experiment):
    name = experiment.__name__.rsplit(".", 1)[1]
    config = bench.config_for(name, "mlp", 40, 5, (28, 28, 1))
    shipped = experiment.get_config()
    # Everything that sets the step's cost is the experiment's: networks, batch, optimisers.
    assert config.model.to_dict() == shipped.model.to_dict()
    assert config.optim.to_dict() == shipped.optim.to_dict()
    assert config.train.batch_size == shipped.train.batch_size == 64
    assert (config.train.num_steps, config.train.steps_per_dispatch) == (40, 5)
    assert config.cadence.eval_every == config.cadence.image_every == 0


def test_conv_channels_apply_to_a_conv_gan_only(bench):
    conv = bench.config_for("dcgan", "mlp", 4, 1, (28, 28, 1), [8, 16])
    assert conv.model.conv_channels == (8, 16)
    mlp = bench.config_for("gan", "conv", 4, 1, (28, 28, 1), [8, 16])
    assert mlp.model.network == "mlp"


@pytest.mark.slow  # compiles a WGAN-GP step: 6 min on the loaded 2-core machine
def test_wgan_gp_bare_rate_runs_five_critic_batches_per_step(bench):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(50, 28, 28, 1)).astype(np.float32)  # fewer than one batch
    dataset = Dataset("tiny", images, images[:10])
    config = bench.config_for("wgan_gp", "mlp", 2, 2, dataset.shape)
    config.model.update(encoder_hidden=(8,), decoder_hidden=(8,))
    # 2 steps of 5 critic batches of 64 each come from 50 images, reused in turn.
    assert np.isfinite(bench.bare_rate(config, dataset, 2))
