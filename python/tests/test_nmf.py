"""demix.NMF and demix.non_negative_factorization: the scikit-learn contract, planted
factorisations, determinism, fixed templates, errors, agreement with scikit-learn's
objective (where scikit-learn is installed), the GIL and Ctrl-C."""

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import demix
from demix._nmf import _beta_divergence

try:
    import sklearn
    from sklearn.base import clone
    from sklearn.decomposition import NMF as SkNMF
    from sklearn.decomposition import non_negative_factorization as sk_nnf
    from sklearn.decomposition._nmf import _beta_divergence as sk_beta_divergence
except ImportError:  # the tests that compare with scikit-learn are skipped
    sklearn = None

needs_sklearn = pytest.mark.skipif(sklearn is None, reason="scikit-learn is not installed "
                                   "(Debian: python3-sklearn); comparisons skipped")


def planted(n_samples=80, n_features=50, k=3, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.random((n_samples, k)) + 0.05
    H = rng.random((k, n_features)) ** 2
    return W @ H, W, H


def data(n_samples=60, n_features=40, seed=1):
    return np.random.default_rng(seed).random((n_samples, n_features)) ** 2 + 0.01


def best_match_cosine(A, B):
    """Mean cosine similarity of A's rows with B's rows, best one-to-one assignment."""
    from itertools import permutations

    a = A / np.linalg.norm(A, axis=1, keepdims=True)
    b = B / np.linalg.norm(B, axis=1, keepdims=True)
    c = a @ b.T
    return max(np.mean([c[i, p[i]] for i in range(len(p))]) for p in permutations(range(len(b))))


# --- the estimator's contract --------------------------------------------------------------
def test_shapes_attributes_and_dtypes():
    X = data()
    for dtype in (np.float64, np.float32):
        model = demix.NMF(n_components=5, init="nndsvda", max_iter=100, random_state=0)
        W = model.fit_transform(X.astype(dtype))
        assert W.shape == (60, 5) and W.dtype == dtype
        assert model.components_.shape == (5, 40) and model.components_.dtype == dtype
        assert model.n_components_ == 5
        assert 1 <= model.n_iter_ <= 100
        assert (W >= 0).all() and (model.components_ >= 0).all()
        assert model.transform(X.astype(dtype)).shape == (60, 5)
        assert model.transform(X.astype(dtype)).dtype == dtype
        np.testing.assert_allclose(model.inverse_transform(W), W @ model.components_)
    assert demix.NMF(max_iter=20, tol=0).fit(X).n_components_ == 40  # None: n_features
    assert isinstance(demix.NMF(2).fit(X), demix.NMF)


def test_reconstruction_err_is_scikit_learns_definition():
    X = data()
    for beta, solver in (("frobenius", "cd"), ("kullback-leibler", "mu"),
                         ("itakura-saito", "mu"), (1.5, "mu")):
        model = demix.NMF(4, solver=solver, beta_loss=beta, max_iter=50, random_state=0)
        W = model.fit_transform(X)
        expected = _beta_divergence(X, W, model.components_, beta, square_root=True)
        assert model.reconstruction_err_ == pytest.approx(expected, rel=1e-12)
    model = demix.NMF(4, max_iter=50, random_state=0)
    W = model.fit_transform(X)
    # Frobenius: sqrt(2 * 0.5 ||X - WH||^2) = ||X - WH||_F.
    assert model.reconstruction_err_ == pytest.approx(np.linalg.norm(X - W @ model.components_), rel=1e-9)


def test_get_params_set_params_repr():
    model = demix.NMF(3, beta_loss="kullback-leibler", solver="mu", tol=1e-5)
    params = model.get_params()
    assert params["n_components"] == 3 and params["beta_loss"] == "kullback-leibler"
    assert params["solver"] == "mu" and params["tol"] == 1e-5 and params["alpha_H"] == "same"
    assert set(params) >= {"init", "max_iter", "random_state", "alpha_W", "l1_ratio", "verbose"}
    assert model.set_params(max_iter=7, random_state=3) is model
    assert model.max_iter == 7 and model.random_state == 3
    with pytest.raises(ValueError, match="Invalid parameter 'bogus'"):
        model.set_params(bogus=1)
    assert repr(demix.NMF(2, solver="mu")) == "NMF(n_components=2, solver='mu')"


def test_determinism_and_random_state():
    X = data()
    fit = lambda seed: demix.NMF(4, init="random", max_iter=60, random_state=seed,
                                 n_threads=2).fit(X).components_
    np.testing.assert_array_equal(fit(5), fit(5))
    assert not np.array_equal(fit(5), fit(6))


# --- planted factorisations ----------------------------------------------------------------
@pytest.mark.parametrize("solver,beta", [("cd", "frobenius"), ("mu", "frobenius"),
                                         ("mu", "kullback-leibler")])
def test_planted_factorisation_is_recovered(solver, beta):
    X, W_true, H_true = planted()
    model = demix.NMF(3, init="nndsvda", solver=solver, beta_loss=beta, max_iter=2000,
                      tol=1e-10, random_state=0)
    W = model.fit_transform(X)
    assert np.linalg.norm(X - W @ model.components_) / np.linalg.norm(X) < 2e-3
    assert best_match_cosine(model.components_, H_true) > 0.99


def test_fixed_templates_solve_the_activations():
    X, W_true, H_true = planted(seed=3)
    W, H, n_iter = demix.non_negative_factorization(
        X, H=H_true, update_H=False, solver="mu", beta_loss="kullback-leibler", max_iter=1000,
        tol=1e-12)
    assert H is H_true or np.array_equal(H, H_true)  # H stays exactly as given
    assert W.shape == W_true.shape and n_iter >= 1
    np.testing.assert_allclose(W, W_true, rtol=2e-2, atol=2e-3)
    # transform() is the same solve with the learned components fixed.
    model = demix.NMF(3, solver="cd", max_iter=500, tol=1e-8, random_state=0).fit(X)
    before = model.components_.copy()
    model.transform(X[:10])
    np.testing.assert_array_equal(model.components_, before)


def test_l1_penalty_makes_w_sparser():
    X = data()
    plain = demix.NMF(6, solver="mu", max_iter=300, random_state=0).fit_transform(X)
    sparse = demix.NMF(6, solver="mu", max_iter=300, random_state=0, alpha_W=0.01,
                       alpha_H=0.0, l1_ratio=1.0).fit_transform(X)
    assert sparse.sum() < 0.9 * plain.sum()


# --- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("params,message", [
    (dict(n_components=0), "'n_components' parameter of NMF must be an int"),
    (dict(n_components=2.5), "'n_components' parameter of NMF must be an int"),
    (dict(init="svd"), "'init' parameter of NMF"),
    (dict(solver="lbfgs"), "'solver' parameter of NMF"),
    (dict(beta_loss="kl"), "'beta_loss' parameter of NMF"),
    (dict(tol=-1), "'tol' parameter of NMF"),
    (dict(max_iter=0), "'max_iter' parameter of NMF"),
    (dict(alpha_W=-0.1), "'alpha_W' parameter of NMF"),
    (dict(l1_ratio=1.5), "'l1_ratio' parameter of NMF"),
    (dict(random_state=-1), "'random_state' parameter of NMF"),
    (dict(solver="cd", beta_loss="kullback-leibler"), "solver 'cd' does not handle beta_loss"),
    (dict(alpha_W=0.1, l1_ratio=0.5), "L1 penalties only"),
    (dict(shuffle=True), "shuffle=True is not available"),
])
def test_bad_parameters_raise_value_error(params, message):
    with pytest.raises(ValueError, match=message):
        demix.NMF(**{"n_components": 2, **params}).fit(data())


