"""A workdir belongs to one run (DESIGN.md, "Workdirs"): bad configs are refused before
anything is written, another run's workdir is refused, corrupt checkpoints are skipped,
the best checkpoint is kept, and a finished run is not re-logged."""

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from genjax.training import Checkpoints, ConfigError, init_train_state, train_and_evaluate
from genjax.training.workdir import config_differences, resumable
from tests.training.tiny import TinyAE, tiny_config, tiny_data

ROOT = Path(__file__).resolve().parents[2]
MODEL = TinyAE()


def _train(workdir, **train):
    config = tiny_config(**train)
    return train_and_evaluate(config, str(workdir), model=MODEL, dataset=tiny_data())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run of 16 steps with checkpoints at 8 and 16 (copied by each test)."""
    workdir = tmp_path_factory.mktemp("trained") / "run"
    _train(workdir, num_steps=16)
    return workdir


@pytest.fixture
def run(trained, tmp_path):
    shutil.copytree(trained, tmp_path / "run")
    return tmp_path / "run"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("cadence.keep_checkpoints", 0, "keep_checkpoints=0 must be >= 1"),  # item 1
        ("train.num_steps", -5, "num_steps=-5 must be >= 0"),  # item 16
        ("optim.autoencoder.learning_rate", -1e-3, "learning_rate=-0.001 must be >= 0"),
        ("train.batch_size", 0, "batch_size=0 must be >= 1"),  # item 14
        ("train.batch_size", 1024, "larger than the 512 training examples"),
        ("eval.batch_size", 0, "eval.batch_size=0 must be >= 1"),
    ],
)
def test_bad_values_are_refused_before_anything_is_written(tmp_path, field, value, message):
    config = tiny_config()
    *parents, leaf = field.split(".")
    block = config
    for name in parents:
        block = block[name]
    block[leaf] = value
    with pytest.raises(ConfigError, match=message):
        train_and_evaluate(config, str(tmp_path / "w"), model=MODEL, dataset=tiny_data())
    assert not (tmp_path / "w").exists()


def test_workdir_that_is_a_file_or_read_only_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        _train(tmp_path / "file")
    if os.geteuid() != 0:  # root writes anywhere
        (tmp_path / "ro").mkdir(mode=0o500)
        with pytest.raises(ConfigError, match="not writable"):
            _train(tmp_path / "ro" / "w")


def test_another_run_is_refused_and_the_workdir_left_as_it_was(run):
    before = {p: (run / p).read_bytes() for p in ("config.json", "metrics.jsonl")}
    config = tiny_config(num_steps=32)
    config.model.name = "other"
    config.seed = 1
    with pytest.raises(ConfigError) as info:
        train_and_evaluate(config, str(run), model=MODEL, dataset=tiny_data())
    message = str(info.value)
    assert "model.name: 'tiny' there, 'other' asked" in message and "seed: 0 there" in message
    assert "in a new workdir" in message and "train.num_steps" in message  # what may change
    assert {p: (run / p).read_bytes() for p in before} == before
    with Checkpoints(run / "checkpoints") as ckpt:
        assert ckpt.all_steps() == [8, 16]


def test_config_differences_ignore_resumable_fields():
    old = json.loads(tiny_config().to_json_best_effort())
    new = tiny_config(num_steps=99, batch_size=8)
    new.cadence.keep_checkpoints = 7
    new.model.latent_dim = 3  # a field the recorded config does not have
    assert [d[0] for d in config_differences(old, new)] == ["model.latent_dim", "train.batch_size"]
    assert resumable("cadence.eval_every") and not resumable("data.source")


def test_rerunning_a_finished_run_appends_and_overwrites_nothing(run, capsys):  # item 5
    before = {p: (run / p).read_bytes() for p in ("metrics.jsonl", "final_metrics.json")}
    _, metrics = _train(run, num_steps=16)
    assert "nothing to train" in capsys.readouterr().err
    assert {p: (run / p).read_bytes() for p in before} == before
    assert metrics["time/steps_per_sec"] > 0  # the real run's figures, not zeros


def _data_files(run, step, root="checkpoints"):
    return [p for p in (run / root / str(step)).rglob("*") if p.parent.name == "d"]


def _size(path):
    return path.stat().st_size


def test_a_truncated_newest_checkpoint_is_skipped_naming_step_and_reason(run, capsys):  # 6
    for path in _data_files(run, 16):
        path.write_bytes(path.read_bytes()[:10])
    config = tiny_config(num_steps=24)  # the budget and cadences may change on resume
    config.cadence.log_every = 4
    state, _ = train_and_evaluate(config, str(run), model=MODEL, dataset=tiny_data())
    assert json.loads((run / "config.json").read_text())["train"]["num_steps"] == 24
    err = capsys.readouterr().err
    assert "Skipped the checkpoint at step 16, which does not restore: ValueError" in err
    assert "Resuming from the checkpoint at step 8" in err and int(state.step) == 24
    with Checkpoints(run / "checkpoints", max_to_keep=2) as ckpt:
        assert ckpt.all_steps() == [16, 24]  # 16 recomputed, and it restores now
        ckpt.restore(state, 16)


@functools.cache
def _init(model):
    opt = {"autoencoder": optax.adam(1e-3)}
    return jax.jit(lambda key, x: init_train_state(model, opt, key, x))


def _state(step, model=MODEL):
    state = _init(model)(jax.random.PRNGKey(step), jnp.zeros((4, *model.input_shape)))
    return state.replace(step=jnp.int32(step))


def test_best_checkpoint_is_kept_beside_the_newest(tmp_path):  # item 3
    with Checkpoints(tmp_path, max_to_keep=2) as ckpt:
        for step, value in [(1, 5.0), (2, 1.0), (3, 3.0), (4, 4.0), (5, 6.0)]:
            ckpt.save(_state(step), metric=("rec_error", value))
    with Checkpoints(tmp_path) as ckpt:
        assert ckpt.all_steps() == [2, 4, 5] and ckpt.best_step() == 2
        jax.tree.map(np.testing.assert_array_equal, ckpt.restore(_state(0), 2), _state(2))


def test_the_trainer_ranks_checkpoints_by_held_out_rec_error(trained):
    with Checkpoints(trained / "checkpoints") as ckpt:
        record = ckpt.record(16)
    assert record["metric"]["name"] == "rec_error"
    logged = [json.loads(line) for line in (trained / "metrics.jsonl").read_text().splitlines()]
    assert record["metric"]["value"] == [r for r in logged if r["split"] == "eval"][-1]["rec_error"]


def test_a_flipped_bit_is_detected_at_restore(tmp_path):  # item 7
    # 32x32 inputs: the decoder's kernel is stored as raw bytes, which TensorStore does
    # not checksum (small arrays sit in CRC-checked b-tree nodes).
    model = TinyAE(input_shape=(32, 32, 1))
    with Checkpoints(tmp_path) as ckpt:
        ckpt.save(_state(1, model))
        ckpt.save(_state(2, model))
    largest = max(_data_files(tmp_path, 2, root=""), key=_size)
    data = bytearray(largest.read_bytes())
    data[len(data) // 2] ^= 0x01
    largest.write_bytes(bytes(data))
    with Checkpoints(tmp_path) as ckpt:
        restored = ckpt.restore(_state(0, model))
        assert int(restored.step) == 1 and ckpt.skipped[0][0] == 2
        assert "differ from their saved SHA-256" in ckpt.skipped[0][1]
    jax.tree.map(np.testing.assert_array_equal, restored, _state(1, model))


def test_keep_checkpoints_below_one_is_refused(tmp_path):
    with pytest.raises(ValueError, match="max_to_keep"):
        Checkpoints(tmp_path, max_to_keep=0)


def test_command_line_user_error_is_one_line_and_exit_1(tmp_path):  # item 14
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    cmd = [sys.executable, "-m", "experiments.run", "--config=experiments/ae.py",
           f"--workdir={tmp_path / 'w'}", "--config.model.latent_dim=0"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["error: model.latent_dim=0 must be >= 1"], proc.stderr
    assert not (tmp_path / "w").exists()
