"""experiments/evaluate.py and genjax.evaluation.evaluate_model on a tiny trained run:
eval.json and figures, rec_error against numpy, clear errors, figure functions."""

import json
import math
import os
from pathlib import Path

import jax
import numpy as np
import pytest
from absl import flags
from PIL import Image

from experiments import evaluate
from genjax.evaluation import evaluate_model, save_latent_scatter, save_norm_histogram
from genjax.evaluation.extractors import resolve_extractor
from genjax.evaluation.report import scalar_metrics
from genjax.training import train_and_evaluate

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
needs_data = pytest.mark.skipif(
    not FASHION_MNIST.exists(),
    reason="Fashion-MNIST IDX files absent (apt-get install dataset-fashion-mnist)",
)
# A few steps on a little data: what is tested is the plumbing, not the numbers.
TINY = dict(max_train=256, max_test=128, batch_size=32, steps_per_dispatch=2)
QUALITY = [
    f"{metric}_{sampler}"
    for sampler in ("prior", "gmm")
    for metric in ("fd_classifier", "kid_classifier", "precision", "recall", "density",
                   "coverage")
]  # fmt: skip
LATENT = ["cw_normality", "mardia_skewness", "mardia_kurtosis",
          "normalized_absolute_correlation", "num_active"]  # fmt: skip
FIGURES = ["reconstructions", "samples_prior", "samples_gmm", "latent_scatter", "latent_norms"]
_RUNS: dict[str, str] = {}


def tiny_config(name: str, budget: int = 4):
    """experiments/<name>.py shrunk to ``budget`` steps on 256 training images."""
    from experiments.compare import make_config

    return make_config(
        name,
        budget=budget,
        max_train=TINY["max_train"],
        max_test=TINY["max_test"],
        overrides=tiny_overrides(),
    )


def tiny_overrides() -> list[str]:
    return [
        f"train.batch_size={TINY['batch_size']}",
        f"train.steps_per_dispatch={TINY['steps_per_dispatch']}",
        "eval.num_examples=64",
        "eval.batch_size=32",
        "cadence.log_every=2",
    ]


def trained_run(tmp_path_factory, name: str = "ae") -> str:
    """A workdir trained for 4 steps, once per test session (shared with test_compare)."""
    if name not in _RUNS:
        workdir = str(tmp_path_factory.mktemp("runs") / name)
        train_and_evaluate(tiny_config(name), workdir)
        _RUNS[name] = workdir
    return _RUNS[name]


@pytest.fixture
def workdir(tmp_path_factory):
    return trained_run(tmp_path_factory)


def _is_png(path) -> bool:
    with Image.open(path) as img:
        img.verify()
        return img.format == "PNG"


@needs_data
def test_main_writes_eval_json_and_figures(workdir, capsys):
    fv = flags.FlagValues()
    evaluate.define_flags(fv)
    fv(["evaluate", f"--workdir={workdir}", "--num_samples=64"])
    evaluate.main(["evaluate"], fv)
    out = capsys.readouterr().out
    assert "ae at step 4 on fashion_mnist" in out and "eval.json" in out
    metrics = json.loads((Path(workdir) / "eval.json").read_text())
    assert metrics["step"] == 4 and metrics["num_samples"] == 64 and metrics["notes"] == []
    assert metrics["num_test"] == TINY["max_test"]
    for key in ["rec_error", *LATENT, *QUALITY, "kid_classifier_prior_std"]:
        assert isinstance(metrics[key], int | float) and math.isfinite(metrics[key]), key
    assert "sha256" in metrics["feature_extractor"]
    for name in FIGURES:
        assert _is_png(Path(workdir) / "eval" / f"{name}.png"), name
    # Another extractor writes its own file and leaves this one as it was.
    before = (Path(workdir) / "eval.json").read_bytes()
    fv(["evaluate", f"--workdir={workdir}", "--num_samples=64", "--extractor=none"])
    evaluate.main(["evaluate"], fv)
    assert "eval_none.json" in capsys.readouterr().out
    assert (Path(workdir) / "eval.json").read_bytes() == before
    assert json.loads((Path(workdir) / "eval_none.json").read_text())["step"] == 4


