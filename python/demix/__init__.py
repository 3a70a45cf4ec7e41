"""Demix: NMF audio source separation (the engine's NMF with scikit-learn's interface).

    import demix
    model = demix.NMF(n_components=8, beta_loss="kullback-leibler", solver="mu")
    W = model.fit_transform(X)          # X: n_samples x n_features, non-negative
    H = model.components_

See docs/engine.md, "Install and use the engine".
"""

from ._demix import version as _engine_version
from ._nmf import NMF, ConvergenceWarning, NotFittedError, non_negative_factorization

__version__ = _engine_version()
__all__ = ["NMF", "non_negative_factorization", "ConvergenceWarning", "NotFittedError"]
