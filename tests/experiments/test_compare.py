"""experiments/compare.py on two tiny runs (one reused, one trained), seeds (mean ± std
against numpy), the real-vs-real row against a direct computation, the CSV and JSON
tables, and markdown_table."""

import csv
import json
import os
import shutil
import statistics

import numpy as np
import pytest
from absl import flags
from PIL import Image

from experiments import compare, tables
from genjax.evaluation import format_number, markdown_table
from tests.experiments.test_evaluate import TINY, needs_data, tiny_overrides, trained_run

HEADER = ("| Model | Steps | Latent dim | Rec. error | FD prior | FD GMM | Precision | Recall "
          "| Precision GMM | Recall GMM | Skewness | Kurtosis | CW normality |")  # fmt: skip


@pytest.mark.slow  # two tiny training runs and evaluations: ~25 s on 2 cores
@needs_data
def test_compare_reuses_trains_evaluates_and_prints_one_row_per_model(
    tmp_path, tmp_path_factory, capsys
):
    shutil.copytree(trained_run(tmp_path_factory, "ae"), tmp_path / "ae")  # at step 4
    fv = flags.FlagValues()
    compare.define_flags(fv)
    fv(["compare", "--configs=ae,vae", "--budget=4", f"--workdir_root={tmp_path}",
        f"--max_train={TINY['max_train']}", f"--max_test={TINY['max_test']}",
        "--num_samples=32", *(f"--set={s}" for s in tiny_overrides())])  # fmt: skip
    compare.main(["compare"], fv)
    out = capsys.readouterr().out
    assert "[ae] reusing the checkpoint at step 4" in out
    assert "[vae] training to step 4" in out
    lines = [line for line in out.splitlines() if line.startswith("|")]
    assert " ".join(lines[0].split()) == HEADER and len(lines) == 5  # + rule, ae, vae, real
    assert lines[2].startswith("| ae ") and lines[3].startswith("| vae ")
    assert lines[4].startswith("| real: test vs train ")
    assert "–" not in "".join(lines[2:4])  # every cell of a model has a number
    assert (tmp_path / "comparison.md").read_text().startswith(lines[0])
    with Image.open(tmp_path / "learning_curves.png") as img:
        assert img.format == "PNG"
    assert json.loads((tmp_path / "vae" / "eval.json").read_text())["step"] == 4


def test_override_of_a_misspelt_field_is_an_error():
    with pytest.raises(ValueError, match="no field 'train.batch_sise'"):
        compare.make_config("ae", budget=4, overrides=["train.batch_sise=8"])
    config = compare.make_config("ae", budget=40, max_train=100, overrides=["model.latent_dim=4"])
    assert (config.train.num_steps, config.data.max_train, config.model.latent_dim) == (40, 100, 4)
    assert config.cadence.checkpoint_every == 25  # rescaled to the budget


def test_format_number():
    assert format_number(12.345) == "12.3"
    assert format_number(0.012345) == "0.0123"
    assert format_number(1234.5) == "1234"  # whole, no exponent
    assert format_number(0.00012) == "1.20e-04"
    assert format_number(7) == "7" and format_number(True) == "yes"
    assert format_number(None) == "–" and format_number(float("nan")) == "nan"
    assert format_number(0.0123, 0.0004) == "0.0123 ± 0.0004"
    assert format_number(25.0, 1.23) == "25.0 ± 1.2"


def test_markdown_table_layout():
    rows = [
        {"model": "vae", "rec_error": 25.04, "kid_classifier_prior": 0.0123,
         "kid_classifier_prior_std": 0.0004, "num_active": 12},
        {"model": "wae_mmd", "rec_error": 19.5},
    ]  # fmt: skip
    table = markdown_table(rows, ["model", "rec_error", "kid_classifier_prior",
                                  ("num_active", "Active units")])  # fmt: skip
    lines = table.splitlines()
    assert lines[0].split("|")[1:-1] == [" Model   ", " Rec. error ", "       KID prior ",
                                         " Active units "]  # fmt: skip
    assert lines[1] == "| :------ | ---------: | --------------: | -----------: |"
    assert lines[2] == "| vae     |       25.0 | 0.0123 ± 0.0004 |           12 |"
    assert lines[3] == "| wae_mmd |       19.5 |               – |            – |"
    assert len({len(line) for line in lines}) == 1 and table.endswith("\n")