def test_bad_input_raises_value_error():
    X = data()
    with pytest.raises(ValueError, match="Negative values in data passed to NMF"):
        demix.NMF(2).fit(X - 0.5)
    with pytest.raises(ValueError, match="beta_loss <= 0 and X contains zeros"):
        demix.NMF(2, solver="mu", beta_loss="itakura-saito").fit(np.maximum(X - 0.05, 0))
    bad = X.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        demix.NMF(2).fit(bad)
    with pytest.raises(ValueError, match="Expected 2D array"):
        demix.NMF(2).fit(X[0])
    with pytest.raises(ValueError, match="wrong shape passed to NMF \\(input W\\)"):
        demix.NMF(2, init="custom").fit_transform(X, W=np.ones((3, 2)), H=np.ones((2, 40)))
    with pytest.raises(ValueError, match="full of zeros"):
        demix.NMF(2, init="custom").fit_transform(X, W=np.ones((60, 2)), H=np.zeros((2, 40)))
    with pytest.raises(ValueError):
        demix.NMF(2, init="custom").fit_transform(X)  # no W, H given
    with pytest.raises(demix.NotFittedError):
        demix.NMF(2).transform(X)
    with pytest.raises(ValueError, match="X has 39 features, but NMF is expecting 40"):
        demix.NMF(2, max_iter=10).fit(X).transform(X[:, 1:])
    # Engine errors reach Python as ValueError too.
    from demix import _demix
    with pytest.raises(ValueError, match="solver"):
        _demix.factorize(np.ones((4, 4), np.float32, order="F"), 2, 2.0, "newton", "random", 0,
                         10, 0.0, 10, 0.0, 0.0, False, True, "float32", 0.0, 1)


