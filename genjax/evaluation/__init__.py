"""Evaluation of generative models: sample-quality metrics on features, latent statistics,
and ex-post samplers.

- `frechet_distance` (FID's formula; host float64), `feature_statistics`,
  `frechet_distance_from_statistics` for cached reference statistics;
- `kernel_inception_distance` (KID: unbiased polynomial MMD² over subsets);
- `precision_recall_density_coverage` and `knn_radii` (k-NN manifolds, in row blocks);
- `fit_gmm`, `gmm_log_prob`, `sample_gmm` (RAE's ex-post Gaussian mixture, EM in JAX);
- `latent_statistics`, `to_json_dict` (normality and active units of held-out codes);
- `load_feature_extractor`, `FeatureExtractor`, `Classifier`, `FeaturesFn`,
  `sample_quality`, `weights_dir` (genjax's own 28x28x1 classifier features,
  ``fd_classifier`` / ``kid_classifier``, and the pluggable extractor format);
- `inception_features`, `load_inception_params`, `InceptionExtractor` (the FID
  Inception-v3 of 2015-12-05 in Flax; ``load_feature_extractor("inception")``
  and ``evaluate_model(..., extractor="inception")`` give ``fid`` and ``kid``;
  weights once with ``python -m genjax.evaluation.inception --fetch``).

Each function's docstring gives its formula, shapes, cost and reference.
"""

from genjax.evaluation.classifier import (
    Classifier,
    FeatureExtractor,
    FeaturesFn,
    load_feature_extractor,
    sample_quality,
    weights_dir,
)
from genjax.evaluation.figures import (
    format_number,
    markdown_table,
    save_image_grid,
    save_latent_scatter,
    save_learning_curves,
    save_norm_histogram,
    save_reconstructions,
    write_figures,
)
from genjax.evaluation.frechet import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_statistics,
)
from genjax.evaluation.gmm import GMM, fit_gmm, gmm_log_prob, sample_gmm
from genjax.evaluation.inception import (
    InceptionExtractor,
    inception_features,
    load_inception_params,
)
from genjax.evaluation.kid import kernel_inception_distance, polynomial_kernel
from genjax.evaluation.latent import latent_statistics, to_json_dict
from genjax.evaluation.outputs import ModelOutputs, model_outputs
from genjax.evaluation.prdc import knn_radii, precision_recall_density_coverage
from genjax.evaluation.report import evaluate_model, output_metrics, scalar_metrics

__all__ = [
    "Classifier",
    "FeatureExtractor",
    "FeaturesFn",
    "GMM",
    "InceptionExtractor",
    "ModelOutputs",
    "evaluate_model",
    "feature_statistics",
    "fit_gmm",
    "format_number",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "gmm_log_prob",
    "inception_features",
    "kernel_inception_distance",
    "knn_radii",
    "latent_statistics",
    "load_feature_extractor",
    "load_inception_params",
    "markdown_table",
    "model_outputs",
    "output_metrics",
    "polynomial_kernel",
    "precision_recall_density_coverage",
    "sample_gmm",
    "sample_quality",
    "save_image_grid",
    "save_latent_scatter",
    "save_learning_curves",
    "save_norm_histogram",
    "save_reconstructions",
    "scalar_metrics",
    "to_json_dict",
    "weights_dir",
    "write_figures",
]
