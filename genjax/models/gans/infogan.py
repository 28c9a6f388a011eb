"""InfoGAN (Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel, "InfoGAN: Interpretable
Representation Learning by Information Maximizing Generative Adversarial Nets", NeurIPS
2016): a GAN whose generator also reads latent codes ``c`` and a head ``Q(c | x)`` on the
discriminator's trunk that recovers them, trained to maximise a variational lower bound
on the mutual information ``I(c; G(z, c))``.

Generator input ``[z, c]``: noise ``z ~ U[-1, 1]`` of ``latent_dim`` (62), one categorical
code ``c_cat ~ Cat(num_categories = 10)`` (one-hot) and ``num_continuous = 2`` codes
``c_j ~ U[-1, 1]``. The critic's trunk feeds a GAN logit ``D(x)`` and ``Q``: logits of
``c_cat`` and means ``mu_j`` of a Gaussian with fixed unit variance for each ``c_j``
(the official code's ``fix_std=True`` for MNIST; a learned variance is not offered).
The bound (Eq. 4) ``L_I = E log Q(c | G(z, c)) + H(c)`` enters both losses through::

    info   = lambda_cat · CE(c_cat, Q_cat) + lambda_cont · Σ_j ½ (c_j - mu_j)² + ½ log 2π
    critic L_D = -E log D(x) - E log(1 - D(G(z, c))) + info      (Q trains with the critic)
    gen    L_G = -E log D(G(z, c)) + info                         (non-saturating)

``info`` is ``-(L_I - H(c))`` per example, averaged over the batch; ``mi_cat = log K -
CE`` (the categorical part of the bound, at most ``log 10 ≈ 2.30``) is logged.

Defaults: the official code (github.com/openai/InfoGAN, ``run_mnist_exp.py``): the codes
above, ``info_reg_coeff = 1`` for every code (``lambda_cat = lambda_cont = 1``; the paper,
Sec. 6, suggests a smaller weight for continuous codes in general), Adam 2e-4 for the
discriminator and 1e-3 for the generator (b1 = 0.5), batch 128. Its networks are convs
(``network="conv"`` gives `genjax.nn`'s DCGAN ones); the MLPs here: generator
``74-512-512-784``, trunk ``784-512-512`` with leaky ReLU, Q head ``512-128-12``.

`InfoGAN.image_grids` returns one grid per code traversal for the trainer to save as PNG:
``code_cat`` (rows: noise draws, columns: the 10 categories) and ``code_cont<j>`` (rows:
the categories, columns: ``c_j`` from -2 to 2 as in the paper's Fig. 2, other codes 0).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.adversarial import gan_critic_loss, gan_generator_loss
from genjax.models.gans._common import GenerativeAdversarial, adversarial_kwargs
from genjax.models.networks import NETWORK_DEFAULTS, check_choices, init_module, make_encoder

INFOGAN_DEFAULTS = {
    **NETWORK_DEFAULTS,
    "latent_dim": 62,
    "decoder_hidden": (512, 512),
    "critic_hidden": (512, 512),
    "q_hidden": 128,
    "num_categories": 10,
    "num_continuous": 2,
    "lambda_cat": 1.0,
    "lambda_cont": 1.0,
    "noise": "uniform",
    "n_critic": 1,
}

TRAVERSE_RANGE = 2.0  # the paper's Fig. 2 varies each continuous code over [-2, 2]


class InfoCritic(nn.Module):
    """``x -> (D logits [b], Q outputs [b, num_categories + num_continuous])``: a shared
    trunk (with a leaky ReLU on its features), a linear GAN head and a one-hidden-layer
    Q head."""

    trunk: nn.Module
    q_hidden: int
    num_outputs: int

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False):
        h = nn.leaky_relu(self.trunk(x, train), 0.1)
        d = jnp.squeeze(nn.Dense(1, name="d_head")(h), axis=-1)
        q = nn.leaky_relu(nn.Dense(self.q_hidden, name="q_hidden")(h), 0.1)
        return d, nn.Dense(self.num_outputs, name="q_head")(q)


def information_loss(
    q_out: jax.Array, c_cat: jax.Array, c_cont: jax.Array, *, lambda_cat: float, lambda_cont: float
):
    """``(info, terms)``: ``lambda_cat · CE + lambda_cont · NLL`` averaged over the batch,
    for ``q_out: [b, K + J]`` (``K`` logits, then ``J`` Gaussian means), one-hot
    ``c_cat: [b, K]`` and ``c_cont: [b, J]``; the Gaussians have unit variance.

    >>> import jax.numpy as jnp
    >>> info, terms = information_loss(jnp.zeros((1, 3)), jnp.array([[1.0, 0.0]]),
    ...                                jnp.array([[0.0]]), lambda_cat=1.0, lambda_cont=0.0)
    >>> round(float(info), 4)  # log 2: a uniform guess between two categories
    0.6931
    """
    k = c_cat.shape[1]
    log_q = jax.nn.log_softmax(q_out[:, :k], axis=-1)
    ce = -jnp.mean(jnp.sum(c_cat * log_q, axis=-1))
    mu = q_out[:, k:]
    nll = jnp.mean(jnp.sum(0.5 * jnp.square(c_cont - mu) + 0.5 * math.log(2 * math.pi), axis=-1))
    info = lambda_cat * ce + lambda_cont * nll
    return info, {"info_ce": ce, "info_nll": nll, "mi_cat": math.log(k) - ce}


@dataclasses.dataclass(frozen=True, kw_only=True)
class InfoGAN(GenerativeAdversarial):
    """InfoGAN (see the module docstring). ``latent_dim`` is the noise's dimension; the
    generator reads ``latent_dim + num_categories + num_continuous`` inputs."""

    num_categories: int = 10
    num_continuous: int = 2
    lambda_cat: float = 1.0
    lambda_cont: float = 1.0

    @property
    def input_dim(self) -> int:
        return self.latent_dim + self.num_categories + self.num_continuous

    def init_variables(self, key, x):
        k_gen, k_critic = jax.random.split(key)
        gen_params, gen_state = init_module(
            self.generator, k_gen, jnp.zeros((x.shape[0], self.input_dim), x.dtype)
        )
        critic_params, critic_state = init_module(self.critic, k_critic, x)
        return (
            {"generator": gen_params, "critic": critic_params},
            {"generator": gen_state, "critic": critic_state},
        )

    def sample_noise(self, key, n: int, dtype=jnp.float32) -> jax.Array:
        """``[n, latent_dim + K + J]``: noise, one-hot category, continuous codes."""
        k_z, k_cat, k_cont = jax.random.split(key, 3)
        z = super().sample_noise(k_z, n, dtype)
        cat = jax.nn.one_hot(jax.random.randint(k_cat, (n,), 0, self.num_categories),
                             self.num_categories, dtype=dtype)  # fmt: skip
        cont = jax.random.uniform(k_cont, (n, self.num_continuous), dtype, -1.0, 1.0)
        return jnp.concatenate([z, cat, cont], axis=1)

    sample_prior = sample_noise

    def split_codes(self, inputs: jax.Array):
        """``(c_cat [b, K], c_cont [b, J])`` from generator inputs."""
        d, k = self.latent_dim, self.num_categories
        return inputs[:, d : d + k], inputs[:, d + k :]

    def _info(self, q_out, inputs):
        c_cat, c_cont = self.split_codes(inputs)
        return information_loss(
            q_out, c_cat, c_cont, lambda_cat=self.lambda_cat, lambda_cont=self.lambda_cont
        )

    def critic_loss(self, params, state, x, key):
        inputs = self.sample_noise(key, x.shape[0], x.dtype)
        x_fake = jax.lax.stop_gradient(self.generate(params, state, inputs, train=True)[0])
        (real, _), (fake, q_out), critic_state = self.real_and_fake(
            self.critic_outputs, params["critic"], state, x, x_fake, train=True
        )
        gan = gan_critic_loss(real, fake)
        info, terms = self._info(q_out, inputs)
        loss = gan + info
        metrics = {"loss": loss, "gan": gan, "info": info, **terms}
        return loss, (metrics, {**state, "critic": critic_state})

    def generator_loss(self, params, state, x, key):
        inputs = self.sample_noise(key, x.shape[0], x.dtype)
        x_fake, gen_state = self.generate(params, state, inputs, train=True)
        critic = jax.lax.stop_gradient(params["critic"])
        (fake, q_out), _ = self.critic_outputs(critic, state, x_fake, train=True)
        gan = gan_generator_loss(fake, kind="ns")
        info, terms = self._info(q_out, inputs)
        loss = gan + info
        metrics = {"loss": loss, "gan": gan, "info": info, **terms}
        return loss, (metrics, {**state, "generator": gen_state})

    def traversal_inputs(self, key, ncol: int = 10):
        """Generator inputs of the code traversals: ``{name: ([rows·ncol, input_dim],
        ncol)}`` (see the module docstring); one noise draw per row."""
        k, j = self.num_categories, self.num_continuous
        z = super().sample_noise(key, k, jnp.float32)  # [K, latent_dim], one per row
        grids = {}
        # code_cat: row r = noise r, column = category (K columns), continuous codes 0.
        rows = jnp.repeat(z, k, axis=0)  # [K·K, d]
        cats = jnp.tile(jnp.eye(k), (k, 1))
        grids["code_cat"] = (jnp.concatenate([rows, cats, jnp.zeros((k * k, j))], 1), k)
        values = jnp.linspace(-TRAVERSE_RANGE, TRAVERSE_RANGE, ncol)
        for c in range(j):
            # Row r = category r (with noise r), column = value of continuous code c.
            rows = jnp.repeat(z, ncol, axis=0)
            cats = jnp.repeat(jnp.eye(k), ncol, axis=0)
            cont = jnp.zeros((k * ncol, j)).at[:, c].set(jnp.tile(values, k))
            grids[f"code_cont{c}"] = (jnp.concatenate([rows, cats, cont], 1), ncol)
        return grids

    def image_grids(self, params, state, key) -> dict[str, tuple[jax.Array, int]]:
        """``{name: (images [n, *input_shape] in data space, ncol)}``: the code
        traversals, for the trainer to save as PNG grids (eval mode)."""
        return {
            name: (self.generate(params, state, inputs, train=False)[0], ncol)
            for name, (inputs, ncol) in self.traversal_inputs(key).items()
        }


def make_info_critic(config: ml_collections.ConfigDict, input_shape, num_outputs: int):
    hidden: Sequence[int] = tuple(config.critic_hidden)
    if not hidden:
        raise ValueError("critic_hidden must name at least one width (the trunk's features)")
    widths = ml_collections.ConfigDict(config.to_dict())
    widths.encoder_hidden = hidden[:-1]
    trunk = make_encoder(widths, input_shape, int(hidden[-1]))
    return InfoCritic(trunk=trunk, q_hidden=int(config.q_hidden), num_outputs=num_outputs)


def build_infogan(config, input_shape) -> InfoGAN:
    check_choices(config)
    if int(config.num_categories) < 2:
        raise ValueError(f"num_categories={config.num_categories} must be at least 2")
    if int(config.num_continuous) < 0:
        raise ValueError(f"num_continuous={config.num_continuous} must be >= 0")
    for field in ("lambda_cat", "lambda_cont"):
        if config[field] < 0:
            raise ValueError(f"{field}={config[field]} must be >= 0")
    num_outputs = int(config.num_categories) + int(config.num_continuous)
    critic = make_info_critic(config, input_shape, num_outputs)
    return InfoGAN(
        **adversarial_kwargs(config, input_shape, critic=critic),
        num_categories=int(config.num_categories),
        num_continuous=int(config.num_continuous),
        lambda_cat=float(config.lambda_cat),
        lambda_cont=float(config.lambda_cont),
    )