@needs_data
def test_rec_error_matches_numpy_and_a_key_fixes_the_numbers(workdir):
    run = evaluate.restore_workdir(workdir)
    params, state = run.state.params, run.state.model_state
    x = run.dataset.test
    x_hat = np.asarray(run.model.decode(params, state, run.model.encode(params, state, x)))
    expected = np.mean(np.sum((x_hat.astype(np.float64) - x) ** 2, axis=(1, 2, 3)))

    def metrics(seed):  # batch 50: 128 test examples end in a padded batch
        return evaluate_model(run.model, params, state, run.dataset, key=jax.random.key(seed),
                              extractor=None, num_samples=32, batch_size=50)  # fmt: skip

    first = metrics(0)
    np.testing.assert_allclose(first["rec_error"], expected, rtol=1e-5)
    assert first == metrics(0)
    scalars = scalar_metrics(first)  # what a metrics.jsonl record of it would hold
    assert list(scalars)[0] == "rec_error" and "notes" not in scalars
    assert scalars["num_active"] == first["num_active"] and scalars["gmm_converged"] in (0, 1)
    assert not any(k.startswith("fd_") for k in first)
    assert first["notes"] == ["sample quality skipped: no feature extractor given"]


def test_sample_quality_is_skipped_with_a_note_when_no_classifier_fits():
    for shape in [(32, 32, 3), (64,)]:  # CIFAR-like images, tabular data
        features, _, notes = resolve_extractor("fashion_mnist", shape)
        assert features is None and len(notes) == 1 and "(28, 28, 1)" in notes[0]
    features, _, notes = resolve_extractor("mnist", (28, 28, 1))  # no shipped weights
    assert features is None and "train_classifier --dataset=mnist" in notes[0]
    features, description, notes = resolve_extractor("fashion_mnist", (28, 28, 1), "mnist")
    assert features is not None and "fashion_mnist" in description
    assert notes == ["features from a classifier trained on fashion_mnist, data is mnist"]


def test_missing_workdir_or_checkpoint_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(evaluate.WorkdirError, match="does not exist"):
        evaluate.restore_workdir(str(tmp_path / "nowhere"))
    (tmp_path / "config.json").write_text(tiny_config("wae_mmd").to_json_best_effort())
    fv = flags.FlagValues()
    evaluate.define_flags(fv)
    fv(["evaluate", f"--workdir={tmp_path}"])
    with pytest.raises(SystemExit) as info:
        evaluate.main(["evaluate"], fv)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "no checkpoint" in err
    assert f"python -m experiments.run --config=experiments/wae_mmd.py --workdir={tmp_path}" in err
    assert not os.path.exists(tmp_path / "checkpoints")  # looking does not create it


@needs_data
def test_nan_codes_give_strict_json_with_notes_and_no_crash(workdir, tmp_path):  # issue 12.15
    import shutil

    import jax.numpy as jnp

    from genjax.training import Checkpoints

    shutil.copytree(workdir, tmp_path / "w")
    (tmp_path / "w" / "eval_none.json").unlink(missing_ok=True)  # another test's
    run = evaluate.restore_workdir(str(tmp_path / "w"))
    params = dict(run.state.params)
    params["encoder"] = jax.tree.map(lambda p: p * jnp.nan, params["encoder"])
    with Checkpoints(tmp_path / "w" / "checkpoints") as checkpoints:
        checkpoints.save(run.state.replace(step=jnp.int32(run.step + 1), params=params))
    metrics, _ = evaluate.evaluate_workdir(str(tmp_path / "w"), num_samples=32, extractor=None)
    text = (tmp_path / "w" / "eval_none.json").read_text()
    strict = json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in eval.json"))
    assert strict["step"] == run.step + 1 and strict["rec_error"] is None
    assert "rec_error was nan (written as null)" in strict["notes"]
    assert any(note.startswith("figures not written") for note in strict["notes"])
    assert metrics == strict


def test_norm_histogram_and_scatter_figures(tmp_path):
    z = np.asarray(jax.random.normal(jax.random.key(0), (300, 5)))
    assert _is_png(save_norm_histogram(tmp_path / "norms.png", z))
    assert _is_png(save_latent_scatter(tmp_path / "scatter.png", z, 2 * z))
    assert _is_png(save_latent_scatter(tmp_path / "one.png", z[:, :1], z[:, :1]))  # d = 1
    with pytest.raises(ValueError, match=r"\[n, d\]"):
        save_norm_histogram(tmp_path / "bad.png", z[0])


@pytest.mark.slow  # a tiny run plus two GMM fits and feature passes: ~25-45 s
@needs_data
def test_full_evaluation_runs_during_training_when_asked(tmp_path):
    config = tiny_config("ae", budget=4)
    config.eval.full_every = 2
    config.eval.full_num_samples = 64
    train_and_evaluate(config, str(tmp_path))
    with open(tmp_path / "metrics.jsonl") as f:
        records = [json.loads(line) for line in f]
    full = [r for r in records if r.get("split") == "eval_full"]
    assert [r["step"] for r in full] == [2, 4]
    for record in full:
        for name in ["rec_error", "fd_classifier_prior", "fd_classifier_gmm", *LATENT]:
            assert math.isfinite(record[name]), (name, record)