def test_convergence_warning_and_verbose(capsys):
    X = data()
    with pytest.warns(demix.ConvergenceWarning, match="Maximum number of iterations 3"):
        demix.NMF(3, max_iter=3, tol=1e-12).fit(X)
    demix.NMF(3, max_iter=20, tol=0, verbose=1).fit(X)
    assert "Epoch 10 reached after" in capsys.readouterr().out


# --- scikit-learn: same objective, same conventions ----------------------------------------
@needs_sklearn
def test_objective_definition_matches_scikit_learn():
    X = data()
    rng = np.random.default_rng(2)
    W, H = rng.random((60, 4)), rng.random((4, 40))
    for beta in ("frobenius", "kullback-leibler", "itakura-saito", 0.5, 1.5, 3.0):
        assert _beta_divergence(X, W, H, beta) == pytest.approx(sk_beta_divergence(X, W, H, beta), rel=1e-12)


@needs_sklearn
@pytest.mark.parametrize("solver,beta", [("mu", "frobenius"), ("mu", "kullback-leibler"),
                                         ("mu", "itakura-saito"), ("mu", 1.5), ("cd", "frobenius")])
def test_plain_updates_follow_scikit_learn(solver, beta):
    """From the same start, the plain updates (accelerate=False) reach scikit-learn's
    objective after the same number of iterations (float32 vs float64 arithmetic)."""
    X = data()
    rng = np.random.default_rng(4)
    W0, H0 = rng.random((60, 4)) + 0.1, rng.random((4, 40)) + 0.1
    ours = demix.NMF(4, init="custom", solver=solver, beta_loss=beta, max_iter=50, tol=0,
                     accelerate=False)
    ours.fit_transform(X, W=W0.copy(), H=H0.copy())
    theirs = SkNMF(4, init="custom", solver=solver, beta_loss=beta, max_iter=50, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.fit_transform(X, W=W0.copy(), H=H0.copy())
    assert ours.reconstruction_err_ == pytest.approx(theirs.reconstruction_err_, rel=5e-3)


@needs_sklearn
@pytest.mark.parametrize("solver,beta", [("mu", "kullback-leibler"), ("cd", "frobenius")])
def test_default_solvers_reach_scikit_learns_objective(solver, beta):
    X = data(120, 80)
    ours = demix.NMF(6, solver=solver, beta_loss=beta, max_iter=200, tol=0, init="nndsvda")
    ours.fit(X)
    theirs = SkNMF(6, solver=solver, beta_loss=beta, max_iter=200, tol=0, init="nndsvda").fit(X)
    assert ours.reconstruction_err_ <= theirs.reconstruction_err_ * 1.001


@needs_sklearn
def test_fixed_templates_match_scikit_learn():
    X = data()
    H = SkNMF(4, solver="mu", beta_loss="kullback-leibler", max_iter=100, random_state=0).fit(X).components_
    W, _, _ = demix.non_negative_factorization(X, H=H, update_H=False, solver="mu",
                                              beta_loss="kullback-leibler", max_iter=200, tol=0,
                                              accelerate=False)
    W_sk, _, _ = sk_nnf(X, H=H, n_components=4, update_H=False, solver="mu",
                        beta_loss="kullback-leibler", max_iter=200, tol=0)
    assert sk_beta_divergence(X, W, H, 1) == pytest.approx(sk_beta_divergence(X, W_sk, H, 1), rel=1e-4)


@needs_sklearn
def test_clone_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = demix.NMF(3, solver="mu", beta_loss="kullback-leibler", random_state=1)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    X, _, _ = planted(60, 30, 3, seed=5)
    pipe = make_pipeline(FunctionTransformer(np.abs), demix.NMF(3, max_iter=300, random_state=0))
    assert pipe.fit_transform(X).shape == (60, 3)

    def score(est, X, y=None):
        return -np.linalg.norm(X - est.inverse_transform(est.transform(X)))

    search = GridSearchCV(demix.NMF(max_iter=300, random_state=0), {"n_components": [1, 3]},
                          scoring=score, cv=2).fit(X)
    assert search.best_params_ == {"n_components": 3}


# --- long calls: the GIL and Ctrl-C --------------------------------------------------------
def test_fit_releases_the_gil():
    X = data(300, 300)
    model = demix.NMF(10, solver="mu", max_iter=4000, tol=0, n_threads=1)
    worker = threading.Thread(target=model.fit, args=(X,))
    worker.start()
    spins = 0
    while worker.is_alive():
        spins += 1
    worker.join()
    assert model.n_iter_ == 4000
    assert spins > 10000  # this thread ran Python code during the fit


def test_keyboard_interrupt_cancels_a_fit():
    X = data(300, 300)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        demix.NMF(10, solver="mu", max_iter=10**7, tol=0, n_threads=1).fit(X)
    assert time.monotonic() - started < 60
