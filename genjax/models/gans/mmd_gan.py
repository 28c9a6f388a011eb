"""MMD-GAN (Li, Chang, Cheng, Yang & Póczos, "MMD GAN: Towards Deeper Understanding of
Moment Matching Network", NeurIPS 2017): the generator minimises a kernel MMD between
data and samples in the feature space of an adversarially trained autoencoder critic.

With ``f = Enc`` the critic's encoder (features ``[b, critic_code_dim]``), ``x̂ = Dec(f(x))``,
``MMD²_b`` the biased (V-statistic) estimate with the mixture of RBF kernels
``k(a, b) = Σ_σ exp(-‖a - b‖² / (2σ²))``, ``σ ∈ {1, 2, 4, 8, 16}``, and
``Δ = mean_i f(x_i) - mean_j f(G(z_j))`` (a vector over features)::

    critic     L_D = -sqrt(MMD²_b(f(x), f(G z))) + lambda_rg · mean relu(-Δ)
                     + lambda_ae · (mse(x, x̂) + mse(G z, Dec(f(G z))))
    generator  L_G =  sqrt(MMD²_b(f(x), f(G z))) - lambda_rg · mean relu(-Δ)

``mse`` is the mean over every pixel of the batch. The critic maximises the MMD (Eq. 6),
keeps an autoencoder on both data and samples (the injectivity regulariser, Sec. 3.2,
``lambda_ae = 8``) and pays a one-sided penalty when the mean feature of the data falls
below that of the samples (``lambda_rg = 16``). The generator's loss carries the
penalty term with the opposite sign: it is what the authors' code does (``errG =
sqrt(mmd2_G) + lambda_rg · one_sided(Δ)``, minimised), kept here as in the code.
MMD² is floored at 0 before the square root (the code's ``relu``); a ``1e-12`` inside
the root keeps its gradient finite at 0.

The encoder's weights are clipped into ``[-0.01, 0.01]`` after each critic update and
the decoder's are not (the code's comment: "do not clamp parameters of NetD decoder"):
``config.optim.critic.weight_clip = 0.01`` with ``weight_clip_only =
("critic/encoder",)`` (see experiments/mmd_gan.py and `genjax.training.optim`).
The critic takes ``n_critic = 5`` updates per generator update, and 100 during the first
25 generator updates and every 500th (`MMDGAN.num_updates`, the code's ``Diters``).

Defaults: the authors' code (github.com/OctoberChang/MMD-GAN, ``mmd_gan.py`` and
``run_exp.sh``, MNIST): ``latent_dim = critic_code_dim = 10``, noise N(0, I), the
bandwidths above, RMSprop 5e-5, batch 64. Networks: MLPs here (generator
``10-512-512-784``, critic ``784-512-10-512-784``); the code's are DCGAN convs,
``network="conv"``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import jax
import jax.numpy as jnp

from genjax.divergences import mmd
from genjax.models.gans._ae_critic import AutoencoderCriticGAN, make_ae_critic, per_example
from genjax.models.gans._common import adversarial_kwargs, critic_schedule
from genjax.models.networks import NETWORK_DEFAULTS, check_choices

MMD_GAN_SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0)

MMD_GAN_DEFAULTS = {
    **NETWORK_DEFAULTS,
    "latent_dim": 10,
    "decoder_hidden": (512, 512),
    "critic_hidden": (512,),
    "critic_code_dim": 10,
    "sigmas": MMD_GAN_SIGMAS,
    "lambda_ae": 8.0,
    "lambda_rg": 16.0,
    "noise": "normal",
    "n_critic": 5,
    "warmup_critic_updates": 100,
    "warmup_generator_steps": 25,
    "warmup_every": 500,
}


def mixture_rbf_mmd2(x: jax.Array, y: jax.Array, sigmas=MMD_GAN_SIGMAS) -> jax.Array:
    """Biased MMD² with ``k(a, b) = Σ_σ exp(-‖a - b‖² / (2σ²))`` between ``x: [n, d]`` and
    ``y: [m, d]``: `genjax.divergences.mmd` with ``kernel="rbf"`` (whose bandwidth is
    ``C = 2 d s``) at scales ``s = σ² / d``. Cost O((n + m)² d).

    >>> import jax.numpy as jnp
    >>> round(float(mixture_rbf_mmd2(jnp.zeros((1, 2)), jnp.ones((1, 2)), (1.0,))), 4)
    1.2642
    """
    d = per_example(x).shape[1]
    scales = tuple(float(s) ** 2 / d for s in sigmas)
    return mmd(per_example(x), per_example(y), kernel="rbf", scales=scales, unbiased=False)


def one_sided_penalty(f_real: jax.Array, f_fake: jax.Array) -> jax.Array:
    """``mean relu(-(mean_i f_real_i - mean_j f_fake_j))`` over features (the code's
    ``-one_sided(Δ)``): positive where the data's mean feature falls below the samples'.

    >>> import jax.numpy as jnp
    >>> float(one_sided_penalty(jnp.array([[0.0, 2.0]]), jnp.array([[1.0, 1.0]])))
    0.5
    """
    delta = jnp.mean(f_real, axis=0) - jnp.mean(f_fake, axis=0)
    return jnp.mean(jax.nn.relu(-delta))


@dataclasses.dataclass(frozen=True, kw_only=True)
class MMDGAN(AutoencoderCriticGAN):
    """MMD-GAN with the autoencoding critic (see the module docstring)."""

    sigmas: tuple[float, ...] = MMD_GAN_SIGMAS
    lambda_ae: float = 8.0
    lambda_rg: float = 16.0
    warmup_critic_updates: int = 100
    warmup_generator_steps: int = 25
    warmup_every: int = 500

    @property
    def player_updates(self) -> Mapping[str, int]:
        most = max(int(self.n_critic), int(self.warmup_critic_updates))
        return {"critic": most, "generator": 1}

    def num_updates(self, player: str, step: jax.Array) -> jax.Array:
        """Critic updates at generator step ``step`` (traced): ``warmup_critic_updates``
        while ``step < warmup_generator_steps`` and when ``step % warmup_every == 0``,
        else ``n_critic``; the generator takes 1."""
        if player != "critic":
            return jnp.asarray(1, jnp.int32)
        return critic_schedule(
            step,
            n_critic=int(self.n_critic),
            warmup_updates=int(self.warmup_critic_updates),
            warmup_steps=self.warmup_generator_steps,
            every=self.warmup_every,
        )

    def features(self, critic_params, state, x, *, train: bool):
        """``(f(x) [b, code_dim], x̂ [b, *shape], new_critic_state)``."""
        (h, x_hat), critic_state = self.critic_pass(critic_params, state, x, train=train)
        return h, x_hat, critic_state

    def mmd_terms(self, f_real, f_fake):
        mmd2 = mixture_rbf_mmd2(f_real, f_fake, self.sigmas)
        root = jnp.sqrt(jax.nn.relu(mmd2) + 1e-12)
        return mmd2, root, one_sided_penalty(f_real, f_fake)

    def critic_loss(self, params, state, x, key):
        x_fake, (f_real, x_hat), (f_fake, y_hat), critic_state = self.critic_passes(
            params, state, x, key
        )
        mmd2, root, penalty = self.mmd_terms(f_real, f_fake)
        ae_real = jnp.mean(jnp.square(x - x_hat))
        ae_fake = jnp.mean(jnp.square(x_fake - y_hat))
        loss = -root + self.lambda_rg * penalty + self.lambda_ae * (ae_real + ae_fake)
        metrics = {
            "loss": loss,
            "mmd2": mmd2,
            "one_sided": penalty,
            "ae_real": ae_real,
            "ae_fake": ae_fake,
        }
        return loss, (metrics, {**state, "critic": critic_state})

    def generator_loss(self, params, state, x, key):
        x_fake, gen_state, critic = self.generator_pass(params, state, x, key)
        (f_real, _), (f_fake, _), _ = self.real_and_fake(
            self.critic_pass, critic, state, x, x_fake, train=True
        )
        mmd2, root, penalty = self.mmd_terms(f_real, f_fake)
        loss = root - self.lambda_rg * penalty
        metrics = {"loss": loss, "mmd2": mmd2, "one_sided": penalty}
        return loss, (metrics, {**state, "generator": gen_state})


def build_mmd_gan(config, input_shape) -> MMDGAN:
    check_choices(config)
    sigmas = tuple(float(s) for s in config.sigmas)
    if not sigmas or min(sigmas) <= 0:
        raise ValueError(f"sigmas={config.sigmas} must be a non-empty tuple of positive numbers")
    for field in ("lambda_ae", "lambda_rg"):
        if config[field] < 0:
            raise ValueError(f"{field}={config[field]} must be >= 0")
    for field in ("n_critic", "warmup_critic_updates", "warmup_every"):
        if int(config[field]) < 1:
            raise ValueError(f"{field}={config[field]} must be >= 1")
    return MMDGAN(
        **adversarial_kwargs(config, input_shape, critic=make_ae_critic(config, input_shape)),
        sigmas=sigmas,
        lambda_ae=float(config.lambda_ae),
        lambda_rg=float(config.lambda_rg),
        warmup_critic_updates=int(config.warmup_critic_updates),
        warmup_generator_steps=int(config.warmup_generator_steps),
        warmup_every=int(config.warmup_every),
    )
