"""experiments/compare.py on two tiny runs (one reused, one trained), and markdown_table."""

import json
import shutil

import pytest
from absl import flags
from PIL import Image

from experiments import compare
from genjax.evaluation import format_number, markdown_table
from tests.experiments.test_evaluate import TINY, needs_data, tiny_overrides, trained_run

HEADER = ("| Model | Steps | Rec. error | FD prior | FD GMM | Precision | Recall | Skewness "
          "| Kurtosis | CW normality |")  # fmt: skip


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
    assert lines[0] == HEADER and len(lines) == 4  # header, rule, ae, vae
    assert lines[2].startswith("| ae ") and lines[3].startswith("| vae ")
    assert "–" not in "".join(lines[2:])  # every cell has a number
    assert (tmp_path / "comparison.md").read_text().startswith(HEADER)
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
