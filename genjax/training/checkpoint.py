"""Checkpoints of a `TrainState` in ``<workdir>/checkpoints`` (the only Orbax importer).

Saves are asynchronous: Orbax copies the arrays to host memory before
``save`` returns (so the caller may donate the state to the next step) and
writes in the background; ``close`` waits for the writes. A step directory
appears only once complete, so a run killed mid-write resumes from the
previous checkpoint.

`restore_variables` reads back only a model's variables from another run's workdir (a
GMMN+AE's frozen autoencoder), so that models never deal with train states.

Beside each step, ``<directory>/fingerprints/<step>.json`` records a SHA-256
digest of every array of the saved state (and, when given, the held-out metric
at that step). ``restore`` recomputes the digests of what it read: a checkpoint
that does not restore (truncated files) or restores different bytes (a flipped
bit) is skipped, with its reason in ``skipped``, and the newest good one is
used. Rotation keeps the newest ``max_to_keep`` checkpoints and, beside them,
the one with the best (lowest) held-out metric; it runs only after the newest
save has finished writing, so it never removes the last complete checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp

from genjax.training.optim import make_optimizers
from genjax.training.sharding import to_host
from genjax.training.state import TrainState, init_train_state

FINGERPRINTS = "fingerprints"


class CheckpointError(RuntimeError):
    """No checkpoint (or not the one asked for) restores; the message says why."""


def fingerprint(tree) -> dict[str, str]:
    """``{leaf path: sha256 of dtype, shape and bytes}`` of a pytree's host copies.

    Example:
        >>> import numpy as np
        >>> fp = fingerprint({"w": np.zeros((2, 3), np.float32)})
        >>> list(fp), len(fp["['w']"])
        (["['w']"], 64)
    """
    digests = {}
    for path, leaf in jax.tree_util.tree_leaves_with_path(to_host(tree)):
        x = np.ascontiguousarray(np.asarray(leaf))
        h = hashlib.sha256(f"{x.dtype.str}{x.shape}".encode())
        h.update(x.tobytes())
        digests[jax.tree_util.keystr(path)] = h.hexdigest()
    return digests


def _reason(error: BaseException) -> str:
    """The first line of the innermost cause: TensorStore's outer error only points at a
    long spec, its cause names the file and the bytes missing."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {text[:300]}"


