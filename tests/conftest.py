"""Test-wide set-up: 8 fake CPU devices, configured before jax initialises a backend.

Data-parallel code is tested by sharding over these devices and comparing with
the unsharded result (see DESIGN.md, Tests).
"""

import os

# Must happen before any backend is created; the env var also covers
# subprocesses that the tests start.
os.environ.setdefault("XLA_FLAGS", "")
if "xla_force_host_platform_device_count" not in os.environ["XLA_FLAGS"]:
    os.environ["XLA_FLAGS"] += " --xla_force_host_platform_device_count=8"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# The tests run tiny programs, so XLA's optimisation passes cost more than they save
# (a config's smoke run: 27 s -> 17 s; the whole CI run: 1668 s -> 1221 s). There is
# no fast-math either way; speed is measured in benchmarks/, which keep the passes.
os.environ.setdefault("JAX_DISABLE_MOST_OPTIMIZATIONS", "1")

import jax  # noqa: E402

jax.config.update("jax_num_cpu_devices", 8)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

NUM_FAKE_DEVICES = 8


@pytest.fixture(scope="session")
def mesh():
    """A 1-D mesh over the 8 fake CPU devices, axis name ``data``."""
    devices = jax.devices()
    assert len(devices) == NUM_FAKE_DEVICES, devices
    return jax.sharding.Mesh(np.array(devices), ("data",))


@pytest.fixture
def rng():
    """A numpy Generator with a fixed seed, for reference data."""
    return np.random.default_rng(0)
