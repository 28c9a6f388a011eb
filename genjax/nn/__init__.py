"""genjax.nn: flax.linen encoders, decoders and critics, parametrised by data shape.

See DESIGN.md. ``mlp`` works on images and plain vectors; ``conv`` is the DCGAN-style
architecture of the WAE paper for ``[h, w, c]`` images; ``conv_impl`` computes its
convolutions natively (GPU/TPU) or as matrix products (CPU). Imports nothing of ours.
"""

from genjax.nn.conv import (
    RESIZE_METHODS,
    UPSAMPLINGS,
    Conv,
    ConvDecoder,
    ConvEncoder,
    StridedConv,
    StridedConvTranspose,
    Upsample,
    stride2_conv,
    stride2_conv_transpose,
    upsampling_stages,
)
from genjax.nn.conv_impl import (
    CONV_IMPL_ENV,
    CONV_IMPLS,
    MAX_PATCH_BYTES,
    conv2d,
    conv2d_transpose,
    depth_to_space,
    resolve_conv_impl,
    space_to_depth,
)
from genjax.nn.dcgan import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    dcgan_stages,
)
from genjax.nn.mlp import ACTIVATIONS, MLP, MLPCritic, MLPDecoder, MLPEncoder, activation_fn

__all__ = [
    "ACTIVATIONS",
    "CONV_IMPLS",
    "CONV_IMPL_ENV",
    "MAX_PATCH_BYTES",
    "MLP",
    "RESIZE_METHODS",
    "UPSAMPLINGS",
    "Conv",
    "ConvDecoder",
    "ConvEncoder",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPCritic",
    "MLPDecoder",
    "MLPDiscriminator",
    "MLPEncoder",
    "StridedConv",
    "StridedConvTranspose",
    "Upsample",
    "activation_fn",
    "dcgan_stages",
    "conv2d",
    "conv2d_transpose",
    "depth_to_space",
    "resolve_conv_impl",
    "space_to_depth",
    "stride2_conv",
    "stride2_conv_transpose",
    "upsampling_stages",
]
