"""GANs through the trainer and the evaluation: resume repeats an uninterrupted run bit for
bit (WGAN's schedule included), WGAN-GP on 8 fake devices matches one, sample grids and a
model's own grids, and generator evaluation with class coverage."""

import dataclasses
import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from genjax.evaluation.outputs import ModelOutputs, model_outputs
from genjax.evaluation.report import output_metrics
from genjax.evaluation.sample_metrics import class_coverage
from genjax.models import build_model, default_model_config
from genjax.models.gans.wgan import WGANGP
from genjax.training import train_and_evaluate
from genjax.training.evaluate import make_visualise_fn, write_image_grids
from genjax.training.optim import make_optimizers
from genjax.training.sharding import make_mesh
from genjax.training.state import init_train_state
from genjax.training.step import make_multi_step
from tests.training.tiny import SHAPE, tiny_config, tiny_data


def _tiny_gan(name, **fields):
    config = default_model_config(name)
    config.update(latent_dim=3, encoder_hidden=(8,), decoder_hidden=(8,), **fields)
    return build_model(config, SHAPE)


def _config(num_steps, optim):
    config = tiny_config(("critic", "generator"), num_steps=num_steps, steps_per_dispatch=3)
    config.optim = ml_collections.ConfigDict(optim)
    config.cadence.update(log_every=3, eval_every=6, checkpoint_every=3)
    return config


RMSPROP_CLIP = {
    "critic": dict(name="rmsprop", learning_rate=5e-3, weight_clip=0.05),
    "generator": dict(name="rmsprop", learning_rate=5e-3),
}
ADAM = {p: dict(name="adam", learning_rate=1e-3, b1=0.5, b2=0.9) for p in ("critic", "generator")}


WGAN_SCHEDULE = dict(n_critic=2, warmup_critic_updates=4, warmup_generator_steps=2,
                     critic_refresh_every=5)  # fmt: skip


def test_chunked_steps_repeat_one_chunk_with_the_schedule():
    """Resume's premise, fast: WGAN (schedule and clipping) run as 3 + 3 steps from the
    carried state equals 6 steps in one call, bit for bit; the schedule reads the step."""
    model = _tiny_gan("wgan", **WGAN_SCHEDULE)
    optimizers = make_optimizers(ml_collections.ConfigDict(RMSPROP_CLIP), model.players, 10)
    xs = jnp.asarray(np.random.default_rng(0).random((6 * 4, 8, *SHAPE), np.float32))
    init = init_train_state(model, optimizers, jax.random.key(0), xs[0])
    step, key = make_multi_step(model, optimizers), jax.random.key(1)
    whole, _ = step(jax.device_get(init), xs, key)
    half, _ = step(jax.device_get(init), xs[:12], key)
    half, _ = step(half, xs[12:], key)
    jax.tree.map(np.testing.assert_array_equal, jax.device_get(whole), jax.device_get(half))


@pytest.mark.slow  # ~25 s each on an idle 2-core CPU, ~90 s under load: 3 runs on 8 devices
@pytest.mark.parametrize(
    "name, fields, optim",
    [
        ("wgan", WGAN_SCHEDULE, RMSPROP_CLIP),
        ("wgan_gp", {}, ADAM),
    ],
)  # fmt: skip
def test_resume_repeats_an_uninterrupted_run(tmp_path, name, fields, optim):
    model, data = _tiny_gan(name, **fields), tiny_data(n_train=256, n_test=64)
    straight, metrics = train_and_evaluate(_config(12, optim), str(tmp_path / "a"), model=model,
                                           dataset=data)  # fmt: skip
    train_and_evaluate(_config(6, optim), str(tmp_path / "b"), model=model, dataset=data)
    resumed, _ = train_and_evaluate(_config(12, optim), str(tmp_path / "b"), model=model,
                                    dataset=data)  # fmt: skip
    assert int(resumed.step) == 12
    jax.tree.map(np.testing.assert_array_equal, straight.params, resumed.params)
    jax.tree.map(np.testing.assert_array_equal, straight.opt_states, resumed.opt_states)
    assert "eval/critic_loss" in metrics and np.isfinite(metrics["eval/critic_loss"])
    # A generator's grids: samples only.
    assert (tmp_path / "a" / "samples.png").exists()
    assert not (tmp_path / "a" / "reconstructions.png").exists()


