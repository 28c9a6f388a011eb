"""Divergences between samples and distributions: pure, differentiable JAX functions.

Every function takes batches of samples ``x: [n, d]`` (and ``y: [m, d]``), returns a
scalar ``jax.Array``, and works under ``jit``, ``vmap``, ``grad`` and on inputs sharded
over a device mesh. Options are keyword-only; static ones are hashable. See each
function's docstring for its formula, cost and reference.

One rule for input dtypes, in every function here: real arrays are computed in at least
float32. float32 and float64 stay as they are; bf16 and f16 are computed in float32;
integer and boolean arrays (and Python numbers) are cast to float32, so
``mmd(np.arange(6).reshape(3, 2), ...)`` equals the same call on the float32 array.
Complex or non-numeric input is a ``ValueError`` naming the argument.

One rule for invalid options: every argument whose value is known at call time (a
Python or numpy number, a concrete array) is checked, and a bad one (``gamma <= 0``,
``n <= 0``, an all-zero row of ``directions``, ``d = 0``, ...) is a one-line
``ValueError`` naming it. Under ``jit``, ``vmap`` or ``grad`` a traced value cannot be
checked; the docstrings state its valid range (out of it, e.g. a traced gamma <= 0,
the result is NaN).

Run ``python -m genjax.divergences`` for a small demonstration table.
"""

from genjax.divergences.bhep import bhep, henze_zirkler
from genjax.divergences.cramer_wold import (
    cw_distance,
    cw_kernel,
    cw_normality,
    silverman_gamma,
)
from genjax.divergences.f_divergences import F_DIVERGENCES, FDivergence, fgan_losses
from genjax.divergences.gaussian import kl_gaussians, kl_standard_normal, wasserstein2_gaussians
from genjax.divergences.mmd import IMQ_SCALES, imq_kernel, mmd, rbf_kernel
from genjax.divergences.normality import (
    mardia_kurtosis,
    mardia_skewness,
    normalized_absolute_correlation,
)
from genjax.divergences.sliced import (
    random_directions,
    sliced_wasserstein,
    wasserstein_1d,
)

__all__ = [
    "F_DIVERGENCES",
    "IMQ_SCALES",
    "FDivergence",
    "bhep",
    "cw_distance",
    "cw_kernel",
    "cw_normality",
    "fgan_losses",
    "henze_zirkler",
    "imq_kernel",
    "kl_gaussians",
    "kl_standard_normal",
    "mardia_kurtosis",
    "mardia_skewness",
    "mmd",
    "normalized_absolute_correlation",
    "random_directions",
    "rbf_kernel",
    "silverman_gamma",
    "sliced_wasserstein",
    "wasserstein2_gaussians",
    "wasserstein_1d",
]
