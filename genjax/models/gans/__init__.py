"""GAN families (generators without an encoder), one file each; `REGISTRY` maps a model
name to ``(defaults, build)`` for `genjax.models.build_model`. See
`genjax.models.base.Model` for the contract and `genjax.models.adversarial` for the
losses they share."""

from __future__ import annotations

REGISTRY: dict = {}

__all__ = ["REGISTRY"]
