"""GAN (Goodfellow et al. 2014), minimax and non-saturating, and `CriticLossGAN`, the
base of every GAN whose two losses are functions of the critic's outputs on a real and
a generated batch (GAN, f-GAN, LSGAN, WGAN, WGAN-GP).

Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair, Courville, Bengio,
"Generative Adversarial Nets", NeurIPS 2014 (code: github.com/goodfeli/adversarial)::

    critic:     mean_i -log D(x_i) - mean_j log(1 - D(G(z_j)))          (Eq. 1, Alg. 1)
    generator:  mean_j log(1 - D(G(z_j)))       loss="mm" (the minimax game)
                mean_j -log D(G(z_j))           loss="ns" (Sec. 3: "rather than training
                                                G to minimize log(1 - D(G(z))) we can
                                                train G to maximize log D(G(z))")

``D = sigmoid(critic logits)``, computed from the logits with softplus
(`genjax.models.adversarial.gan_critic_loss`). One critic update per generator update
(the paper's k = 1).

Defaults and how they differ from the paper. The paper's MNIST setting
(``adversarial/mnist.yaml``): z of 100 uniform in [-√3, √3], a generator 1200-1200
(ReLU, sigmoid output), a maxout discriminator (240x5, 240x5) with dropout, SGD with
momentum, batch 100. Here: z of 100 uniform in [-1, 1] (``noise="uniform"``), a
generator 100-256-512-784 (ReLU, sigmoid) and a critic 784-512-256-1 (LeakyReLU 0.2,
no dropout), Adam 2e-4 (b1 = 0.5) for both players as in DCGAN, whose recipe most GAN
code now follows: smaller and faster on a CPU, and stable without the paper's hand-tuned
momentum schedule. ``network="conv"`` gives the DCGAN networks (`genjax.nn.dcgan`);
the ``dcgan`` model is this GAN with them.

Batch norm (DCGAN networks): the critic sees the real and the generated batch in two
separate calls, each normalised by its own statistics, as in the DCGAN code; in the
generator's update the critic is run in train mode too, and its statistics updates are
dropped (only the critic player updates the critic's state).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.adversarial import adversarial_losses
from genjax.models.gans._common import NOISES, GenerativeAdversarial
from genjax.models.networks import NETWORK_DEFAULTS, make_critic, make_generator

# Fields every GAN of this family reads (the shared network fields, see
# genjax.models.networks: decoder_hidden sizes the generator, encoder_hidden the critic).
GAN_NETWORK_DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    "latent_dim": 100,
    "decoder_hidden": (256, 512),
    "encoder_hidden": (512, 256),
    # DCGAN widths for network="conv" (the discriminator's; the generator's reversed).
    "conv_channels": (128, 256, 512, 1024),
    "noise": "uniform",
    "n_critic": 1,
}

DEFAULTS: dict[str, Any] = {**GAN_NETWORK_DEFAULTS, "loss": "ns"}
# DCGAN (Radford et al. 2016): the NS GAN with the DCGAN networks, z ~ U[-1, 1]^100.
DCGAN_DEFAULTS: dict[str, Any] = {**DEFAULTS, "network": "conv"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class CriticLossGAN(GenerativeAdversarial):
    """A GAN whose losses are `genjax.models.adversarial.adversarial_losses` of the
    critic's raw outputs ``real = C(x): [b]`` and ``fake = C(G(z)): [b]``, ``b`` the real
    batch's size. Subclasses pick ``kind`` and its options, and may add a term to the
    critic's loss (`critic_penalty`).

    Critic metrics: ``loss``, ``adversarial`` (the critic's adversarial loss), ``real``
    and ``fake`` (mean outputs), plus a subclass's terms; generator metrics: ``loss``,
    ``adversarial`` and ``fake``. ``evaluate`` reports the critic's terms in eval mode
    (its ``critic_loss`` includes a subclass's penalty).
    """

    kind: str = "ns"
    divergence: str = "gan"
    non_saturating: bool = True
    ls_targets: tuple[float, float, float] = (0.0, 1.0, 1.0)

    def losses(self, real: jax.Array, fake: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``(critic_loss, generator_loss)`` of ``kind`` (the generator's reads ``fake``
        only)."""
        return adversarial_losses(
            real,
            fake,
            kind=self.kind,
            divergence=self.divergence,
            non_saturating=self.non_saturating,
            ls_targets=self.ls_targets,
        )

    def critic_penalty(self, critic_params, state, x, x_fake, key, *, train: bool):
        """``(extra critic loss, metrics)``; none here (WGAN-GP adds its penalty)."""
        del critic_params, state, x, x_fake, key, train
        return jnp.zeros(()), {}

    def critic_terms(self, params, state, x, key, *, train: bool):
        """``(loss, metrics, new_critic_state)`` of the critic on real ``x`` and as many
        generated samples (seen through ``stop_gradient``)."""
        k_z, k_penalty = jax.random.split(key)
        # The generator runs in the same mode; its statistics updates are dropped here.
        x_fake, _ = self.fake_batch(params, state, k_z, x.shape[0], x.dtype, train=train)
        x_fake = jax.lax.stop_gradient(x_fake)
        critic_params = params["critic"]
        real, fake, critic_state = self.real_and_fake(
            self.critic_outputs, critic_params, state, x, x_fake, train=train
        )
        adversarial, _ = self.losses(real, fake)
        penalty, extra = self.critic_penalty(
            critic_params, state, x, x_fake, k_penalty, train=train
        )
        metrics = {"adversarial": adversarial, "real": jnp.mean(real), "fake": jnp.mean(fake)}
        return adversarial + penalty, {**metrics, **extra}, critic_state

    def critic_loss(self, params, state, x, key):
        loss, metrics, critic_state = self.critic_terms(params, state, x, key, train=True)
        return loss, ({"loss": loss, **metrics}, {**state, "critic": critic_state})

    def generator_loss(self, params, state, x, key):
        x_fake, gen_state = self.fake_batch(params, state, key, x.shape[0], x.dtype, train=True)
        critic_params = jax.lax.stop_gradient(params["critic"])
        fake, _ = self.critic_outputs(critic_params, state, x_fake, train=True)
        _, loss = self.losses(fake, fake)  # the generator's loss reads only `fake`
        metrics = {"loss": loss, "adversarial": loss, "fake": jnp.mean(fake)}
        return loss, (metrics, {**state, "generator": gen_state})

    def evaluate(self, params, state, x, key):
        """The critic's loss terms on held-out ``x`` against as many samples, eval mode."""
        loss, metrics, _ = self.critic_terms(params, state, x, key, train=False)
        return {"critic_loss": loss, **metrics}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class GAN(CriticLossGAN):
    """Goodfellow et al.'s GAN; ``kind`` is ``"ns"`` (non-saturating) or ``"mm"``
    (minimax); players ``("critic", "generator")``.

    >>> from genjax.models import build_model, default_model_config
    >>> config = default_model_config("gan")
    >>> config.loss = "mm"
    >>> model = build_model(config, (28, 28, 1))
    >>> model.players, model.kind, model.latent_dim
    (('critic', 'generator'), 'mm', 100)
    >>> x = jnp.zeros((4, 28, 28, 1))
    >>> params, state = jax.eval_shape(model.init, jax.random.key(0), x)
    >>> loss, (metrics, _) = jax.eval_shape(
    ...     lambda p, s: model.loss("critic", p, s, x, jax.random.key(1)), params, state)
    >>> sorted(metrics)
    ['adversarial', 'fake', 'loss', 'real']
    """


def gan_kwargs(config: ml_collections.ConfigDict, input_shape, *, normalization="batch"):
    """The fields every `CriticLossGAN` reads from a config, validated."""
    if config.noise not in NOISES:
        raise ValueError(f"noise={config.noise!r}; expected one of {NOISES}")
    if int(config.n_critic) < 1:
        raise ValueError(f"n_critic={config.n_critic} must be at least 1")
    return dict(
        latent_dim=int(config.latent_dim),
        input_shape=tuple(input_shape),
        generator=make_generator(config, input_shape),
        critic=make_critic(config, input_shape, normalization=normalization),
        output_activation=str(config.output_activation),
        noise=str(config.noise),
        n_critic=int(config.n_critic),
    )


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> GAN:
    if config.loss not in ("ns", "mm"):
        raise ValueError(f"loss={config.loss!r}; expected 'ns' or 'mm'")
    return GAN(kind=str(config.loss), **gan_kwargs(config, input_shape))
