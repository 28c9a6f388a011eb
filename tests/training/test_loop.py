"""`train_and_evaluate` end to end on a tiny model: outputs, resume, NaN stop."""

import json

import jax
import numpy as np
import pytest
from PIL import Image

from genjax.training import Checkpoints, NonFiniteLossError, train_and_evaluate
from tests.training.tiny import TinyAdversarial, TinyAE, tiny_config, tiny_data


def _records(workdir):
    with open(workdir / "metrics.jsonl") as f:
        return [json.loads(line) for line in f]


def test_run_writes_metrics_images_config_and_checkpoints(tmp_path, capsys):
    config = tiny_config(num_steps=16)
    config.cadence.image_every = 8
    state, metrics = train_and_evaluate(config, str(tmp_path), model=TinyAE(), dataset=tiny_data())
    assert int(state.step) == 16
    records = _records(tmp_path)
    train = [r for r in records if r["split"] == "train"]
    assert [r["step"] for r in train] == [8, 16]
    assert train[-1]["loss"] < train[0]["loss"] and "steps_per_sec" in train[0]
    assert {"rec_error", "moment_gap"} <= set(records[-1]) and records[-1]["split"] == "eval"
    assert metrics["eval/rec_error"] == records[-1]["rec_error"]
    assert json.loads((tmp_path / "config.json").read_text())["train"]["num_steps"] == 16
    for kind in ("reconstructions", "samples", "interpolations"):
        assert Image.open(tmp_path / f"{kind}.png").mode == "L"
        assert (tmp_path / "images" / f"{kind}_0000008.png").exists()
    with Checkpoints(tmp_path / "checkpoints") as ckpt:
        assert ckpt.latest_step() == 16
    err = capsys.readouterr().err  # not a TTY: plain lines, no bar
    assert "Training from scratch" in err and "step 8/16" in err and "steps/s" in err
    # The same scalars and grids in a TensorBoard event file, read by TensorBoard.
    loader = pytest.importorskip("tensorboard.backend.event_processing.event_file_loader")
    (events_file,) = tmp_path.glob("events.out.tfevents.*")
    events = list(loader.LegacyEventFileLoader(str(events_file)).Load())
    tags = {(e.step, v.tag) for e in events for v in e.summary.value}
    assert {(8, "train/loss"), (16, "eval/rec_error"), (16, "samples")} <= tags


def test_rerunning_resumes_and_matches_an_uninterrupted_run(tmp_path, capsys):
    model, data = TinyAE(), tiny_data()
    players = model.players
    straight, _ = train_and_evaluate(
        tiny_config(players, num_steps=24), str(tmp_path / "a"), model=model, dataset=data
    )
    train_and_evaluate(tiny_config(players, num_steps=12), str(tmp_path / "b"), model=model,
                       dataset=data)  # fmt: skip
    capsys.readouterr()
    resumed, _ = train_and_evaluate(
        tiny_config(players, num_steps=24), str(tmp_path / "b"), model=model, dataset=data
    )
    assert "Resuming from the checkpoint at step 12" in capsys.readouterr().err
    jax.tree.map(np.testing.assert_array_equal, straight.params, resumed.params)
    jax.tree.map(np.testing.assert_array_equal, straight.opt_states, resumed.opt_states)
    steps = [(r["step"], r["split"]) for r in _records(tmp_path / "b")]
    assert len(steps) == len(set(steps))  # each record once across the two runs


def test_nan_stops_naming_step_and_term_and_keeps_last_good_checkpoint(tmp_path):
    config = tiny_config(num_steps=40)  # 4 steps per dispatch, checkpoints every 8
    with pytest.raises(NonFiniteLossError) as info:
        train_and_evaluate(config, str(tmp_path), model=TinyAE(nan_at=13), dataset=tiny_data())
    assert info.value.step == 13 and set(info.value.terms) == {"loss", "reg"}
    message = str(info.value)
    assert "step 13" in message and "reg=nan" in message and "step 8" in message
    with Checkpoints(tmp_path / "checkpoints") as ckpt:
        assert ckpt.all_steps() == [8]  # the chunk ending at 16 held the NaN: not saved
    finite = [r for r in _records(tmp_path) if r["split"] == "train"]
    assert all(np.isfinite(r["loss"]) for r in finite)


def test_a_player_without_an_optimiser_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"no block for player\(s\) \['critic'\]"):
        train_and_evaluate(tiny_config(), str(tmp_path), model=TinyAdversarial(),
                           dataset=tiny_data())  # fmt: skip


def test_batches_gathered_on_device_match_host_batches(tmp_path):
    results = []
    for on_device in (False, True):
        config = tiny_config(num_steps=12)
        config.data.on_device = on_device
        state, _ = train_and_evaluate(
            config, str(tmp_path / str(on_device)), model=TinyAE(), dataset=tiny_data()
        )
        results.append(state.params)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7), *results)