def test_a_workdir_of_another_run_is_not_reused(tmp_path):  # issue 12, item 4
    from genjax.training import ConfigError

    (tmp_path / "ae").mkdir()
    recorded = compare.make_config("ae", budget=4, max_train=256, overrides=tiny_overrides())
    (tmp_path / "ae" / "config.json").write_text(recorded.to_json_best_effort())
    asked = [*tiny_overrides(), "model.latent_dim=4"]
    with pytest.raises(ConfigError, match="model.latent_dim: 16 there, 4 asked"):
        compare.compare(["ae"], budget=8, root=str(tmp_path), max_train=256, overrides=asked)
    assert not (tmp_path / "ae" / "checkpoints").exists()  # refused before training


@pytest.fixture
def fake_runs(monkeypatch):
    """compare's training and evaluation replaced by a record of their calls and made-up
    metrics that depend on the model and seed (latent_dim 8 for ae, 16 for vae)."""
    calls = []

    def train(config, workdir):
        calls.append(("train", workdir, config.seed))

    def evaluate(workdir, *, num_samples, extractor, seed, ex_post=("gmm",), **_):
        calls.append(("evaluate", workdir, seed, extractor))
        extra = {f"{m}_two_stage": 0.25 + seed for m in ("fd_classifier", "precision", "recall")}
        vae = os.path.basename(os.path.dirname(workdir)) == "vae"
        return {"step": 4, "model": "x", "data": "fashion_mnist", "num_samples": num_samples,
                "latent_dim": 16 if vae else 8, "rec_error": 10.0 * (1 + vae) + seed ** 2,
                "precision_gmm": 0.5 + 0.1 * seed, "kid_classifier_prior": 0.01,
                "kid_classifier_prior_std": 0.5,
                **(extra if "two_stage" in ex_post else {}),
                "notes": ["same", f"only seed {seed}"]}, []  # fmt: skip

    monkeypatch.setattr(compare, "train_and_evaluate", train)
    monkeypatch.setattr(compare, "latest_checkpoint_step", lambda workdir: None)
    monkeypatch.setattr(compare, "evaluate_workdir", evaluate)
    return calls


@needs_data
def test_seeds_run_per_seed_and_report_mean_and_std(tmp_path, fake_runs):
    logged = []
    table, rows = compare.compare(
        ["ae", "vae"], budget=4, root=str(tmp_path), max_train=256, max_test=128,
        num_samples=32, overrides=tiny_overrides(), seeds="0,1,3", log=logged.append,
    )  # fmt: skip
    trained = [(os.path.relpath(w, tmp_path), s) for kind, w, s, *_ in fake_runs if kind == "train"]
    assert trained == [(f"{m}/seed{s}", s) for m in ("ae", "vae") for s in (0, 1, 3)]
    evaluated = [(os.path.relpath(c[1], tmp_path), *c[2:]) for c in fake_runs if c[0] == "evaluate"]
    assert evaluated == [(f"{m}/seed{s}", s, "auto") for m in ("ae", "vae") for s in (0, 1, 3)]
    ae, vae, real = rows
    assert ae["model"] == "ae" and ae["num_seeds"] == 3 and ae["step"] == 4
    assert ae["rec_error"] == pytest.approx(statistics.mean([10, 11, 19]))
    assert ae["rec_error_std"] == pytest.approx(statistics.stdev([10, 11, 19]))
    assert ae["precision_gmm_std"] == pytest.approx(statistics.stdev([0.5, 0.6, 0.8]))
    assert ae["kid_classifier_prior_std"] == 0.0  # over seeds, not KID's subsets' 0.5
    assert "same" in ae["notes"] and "seed 3: only seed 3" in ae["notes"]
    assert (ae["latent_dim"], vae["latent_dim"]) == (8, 16)
    assert any("differ in latent dimension (ae: 8, vae: 16)" in line for line in logged)
    assert real["model"] == "real: test vs train" and real["num_seeds"] == 3
    assert real["fd_classifier_prior"] == real["fd_classifier_gmm"] > 0
    assert 0 < real["precision_prior"] <= 1 and real["recall_gmm_std"] >= 0
    assert "| ae " in table and "13.3 ± 4.9" in table  # mean 13.33, std 4.93
    md = (tmp_path / "comparison.md").read_text()
    assert md.startswith(table) and "mean ± sample standard deviation over seeds 0, 1, 3" in md
    assert "warning: the models differ in latent dimension" in md
    with open(tmp_path / "comparison.csv", newline="") as f:
        written = list(csv.DictReader(f))
    assert [r["model"] for r in written] == ["ae", "vae", "real: test vs train"]
    assert float(written[0]["rec_error"]) == ae["rec_error"]
    assert float(written[0]["rec_error_std"]) == ae["rec_error_std"]
    assert written[2]["rec_error"] == "" and written[1]["latent_dim"] == "16"
    record = json.loads((tmp_path / "comparison.json").read_text())
    assert record["settings"]["seeds"] == [0, 1, 3] and record["rows"][0] == json.loads(
        json.dumps(ae)
    )
    assert [(r["model"], r["seed"]) for r in record["runs"]] == [
        (m, s) for m in ("ae", "vae", "real: test vs train") for s in (0, 1, 3)
    ]
    assert "seed" not in real and "seed" not in ae


