"""scikit-learn-style NMF over the Demix engine (demix.NMF, demix.non_negative_factorization).

Conventions are scikit-learn's (sklearn.decomposition.NMF): X is n_samples x n_features,
X ~ W @ H with W n_samples x n_components (what transform returns) and H =
components_ n_components x n_features; the objective is scikit-learn's beta-divergence
(0.5 * ||X - WH||^2 for 'frobenius'), reconstruction_err_ is sqrt(2 * divergence) as
there, and bad parameters or input raise ValueError. The engine works on V = X.T (F x T,
column-major float32), so a C-ordered float32 X is passed without a copy; float64 input
is computed in float32 and the results are returned as float64.

Differences (documented in docs/engine.md): solver 'cd' runs the engine's HALS (the
same coordinate updates, in component order: shuffle is not available); init='random'
draws from the engine's generator (seeded by random_state), not numpy's; penalties are
L1 only (alpha_W / alpha_H > 0 need l1_ratio=1.0); extra parameters accelerate,
precision and n_threads choose the engine's arithmetic and threads.
"""

import inspect
import numbers
import time
import warnings

import numpy as np

from . import _demix

_EPSILON = np.finfo(np.float32).eps
_BETA_LOSSES = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}
_INITS = (None, "random", "nndsvd", "nndsvda", "nndsvdar", "custom")
_SOLVERS = ("cd", "hals", "mu")
_PRECISIONS = ("float32", "mixed", "bfloat16", "adaptive")


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before fit (like sklearn.exceptions.NotFittedError)."""


class ConvergenceWarning(UserWarning):
    """max_iter was reached before the tol rule stopped the iterations."""


def _beta_loss_to_float(beta_loss):
    if isinstance(beta_loss, str):
        return _BETA_LOSSES[beta_loss]
    return float(beta_loss)


def _beta_divergence(X, W, H, beta, square_root=False):
    """scikit-learn's objective d_beta(X | W H), in float64: entries of X <= float32 eps
    are left out of the terms that need X > 0, as scikit-learn does."""
    beta = _beta_loss_to_float(beta)
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    WH = W @ H
    if beta == 2.0:
        res = 0.5 * float(np.sum((X - WH) ** 2))
    else:
        x = X.ravel()
        wh = WH.ravel()
        keep = x > _EPSILON
        x, wh = x[keep], wh[keep].copy()
        wh[wh == 0] = _EPSILON
        if beta == 1.0:
            res = float(x @ np.log(x / wh)) + float(W.sum(axis=0) @ H.sum(axis=1)) - float(x.sum())
        elif beta == 0.0:
            div = x / wh
            res = float(np.sum(div)) - X.size - float(np.sum(np.log(div)))
        else:
            res = float((x**beta).sum()) - beta * float(x @ wh ** (beta - 1))
            res += float(np.sum(WH**beta)) * (beta - 1)
            res /= beta * (beta - 1)
    if square_root:
        return float(np.sqrt(2 * max(res, 0.0)))
    return res


def _invalid(name, requirement, value):
    # The wording of scikit-learn's parameter errors.
    return ValueError(f"The {name!r} parameter of NMF must be {requirement}. Got {value!r} instead.")


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _check_array(X, name="X"):
    """A dense 2-D float32/float64 array (other dtypes become float64), finite, non-empty."""
    if hasattr(X, "toarray"):  # scipy.sparse: the engine is dense
        X = X.toarray()
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"NMF (input {name}) must be numeric: {e}") from None
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead (input {name}); reshape your "
            "data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a "
            "single sample."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"Found array with shape {X.shape} (input {name}): NMF needs at least one sample and one feature.")
    if not np.isfinite(X).all():
        kind = "NaN" if np.isnan(X).any() else "infinity or a value too large"
        raise ValueError(f"Input {name} contains {kind}.")
    return X


def _check_init(A, shape, dtype, whom):
    A = _check_array(A, whom)
    if A.shape != shape:
        raise ValueError(f"Array with wrong shape passed to {whom}. Expected {shape}, but got {A.shape} ")
    if A.min() < 0:
        raise ValueError(f"Negative values in data passed to {whom}")
    if A.max() == 0:
        raise ValueError(f"Array passed to {whom} is full of zeros.")
    if A.dtype != dtype:
        raise TypeError(f"{whom} should have the same dtype as X. Got {whom} dtype = {A.dtype}.")
    return A


def _seed_from(random_state):
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if _is_int(random_state) and 0 <= random_state < 2**32:
        return int(random_state)
    raise _invalid("random_state", "an int in the range [0, 4294967295], an instance of "
                   "'numpy.random.mtrand.RandomState' or None", random_state)


class NMF:
    """Non-negative matrix factorisation X ~ W H, scikit-learn's NMF interface over the
    Demix engine. See the module docstring for the conventions and the differences.

    Parameters are scikit-learn's (n_components, init, solver, beta_loss, tol, max_iter,
    random_state, alpha_W, alpha_H, l1_ratio, verbose, shuffle) plus:
      accelerate: the engine's accelerated solvers (extrapolated MU with restart, HALS
        with repeated inner sweeps); False gives the plain updates scikit-learn runs.
      precision: 'float32' (default) | 'mixed' | 'bfloat16' | 'adaptive': the arithmetic
        of KL multiplicative updates on CPUs with AVX512-BF16 (elsewhere all float32).
      n_threads: engine worker threads; None = all cores (results are identical run to
        run for the same thread count).
    """

    def __init__(self, n_components=None, *, init=None, solver="cd", beta_loss="frobenius",
                 tol=1e-4, max_iter=200, random_state=None, alpha_W=0.0, alpha_H="same",
                 l1_ratio=0.0, verbose=0, shuffle=False, accelerate=True,
                 precision="float32", n_threads=None):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.verbose = verbose
        self.shuffle = shuffle
        self.accelerate = accelerate
        self.precision = precision
        self.n_threads = n_threads

    # --- scikit-learn's estimator protocol (clone, Pipeline, GridSearchCV) ---------------
    @classmethod
    def _get_param_names(cls):
        return sorted(p.name for p in inspect.signature(cls.__init__).parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"Invalid parameter {key!r} for estimator {self!r}. "
                                 f"Valid parameters are: {valid!r}.")
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not (v is defaults[k] or (type(v) is type(defaults[k]) and v == defaults[k]))]
        return f"NMF({', '.join(changed)})"

    def _more_tags(self):
        return {"requires_positive_X": True, "preserves_dtype": [np.float64, np.float32]}

    # --- parameters ----------------------------------------------------------------------
    def _validate_params(self):
        if self.n_components is not None and not (_is_int(self.n_components) and self.n_components >= 1):
            raise _invalid("n_components", "an int in the range [1, inf) or None", self.n_components)
        if self.init not in _INITS:
            raise _invalid("init", "a str among {'random', 'nndsvd', 'nndsvda', 'nndsvdar', 'custom'} or None", self.init)
        if self.solver not in _SOLVERS:
            raise _invalid("solver", "a str among {'cd', 'hals', 'mu'}", self.solver)
        if isinstance(self.beta_loss, str):
            if self.beta_loss not in _BETA_LOSSES:
                raise _invalid("beta_loss", "a str among {'frobenius', 'kullback-leibler', 'itakura-saito'} or a float", self.beta_loss)
        elif not (_is_real(self.beta_loss) and np.isfinite(self.beta_loss)):
            raise _invalid("beta_loss", "a str among {'frobenius', 'kullback-leibler', 'itakura-saito'} or a float", self.beta_loss)
        if not (_is_real(self.tol) and self.tol >= 0):
            raise _invalid("tol", "a float in the range [0, inf)", self.tol)
        if not (_is_int(self.max_iter) and self.max_iter >= 1):
            raise _invalid("max_iter", "an int in the range [1, inf)", self.max_iter)
        if not (_is_real(self.alpha_W) and self.alpha_W >= 0):
            raise _invalid("alpha_W", "a float in the range [0, inf)", self.alpha_W)
        if not (self.alpha_H == "same" or (_is_real(self.alpha_H) and self.alpha_H >= 0)):
            raise _invalid("alpha_H", "a float in the range [0, inf) or 'same'", self.alpha_H)
        if not (_is_real(self.l1_ratio) and 0 <= self.l1_ratio <= 1):
            raise _invalid("l1_ratio", "a float in the range [0, 1]", self.l1_ratio)
        if not (_is_int(self.verbose) or isinstance(self.verbose, bool)):
            raise _invalid("verbose", "an int or a bool", self.verbose)
        if self.shuffle not in (False, True):
            raise _invalid("shuffle", "a bool", self.shuffle)
        if self.shuffle:
            raise ValueError("shuffle=True is not available: the engine's HALS updates the components in order")
        if self.accelerate not in (False, True):
            raise _invalid("accelerate", "a bool", self.accelerate)
        if self.precision not in _PRECISIONS:
            raise _invalid("precision", "a str among {'float32', 'mixed', 'bfloat16', 'adaptive'}", self.precision)
        if self.n_threads is not None and not (_is_int(self.n_threads) and self.n_threads >= 1):
            raise _invalid("n_threads", "an int in the range [1, inf) or None", self.n_threads)
        beta = _beta_loss_to_float(self.beta_loss)
        if self.solver in ("cd", "hals") and beta != 2.0:
            raise ValueError(f"Invalid beta_loss parameter: solver {self.solver!r} does not handle "
                             f"beta_loss = {self.beta_loss!r}")
        if self.solver == "mu" and self.init == "nndsvd":
            warnings.warn("The multiplicative update ('mu') solver cannot update zeros present in "
                          "the initialization, and so leads to poorer results when used jointly "
                          "with init='nndsvd'. You may try init='nndsvda' or init='nndsvdar' "
                          "instead.", UserWarning)
        return beta

    def _regularisation(self, n_samples, n_features):
        """scikit-learn's scaled penalties: L1 on W weighs n_features * alpha_W * l1_ratio,
        L1 on H n_samples * alpha_H * l1_ratio; the L2 parts are not available."""
        alpha_H = self.alpha_W if self.alpha_H == "same" else self.alpha_H
        if (self.alpha_W > 0 or alpha_H > 0) and self.l1_ratio != 1.0:
            raise ValueError(
                f"demix.NMF supports L1 penalties only: with alpha_W or alpha_H > 0, l1_ratio "
                f"must be 1.0 (got {self.l1_ratio!r}; scikit-learn's L2 part is not available)")
        return n_features * self.alpha_W * self.l1_ratio, n_samples * alpha_H * self.l1_ratio

    # --- fitting -------------------------------------------------------------------------
    def _fit_transform(self, X, W=None, H=None, update_H=True):
        beta = self._validate_params()
        X = _check_array(X)
        if X.min() < 0:
            raise ValueError("Negative values in data passed to NMF (input X)")
        if X.min() == 0 and beta <= 0:
            raise ValueError("When beta_loss <= 0 and X contains zeros, the solver may diverge. "
                             "Please add small values to X, or use a positive beta_loss.")
        n_samples, n_features = X.shape
        k = self.n_components
        if k is None:
            k = H.shape[0] if (not update_H and H is not None and np.ndim(H) == 2) else n_features
        l1_W, l1_H = self._regularisation(n_samples, n_features)

        # The engine factorises V = X.T ~ We @ He, with We = H.T (features x k) and He = W.T.
        seed = _seed_from(self.random_state)
        engine_init = "random"
        We0 = He0 = None
        if not update_H:
            H = _check_init(H, (k, n_features), X.dtype, "NMF (input H)")
            We0 = H.T
            # scikit-learn's start for the solved factor: its mean-level constant.
            He0 = np.full((k, n_samples), np.sqrt(X.mean() / k), dtype=np.float32)
        elif self.init == "custom":
            H = _check_init(H, (k, n_features), X.dtype, "NMF (input H)")
            W = _check_init(W, (n_samples, k), X.dtype, "NMF (input W)")
            We0, He0 = H.T, W.T
        else:
            engine_init = self.init
            if engine_init is None:
                engine_init = "nndsvda" if k <= min(n_samples, n_features) else "random"

        progress = None
        if self.verbose:
            start = time.time()

            def progress(iteration, max_iter, objective):
                if iteration % 10 == 0:
                    print(f"Epoch {iteration:02d} reached after {time.time() - start:.3f} "
                          f"seconds, error: {np.sqrt(2 * max(objective, 0.0)):f}")

        V = np.asarray(X.T, dtype=np.float32, order="F")
        We, He, n_iter, _, _, _ = _demix.factorize(
            V, k, beta, "mu" if self.solver == "mu" else "hals", engine_init, seed,
            self.max_iter, float(self.tol), 10, float(l1_H), float(l1_W), False,
            bool(self.accelerate), self.precision, 0.0, self.n_threads or 0,
            W=None if We0 is None else np.asarray(We0, dtype=np.float32, order="F"),
            H=None if He0 is None else np.asarray(He0, dtype=np.float32, order="F"),
            freeze_w=not update_H, progress=progress)
        W_out = np.ascontiguousarray(He.T, dtype=X.dtype)
        H_out = H if not update_H else np.ascontiguousarray(We.T, dtype=X.dtype)
        if n_iter == self.max_iter and self.tol > 0:
            warnings.warn(f"Maximum number of iterations {self.max_iter} reached. Increase it "
                          "to improve convergence.", ConvergenceWarning)
        return X, W_out, H_out, n_iter, beta

    def fit_transform(self, X, y=None, W=None, H=None):
        """Learns the model for X (n_samples x n_features) and returns W (n_samples x
        n_components). With init='custom', W and H are the starting point."""
        X, W, H, n_iter, beta = self._fit_transform(X, W=W, H=H)
        self.reconstruction_err_ = _beta_divergence(X, W, H, beta, square_root=True)
        self.n_components_ = H.shape[0]
        self.components_ = H
        self.n_iter_ = n_iter
        self.n_features_in_ = X.shape[1]
        return W

    def fit(self, X, y=None, **params):
        """Learns the model for X; returns self."""
        self.fit_transform(X, **params)
        return self

    def _check_fitted(self):
        if not hasattr(self, "components_"):
            raise NotFittedError("This NMF instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")

    def transform(self, X):
        """W for X with the learned components_ fixed (n_samples x n_components)."""
        self._check_fitted()
        X = _check_array(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but NMF is expecting "
                             f"{self.n_features_in_} features as input.")
        _, W, _, _, _ = self._fit_transform(X, H=self.components_.astype(X.dtype, copy=False),
                                            update_H=False)
        return W

    def inverse_transform(self, W):
        """The data the model gives for W: W @ components_ (n_samples x n_features)."""
        self._check_fitted()
        W = _check_array(W, "W")
        if W.shape[1] != self.n_components_:
            raise ValueError(f"W has {W.shape[1]} components, but the model has {self.n_components_}.")
        return W @ self.components_


def non_negative_factorization(X, W=None, H=None, n_components=None, *, init=None,
                               update_H=True, solver="cd", beta_loss="frobenius", tol=1e-4,
                               max_iter=200, alpha_W=0.0, alpha_H="same", l1_ratio=0.0,
                               random_state=None, verbose=0, shuffle=False, accelerate=True,
                               precision="float32", n_threads=None):
    """scikit-learn's non_negative_factorization: returns (W, H, n_iter). With
    update_H=False, H is fixed (e.g. templates learned before) and only W is solved;
    n_components may then be left None (taken from H)."""
    est = NMF(n_components=n_components, init=init, solver=solver, beta_loss=beta_loss, tol=tol,
              max_iter=max_iter, random_state=random_state, alpha_W=alpha_W, alpha_H=alpha_H,
              l1_ratio=l1_ratio, verbose=verbose, shuffle=shuffle, accelerate=accelerate,
              precision=precision, n_threads=n_threads)
    _, W, H, n_iter, _ = est._fit_transform(X, W=W, H=H, update_H=update_H)
    return W, H, n_iter