@pytest.mark.slow  # two evaluations of a tiny run: ~15 s idle, ~40 s on a loaded machine
@needs_data
def test_ex_post_two_stage_adds_its_metrics_and_figure(workdir, tmp_path):
    """evaluate_workdir(ex_post="gmm,two_stage"): the *_two_stage numbers and
    samples_two_stage.png are added, every other number is the default evaluation's."""
    import shutil

    shutil.copytree(workdir, tmp_path / "w")
    w = str(tmp_path / "w")
    default, _ = evaluate.evaluate_workdir(w, num_samples=32)
    both, paths = evaluate.evaluate_workdir(
        w, num_samples=32, ex_post="gmm,two_stage", two_stage_options={"hidden": (8,),
                                                                       "num_steps": 10}
    )  # fmt: skip
    added = [k for k in both if "two_stage" in k]
    for key in [*(q.replace("_gmm", "_two_stage") for q in QUALITY if q.endswith("_gmm")),
                "num_classes_two_stage", "class_kl_two_stage"]:  # fmt: skip
        assert key in added and math.isfinite(both[key]), key
    assert {k: v for k, v in both.items() if k not in added} == default
    assert json.loads((tmp_path / "w" / "eval.json").read_text()) == both
    assert _is_png(tmp_path / "w" / "eval" / "samples_two_stage.png")
    assert str(tmp_path / "w" / "eval" / "samples_two_stage.png") in paths


def test_ex_post_flag_is_passed_and_checked(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake(workdir, **kwargs):
        seen.update(kwargs)
        raise evaluate.ConfigError("stop here")

    monkeypatch.setattr(evaluate, "evaluate_workdir", fake)
    fv = flags.FlagValues()
    evaluate.define_flags(fv)
    fv(["evaluate", f"--workdir={tmp_path}"])
    with pytest.raises(SystemExit):
        evaluate.main(["evaluate"], fv)
    assert seen["ex_post"] == ["gmm"]  # the default: today's evaluation
    fv(["evaluate", f"--workdir={tmp_path}", "--ex_post=gmm,two_stage"])
    with pytest.raises(SystemExit):
        evaluate.main(["evaluate"], fv)
    assert seen["ex_post"] == ["gmm", "two_stage"]
    monkeypatch.undo()
    with pytest.raises(evaluate.ConfigError, match="--ex_post=gmm,flow: expected some of"):
        evaluate.evaluate_workdir(str(tmp_path), ex_post="gmm,flow")


def test_samples_that_are_not_finite_get_a_note_not_numbers():
    from genjax.evaluation.outputs import ModelOutputs

    rng = np.random.default_rng(0)
    m, d = 40, 2

    def x():
        return rng.random((m, 8, 8, 1)).astype(np.float32)

    nan = np.full((m, 8, 8, 1), np.nan, np.float32)
    outputs = ModelOutputs(
        rec_errors=rng.random(m), z_test=rng.normal(size=(m, d)), x_shown=x()[:4],
        x_shown_rec=x()[:4], x_real=x(), z_prior=rng.normal(size=(m, d)), x_prior=x(),
        z_gmm=rng.normal(size=(m, d)), x_gmm=x(), gmm=None, gmm_info={},
        ex_post={"two_stage": (rng.normal(size=(m, d)), nan)},
    )  # fmt: skip
    pixels = lambda images: np.asarray(images).reshape(len(images), -1)  # noqa: E731
    metrics = evaluate._with_sample_quality({"notes": []}, outputs, jax.random.key(0), pixels, "x")
    assert "fd_classifier_gmm" in metrics and "fd_classifier_prior" in metrics
    assert not any("two_stage" in k for k in metrics)
    assert (
        "sample quality of two_stage samples not computed: decoded samples not finite"
        in (metrics["notes"])
    )


def test_inception_without_weights_is_one_error_line_naming_the_fetch(
    monkeypatch, tmp_path, capsys
):
    from genjax.evaluation.inception import weights as inception_weights

    monkeypatch.setenv("GENJAX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(inception_weights, "_installed_package_file", lambda: None)
    (tmp_path / "config.json").write_text(tiny_config("wae_mmd").to_json_best_effort())
    fv = flags.FlagValues()
    evaluate.define_flags(fv)
    fv(["evaluate", f"--workdir={tmp_path}", "--extractor=inception"])
    with pytest.raises(SystemExit) as info:
        evaluate.main(["evaluate"], fv)
    assert info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: FID Inception weights not found")
    assert "python -m genjax.evaluation.inception --fetch" in err[0]
    # Checked before the (absent) checkpoint is looked for.
    assert "no checkpoint" not in err[0]