@needs_data
def test_real_vs_real_row_matches_a_direct_computation():
    import genjax.data
    from genjax.evaluation import frechet_distance, load_feature_extractor

    config = compare.make_config("ae", budget=4, max_train=256, max_test=128)
    row, notes = tables.real_vs_real(config, num_samples=50, extractor="auto", seed=0)
    assert notes == [] and row["num_samples"] == 50
    ds = genjax.data.load("fashion_mnist", max_train=256, max_test=128, seed=config.seed)
    extractor = load_feature_extractor("fashion_mnist")
    expected = frechet_distance(extractor(ds.test[:50]), extractor(ds.train[:50]))
    assert row["fd_classifier_prior"] == pytest.approx(expected, rel=1e-6)
    assert row["fd_classifier_gmm"] == row["fd_classifier_prior"]
    none, notes = tables.real_vs_real(config, num_samples=50, extractor=None, seed=0)
    assert none is None and "no real-vs-real row" in notes[0]


def test_bad_seeds_and_extractors_are_refused_before_training(tmp_path, fake_runs):
    from genjax.training import ConfigError

    for seeds in ("0,x", "1,1", "-1"):
        with pytest.raises(ConfigError, match="--seeds="):
            compare.compare(["ae"], budget=4, root=str(tmp_path), seeds=seeds)
    with pytest.raises(ConfigError, match="not --set=seed"):
        compare.compare(["ae"], budget=4, root=str(tmp_path), seeds="0", overrides=["seed=2"])
    with pytest.raises(ConfigError, match="--extractor=no_such_one: no such feature extractor"):
        compare.compare(["ae"], budget=4, root=str(tmp_path), extractor="no_such_one")
    assert fake_runs == [] and not os.listdir(tmp_path)


def test_aggregate():
    runs = [{"a": 1.0, "step": 4, "data": "d"}, {"a": float("nan"), "step": 8, "data": "d"},
            {"a": 2.0, "step": 4, "data": "d"}]  # fmt: skip
    row = compare.aggregate(runs)
    assert row == {"num_seeds": 3, "a": 1.5, "a_std": pytest.approx(0.5**0.5), "step": "4/8",
                   "data": "d"}  # fmt: skip
    single = {"kid_classifier_prior": 0.1, "kid_classifier_prior_std": 0.01}
    assert compare.aggregate([single]) == {**single, "num_seeds": 1}