class Checkpoints:
    """The newest ``max_to_keep`` checkpoints under ``directory``, plus the best one.

    Usable as a context manager; leaving it waits for pending writes.

    Attributes:
      skipped: ``[(step, reason)]`` of the checkpoints the last ``restore`` passed over.

    >>> import tempfile, jax.numpy as jnp
    >>> from genjax.training.state import TrainState
    >>> state = TrainState(step=jnp.int32(7), params={"w": jnp.ones(3)}, model_state={},
    ...                    opt_states={})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with Checkpoints(d, max_to_keep=2) as ckpt:
    ...         _ = ckpt.save(state)
    ...         ckpt.wait_until_finished()
    ...         restored = ckpt.restore(state.replace(params={"w": jnp.zeros(3)}))
    ...         ckpt.latest_step(), restored.params["w"].tolist()
    (7, [1.0, 1.0, 1.0])
    """

    def __init__(self, directory: str | os.PathLike, *, max_to_keep: int = 3):
        if int(max_to_keep) < 1:
            raise ValueError(
                f"keep_checkpoints (max_to_keep) must be >= 1, got {max_to_keep}: "
                "0 would delete every checkpoint, the final one included"
            )
        self.directory = os.path.abspath(os.fspath(directory))
        self.max_to_keep = int(max_to_keep)
        self.skipped: list[tuple[int, str]] = []
        self._stale: set[int] = set()  # skipped steps: replaced or removed by the next save
        self._saved = False  # only a writer rotates (evaluate opens workdirs to read)
        # Rotation is ours (newest N plus the best); Orbax keeps everything it is given.
        options = ocp.CheckpointManagerOptions(max_to_keep=None, create=True)
        self._manager = ocp.CheckpointManager(self.directory, options=options)

    def latest_step(self) -> int | None:
        """The newest complete checkpoint's step, or ``None``."""
        return self._manager.latest_step()

    def all_steps(self) -> list[int]:
        return sorted(self._manager.all_steps())

    def _record_path(self, step: int) -> str:
        return os.path.join(self.directory, FINGERPRINTS, f"{step}.json")

    def record(self, step: int) -> dict | None:
        """What was recorded beside the checkpoint at ``step`` (``fingerprint``,
        ``metric``), or ``None`` for a checkpoint written without one."""
        try:
            with open(self._record_path(step)) as f:
                return json.load(f)
        except (OSError, json.JSONDecodeError):
            return None

    def best_step(self) -> int | None:
        """The step whose recorded held-out metric is lowest, or ``None``."""
        scored = []
        for step in self.all_steps():
            metric = (self.record(step) or {}).get("metric")
            if metric is not None and np.isfinite(metric["value"]):
                scored.append((metric["value"], step))
        return min(scored)[1] if scored else None

    def save(self, state: TrainState, *, metric: tuple[str, float] | None = None,
             force: bool = True) -> bool:  # fmt: skip
        """Save ``state`` under its own step with its fingerprint (and ``metric``, a
        ``(name, value)`` held-out figure, lower is better, that ``best_step`` ranks);
        returns whether a save was started."""
        step = int(jax.device_get(state.step))
        self._manager.wait_until_finished()
        for stale in sorted(self._stale & set(self._manager.all_steps())):
            self._manager.delete(stale)  # it did not restore; this run replaces it
        self._stale.clear()
        if step in self._manager.all_steps():
            return False
        self._rotate(incoming=1)
        self._saved = True
        record = {"step": step, "fingerprint": fingerprint(state)}
        if metric is not None:
            record["metric"] = {"name": metric[0], "value": float(metric[1])}
        if jax.process_index() == 0:
            path = self._record_path(step)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "w") as f:
                json.dump(record, f)
            os.replace(path + ".tmp", path)
        return self._manager.save(step, args=ocp.args.StandardSave(state), force=force)

    def _rotate(self, incoming: int = 0) -> None:
        """Delete all but the newest ``max_to_keep - incoming`` complete checkpoints
        and the best one (``incoming`` saves are about to be added)."""
        steps = self.all_steps()
        keep = set(steps[-max(self.max_to_keep - incoming, 1) :])
        best = self.best_step()
        if best is not None:
            keep.add(best)
        for step in steps:
            if step not in keep:
                self._manager.delete(step)
                if jax.process_index() == 0 and os.path.exists(self._record_path(step)):
                    os.remove(self._record_path(step))

    def restore(self, like: TrainState, step: int | None = None) -> TrainState:
        """The checkpoint at ``step`` (default: the newest that restores and matches its
        fingerprint), with the shapes, dtypes and shardings of ``like`` (a freshly
        initialised state or its ``jax.ShapeDtypeStruct``\\ s).

        Checkpoints passed over are listed in ``skipped`` with the reason; raises
        `CheckpointError` when none (or not ``step``) restores.
        """
        steps = self.all_steps() if step is None else [step]
        if not steps:
            raise FileNotFoundError(f"no checkpoint in {self.directory}")
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, like)
        self.skipped = []
        for s in reversed(steps):
            try:
                state = self._manager.restore(s, args=ocp.args.StandardRestore(abstract))
            except Exception as e:  # TensorStore/Orbax raise many types for bad files
                reason = _reason(e)
            else:
                reason = self._verify(s, state)
                if reason is None:
                    self._stale = {t for t, _ in self.skipped}
                    return state
            self.skipped.append((s, reason))
        tried = "; ".join(f"step {s}: {why}" for s, why in self.skipped)
        raise CheckpointError(f"no checkpoint in {self.directory} restores ({tried})")

    def _verify(self, step: int, state) -> str | None:
        """Why the restored ``state`` differs from what was saved at ``step``, or None."""
        record = self.record(step)
        if record is None or "fingerprint" not in record:
            return None  # written before fingerprints were recorded
        expected, got = record["fingerprint"], fingerprint(state)
        if expected.keys() != got.keys():
            return "its arrays do not match the recorded ones"
        bad = [k for k in expected if expected[k] != got[k]]
        if bad:
            more = f" and {len(bad) - 1} more arrays" if len(bad) > 1 else ""
            return f"the bytes of {bad[0]}{more} differ from their saved SHA-256"
        return None

    def wait_until_finished(self) -> None:
        self._manager.wait_until_finished()

    def close(self) -> None:
        """Wait for pending writes, rotate (after a save), and release the manager."""
        self._manager.wait_until_finished()
        if self._saved:
            self._rotate()
        self._manager.close()

    def __enter__(self) -> Checkpoints:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def restore_variables(model, config, workdir: str | os.PathLike) -> dict:
    """``{"params", "state"}`` of ``model`` from the newest checkpoint of the run in
    ``workdir``, trained from ``config`` (its ``config.json``): the checkpoint holds a
    whole `TrainState`, whose shape the config's optimisers fix, so one is initialised
    for the structure, restored, and only the model's variables are returned.

    Raises:
      FileNotFoundError: no checkpoint in ``<workdir>/checkpoints``.
      CheckpointError: none of them restores.
    """
    optimizers = make_optimizers(config.optim, tuple(model.players), config.train.num_steps)
    x = jnp.zeros((2, *model.input_shape), jnp.float32)
    like = init_train_state(model, optimizers, jax.random.key(0), x)
    with Checkpoints(os.path.join(workdir, "checkpoints")) as checkpoints:
        restored = checkpoints.restore(like)
    return {"params": restored.params, "state": restored.model_state}