def test_wgan_gp_on_eight_devices_matches_one(mesh):
    model = _tiny_gan("wgan_gp")
    optimizers = make_optimizers(ml_collections.ConfigDict(ADAM), model.players, 10)
    xs = jnp.asarray(np.random.default_rng(0).random((5, 16, *SHAPE), np.float32))  # [u, b, ...]
    state_1 = init_train_state(model, optimizers, jax.random.key(0), xs[0])
    # A host copy: the single-device step donates state_1's buffers.
    state_8 = jax.device_put(jax.device_get(state_1), NamedSharding(mesh, P()))
    xs_8 = jax.device_put(xs, NamedSharding(mesh, P(None, "data")))
    single, sharded = make_multi_step(model, optimizers), make_multi_step(model, optimizers,
                                                                          mesh=mesh)  # fmt: skip
    key = jax.random.key(1)
    for _ in range(2):
        state_1, m_1 = single(state_1, xs, key)
        state_8, m_8 = sharded(state_8, xs_8, key)
        jax.block_until_ready(m_8)  # bound the steps in flight on faked devices
        for term in m_1:
            np.testing.assert_allclose(m_8[term], m_1[term], rtol=1e-4, atol=1e-6, err_msg=term)
    assert float(m_1["critic/penalty"][0]) > 0
    jax.tree.map(functools.partial(np.testing.assert_allclose, rtol=1e-4, atol=1e-6),
                 state_8.params, state_1.params)  # fmt: skip


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class _WithGrid(WGANGP):
    """A generator with its own grid, as InfoGAN's code traversal."""

    def image_grids(self, params, state, key):
        z = jnp.linspace(-1, 1, 6)[:, None] * jnp.ones((6, self.latent_dim))
        return {"traversal": (self.generate(params, state, z, train=False)[0], 3)}


def test_visualise_writes_samples_and_the_models_own_grids(tmp_path):
    base = _tiny_gan("wgan_gp")
    model = _WithGrid(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
    x = tiny_data(n_train=8, n_test=8).test
    params, state = model.init(jax.random.key(0), jnp.asarray(x))
    visualise = make_visualise_fn(model, make_mesh(jax.devices()[:1]), num_samples=16)
    out = jax.device_get(visualise(params, state, x, x[:2], x[2:4], jax.random.key(1)))
    assert set(out) == {"samples", "traversal"} and out["samples"].shape == (16, *SHAPE)
    paths = write_image_grids(str(tmp_path), 5, x, out, interp_steps=10)
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == ["samples.png", "traversal.png"]
    assert (tmp_path / "images" / "traversal_0000005.png").exists()
    outputs = model_outputs(model, params, state, tiny_data(n_train=8, n_test=40),
                            key=jax.random.key(2), num_samples=30, batch_size=16)  # fmt: skip
    assert outputs.x_prior.shape == (30, *SHAPE) and outputs.z_test is None
    assert outputs.image_grids["traversal"][0].shape == (6, *SHAPE)
    assert outputs.image_grids["traversal"][1] == 3


class _BrightnessClassifier:
    """A stand-in classifier: features are the pixels, the class is the mean brightness
    in 4 bins."""

    def __call__(self, images):
        return jnp.asarray(np.asarray(images).reshape(len(images), -1))

    def logits(self, images):
        mean = np.asarray(images).reshape(len(images), -1).mean(axis=1)
        labels = np.minimum((mean * 4).astype(int), 3)
        return jnp.asarray(np.eye(4)[labels])


def test_generator_metrics_and_class_coverage():
    rng = np.random.default_rng(0)
    real = rng.random((40, *SHAPE)).astype(np.float32)
    # Every fake image has brightness ~0.1 (class 0) but two at ~0.9 (class 3).
    fake = np.full((40, *SHAPE), 0.1, np.float32)
    fake[:2] = 0.9
    outputs = ModelOutputs(rec_errors=None, z_test=None, x_shown=None, x_shown_rec=None,
                           x_real=real, z_prior=None, x_prior=fake, z_gmm=None, x_gmm=None,
                           gmm=None, gmm_info={})  # fmt: skip
    metrics = output_metrics(outputs, key=jax.random.key(0), extractor=_BrightnessClassifier())
    assert "rec_error" not in metrics and "cw_normality" not in metrics
    assert "fd_classifier_prior" in metrics and "fd_classifier_gmm" not in metrics
    p = np.array([38, 0, 0, 2]) / 40
    assert metrics["num_classes_prior"] == 2
    np.testing.assert_allclose(metrics["class_kl_prior"], np.sum(p[p > 0] * np.log(4 * p[p > 0])))
    # The 1% threshold: one stray sample in 200 is not a class.
    kl = 0.995 * np.log(10 * 0.995) + 0.005 * np.log(10 * 0.005)
    assert class_coverage(np.array([0] * 199 + [1]), 10) == (1, pytest.approx(kl, 1e-9))
    assert class_coverage(np.arange(10).repeat(3), 10) == (10, 0.0)
