"""genjax.training: a generic trainer for models with one or more players (DESIGN.md).

``train_and_evaluate(config, workdir)`` runs a whole experiment; the pieces it is
made of (state, jitted steps, mesh, checkpoints, evaluation, image grids) are
exported for notebooks and custom loops.
"""

from genjax.training.checkpoint import CheckpointError, Checkpoints
from genjax.training.evaluate import evaluate_dataset, make_eval_fn, make_visualise_fn
from genjax.training.images import image_grid, is_image_shape, save_image_grid
from genjax.training.loop import (
    NonFiniteLossError,
    initialize_distributed,
    steps_per_dispatch,
    train_and_evaluate,
)
from genjax.training.optim import make_optimizer, make_optimizers
from genjax.training.sharding import (
    batch_sharding,
    check_batch_size,
    make_mesh,
    put_local,
    replicate,
    replicated,
    to_host,
)
from genjax.training.state import TrainState, init_train_state, player_params
from genjax.training.step import (
    default_steps_per_dispatch,
    indexed_multi_step,
    make_indexed_multi_step,
    make_multi_step,
    make_train_step,
    multi_step,
    train_step,
)
from genjax.training.workdir import ConfigError, check_workdir, validate_config

__all__ = [
    "CheckpointError",
    "Checkpoints",
    "ConfigError",
    "NonFiniteLossError",
    "TrainState",
    "batch_sharding",
    "check_batch_size",
    "check_workdir",
    "default_steps_per_dispatch",
    "evaluate_dataset",
    "image_grid",
    "indexed_multi_step",
    "init_train_state",
    "initialize_distributed",
    "is_image_shape",
    "make_eval_fn",
    "make_indexed_multi_step",
    "make_mesh",
    "make_multi_step",
    "make_optimizer",
    "make_optimizers",
    "make_train_step",
    "make_visualise_fn",
    "multi_step",
    "player_params",
    "put_local",
    "replicate",
    "replicated",
    "save_image_grid",
    "steps_per_dispatch",
    "to_host",
    "train_and_evaluate",
    "train_step",
    "validate_config",
]
