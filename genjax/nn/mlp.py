"""Fully connected encoders, decoders and critics (flax.linen, stateless).

All modules take a batch with a leading axis and flatten everything after it, so
the same module works on images ``[b, h, w, c]`` and on plain vectors ``[b, n]``
(tabular data). Every ``__call__`` accepts ``train`` for a uniform interface with
the conv networks; these MLPs have no batch norm or dropout, so it is ignored.

Reference sizes (set through ``hidden``):

- CWAE reference code, MNIST: 784-200-200-200-z and z-200-200-200-784
  (github.com/gmum/cwae, ``src/architectures/mnist_architecture_provider.py``).
- PyTorch benchmark library (pythae, Chadebec et al. 2022), MNIST MLP:
  784-512-z and z-512-784.
- WAE-GAN latent critic, MNIST (Tolstikhin et al. 2018; github.com/tolstikhin/wae):
  4 hidden layers of 512; AAE discriminator (Makhzani et al. 2016): 2 of 1000.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "tanh", "silu")


def activation_fn(name: str):
    """The ``flax.linen`` activation called ``name`` (one of ``ACTIVATIONS``).

    >>> activation_fn("relu")(jnp.array([-1.0, 2.0]))
    Array([0., 2.], dtype=float32)
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation={name!r}; expected one of {ACTIVATIONS}")
    return getattr(nn, name)


class MLP(nn.Module):
    """``x: [b, ...] -> [b, features]``: flatten, ``len(hidden)`` Dense+activation
    layers, then a linear Dense layer (no output activation).

    >>> mlp = MLP(features=3, hidden=(16, 8))
    >>> params = mlp.init(jax.random.key(0), jnp.ones((2, 4, 5)))
    >>> [p["kernel"].shape for p in params["params"].values()]
    [(20, 16), (16, 8), (8, 3)]
    >>> mlp.apply(params, jnp.ones((2, 4, 5))).shape
    (2, 3)
    """

    features: int
    hidden: Sequence[int] = (512,)
    activation: str = "relu"

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        del train  # no batch-dependent layers
        act = activation_fn(self.activation)
        h = x.reshape(x.shape[0], -1)  # [b, prod(input_shape)]
        for width in self.hidden:
            h = act(nn.Dense(width)(h))
        return nn.Dense(self.features)(h)  # [b, features]


class MLPEncoder(MLP):
    """Encoder ``x: [b, *input_shape] -> [b, features]``.

    ``features`` is ``latent_dim`` for a deterministic encoder and
    ``2 * latent_dim`` for a Gaussian one (mean and log-variance, split by the model).

    >>> encoder = MLPEncoder(features=8, hidden=(32,))
    >>> x = jnp.ones((5, 28, 28, 1))
    >>> encoder.apply(encoder.init(jax.random.key(0), x), x).shape
    (5, 8)
    """


class MLPDecoder(nn.Module):
    """Decoder ``z: [b, latent_dim] -> [b, *output_shape]`` of pre-activations
    (logits); the model maps them to data space (e.g. a sigmoid for images in [0, 1]).

    >>> decoder = MLPDecoder(output_shape=(28, 28, 1), hidden=(32,))
    >>> z = jnp.ones((5, 8))
    >>> decoder.apply(decoder.init(jax.random.key(0), z), z).shape
    (5, 28, 28, 1)
    """

    output_shape: tuple[int, ...]
    hidden: Sequence[int] = (512,)
    activation: str = "relu"

    @nn.compact
    def __call__(self, z: jax.Array, train: bool = False) -> jax.Array:
        h = MLP(math.prod(self.output_shape), self.hidden, self.activation)(z, train)
        return h.reshape(z.shape[0], *self.output_shape)


class MLPCritic(nn.Module):
    """Critic (discriminator) ``z: [b, ...] -> [b]`` of logits, e.g. the latent
    discriminator of WAE-GAN and AAE: large means "drawn from the prior".

    >>> critic = MLPCritic(hidden=(16, 16))
    >>> z = jnp.ones((5, 8))
    >>> critic.apply(critic.init(jax.random.key(0), z), z).shape
    (5,)
    """

    hidden: Sequence[int] = (512, 512, 512, 512)
    activation: str = "relu"

    @nn.compact
    def __call__(self, z: jax.Array, train: bool = False) -> jax.Array:
        return jnp.squeeze(MLP(1, self.hidden, self.activation)(z, train), axis=-1)