@pytest.mark.slow  # a classifier and two tiny runs trained, evaluated: ~60 s on 2 cores
def test_own_npz_data_from_classifier_to_a_table_with_seeds(tmp_path, monkeypatch):
    """Issue 13's path for a new user: labelled npz -> train_classifier -> compare
    --seeds with the default extractor (auto finds the cached classifier of that file)."""
    from genjax.evaluation.train_classifier import train_extractor
    from tests.evaluation.test_train_classifier import blobs

    monkeypatch.setenv("GENJAX_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "blobs.npz"
    (x, y), (xt, yt) = blobs(320, 0), blobs(100, 1)
    np.savez(data, x_train=x, y_train=y, x_test=xt, y_test=yt)
    train_extractor(f"npz:{data}", epochs=2, batch_size=32, log=lambda _: None)
    fv = flags.FlagValues()
    compare.define_flags(fv)
    fv(["compare", "--configs=ae", "--budget=4", f"--workdir_root={tmp_path / 'runs'}",
        "--num_samples=32", "--seeds=0,1", f"--set=data.source=npz:{data}",
        *(f"--set={s}" for s in tiny_overrides())])  # fmt: skip
    compare.main(["compare"], fv)
    record = json.loads((tmp_path / "runs" / "comparison.json").read_text())
    ae, real = record["rows"]
    assert ae["num_seeds"] == real["num_seeds"] == 2
    assert ae["fd_classifier_prior"] > 0 and ae["fd_classifier_prior_std"] > 0
    assert ae["feature_extractor"].startswith(f"genjax classifier trained on npz:{data}")
    assert real["fd_classifier_prior"] < ae["fd_classifier_prior"]  # real data: the floor


@needs_data
def test_ex_post_two_stage_gets_its_columns(tmp_path, fake_runs):
    """--ex_post=gmm,two_stage: the table gains FD/precision/recall 2-stage columns (after
    the GMM's), the real-vs-real row fills them, the caption says what they are."""
    fv = flags.FlagValues()
    compare.define_flags(fv)
    fv(["compare", "--budget=4", "--ex_post=gmm,two_stage"])
    assert fv.ex_post == ["gmm", "two_stage"]
    table, rows = compare.compare(
        ["ae"], budget=4, root=str(tmp_path), max_train=256, max_test=128, num_samples=32,
        overrides=tiny_overrides(), ex_post=fv.ex_post, log=lambda _: None,
    )  # fmt: skip
    header = [h.strip() for h in table.splitlines()[0].split("|")[1:-1]]
    assert header[4:12] == ["FD prior", "FD GMM", "FD 2-stage", "Precision", "Recall",
                            "Precision GMM", "Recall GMM", "Precision 2-stage"]  # fmt: skip
    assert header[12] == "Recall 2-stage"
    ae, real = rows
    cells = [c.strip() for c in table.splitlines()[2].split("|")[1:-1]]
    assert ae["fd_classifier_two_stage"] == 0.25 and cells[header.index("FD 2-stage")] == "0.250"
    assert real["fd_classifier_two_stage"] == real["fd_classifier_prior"] > 0
    assert real["recall_two_stage"] == real["recall_prior"]
    md = (tmp_path / "comparison.md").read_text()
    assert "2-stage: decoded draws of a second-stage VAE" in md
    assert json.loads((tmp_path / "comparison.json").read_text())["settings"]["ex_post"] == [
        "gmm", "two_stage"
    ]  # fmt: skip
    only, _ = compare.compare(["ae"], budget=4, root=str(tmp_path), max_train=256,
                              max_test=128, num_samples=32, overrides=tiny_overrides(),
                              ex_post="two_stage", log=lambda _: None)  # fmt: skip
    assert "FD GMM" not in only and "FD 2-stage" in only
    default, _ = compare.compare(["ae"], budget=4, root=str(tmp_path), max_train=256,
                                 max_test=128, num_samples=32, overrides=tiny_overrides(),
                                 log=lambda _: None)  # fmt: skip
    assert "2-stage" not in default
    assert compare.columns_for() == compare.COLUMNS  # the default table is today's
    with pytest.raises(compare.ConfigError, match="--ex_post=flow: expected some of"):
        compare.compare(["ae"], budget=4, root=str(tmp_path), ex_post="flow")


@pytest.mark.slow  # one tiny run reused and evaluated with a (tiny) second stage: ~20 s
@needs_data
def test_compare_with_a_two_stage_sampler_on_a_tiny_run(tmp_path, tmp_path_factory):
    shutil.copytree(trained_run(tmp_path_factory, "ae"), tmp_path / "ae")  # at step 4
    table, rows = compare.compare(
        ["ae"], budget=4, root=str(tmp_path), max_train=TINY["max_train"],
        max_test=TINY["max_test"], num_samples=32, overrides=tiny_overrides(),
        ex_post="gmm,two_stage", two_stage_options={"hidden": (8,), "num_steps": 10},
        log=lambda _: None,
    )  # fmt: skip
    ae = rows[0]
    for key in ("fd_classifier_two_stage", "precision_two_stage", "recall_two_stage"):
        assert np.isfinite(ae[key]), key
    evaluated = json.loads((tmp_path / "ae" / "eval.json").read_text())
    assert evaluated["fd_classifier_two_stage"] == ae["fd_classifier_two_stage"]
    assert "–" not in table.splitlines()[2]  # every cell of the model has a number
