"""genjax.nn: flax.linen encoders, decoders and critics, parametrised by data shape.

See DESIGN.md. ``mlp`` works on images and plain vectors; ``conv`` is the DCGAN-style
architecture of the WAE paper for ``[h, w, c]`` images. Networks imports nothing of ours.
"""

from genjax.nn.conv import (
    RESIZE_METHODS,
    UPSAMPLINGS,
    ConvDecoder,
    ConvEncoder,
    StridedConv,
    StridedConvTranspose,
    Upsample,
    depth_to_space,
    space_to_depth,
    stride2_conv,
    stride2_conv_transpose,
    upsampling_stages,
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
    "MLP",
    "RESIZE_METHODS",
    "UPSAMPLINGS",
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
    "depth_to_space",
    "space_to_depth",
    "stride2_conv",
    "stride2_conv_transpose",
    "upsampling_stages",
]
