// demix._demix: the engine's NMF for Python. The scikit-learn-style
// interface (argument checks, conventions) is python/demix/_nmf.py; this file only moves
// arrays in and out, releases the GIL and turns engine errors into Python ones.
//
// Arrays: V is F × T float32 in Fortran (column-major) order, the engine's layout, so a
// C-ordered n_samples × n_features float32 X passes as X.T without a copy.
#include <demix/demix.hpp>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

namespace py = pybind11;

namespace {

using FArray = py::array_t<float, py::array::f_style | py::array::forcecast>;

demix::Matrix toMatrix(const FArray& a, const char* what) {
    if (a.ndim() != 2) throw demix::InvalidArgument(std::string(what) + " must be 2-D");
    Eigen::Map<const demix::Matrix> map(a.data(), a.shape(0), a.shape(1));
    return demix::Matrix(map);
}

FArray toArray(const demix::Matrix& m) {
    FArray a({m.rows(), m.cols()});
    Eigen::Map<demix::Matrix>(a.mutable_data(), m.rows(), m.cols()) = m;
    return a;
}

demix::Objective objectiveOf(double beta) {
    if (beta == 1.0) return demix::Objective::KullbackLeibler;
    if (beta == 2.0) return demix::Objective::Frobenius;
    if (beta == 0.0) return demix::Objective::ItakuraSaito;
    return demix::Objective::Beta;
}

// factorize(V, ...) -> (W, H, iterations, objective values, objective iterations, converged)
py::tuple factorize(const FArray& V, int components, double beta, const std::string& solver,
                    const std::string& init, std::uint64_t seed, int maxIterations, double tol,
                    int evalEvery, float sparsityW, float sparsityH, bool normaliseW,
                    bool accelerate, const std::string& precision, float activationFloor,
                    int threads, std::optional<FArray> W0, std::optional<FArray> H0,
                    bool freezeW, std::optional<py::function> progress) {
    demix::NmfSettings s;
    s.components = components;
    s.objective = objectiveOf(beta);
    s.beta = static_cast<float>(beta);
    s.solver = demix::solverFromString(solver);
    s.init = demix::initialisationFromString(init);
    s.seed = seed;
    s.maxIterations = maxIterations;
    s.tol = tol;
    s.evalEvery = evalEvery;
    s.sparsityW = sparsityW;
    s.sparsityH = sparsityH;
    s.normaliseW = normaliseW;
    s.accelerate = accelerate;
    s.precision = demix::precisionFromString(precision);
    s.activationFloor = activationFloor;
    s.threads = threads;

    const demix::Matrix v = toMatrix(V, "X");
    demix::NmfInit start;
    if (W0) start.W = toMatrix(*W0, "W");
    if (H0) start.H = toMatrix(*H0, "H");
    if (freezeW) start.freezeW.assign(static_cast<std::size_t>(components), true);

    // The progress callback runs on this thread between iterations: it takes the GIL back
    // to notice Ctrl-C (and to call the Python callback); a pending Python error stops
    // the factorisation and is raised once it has returned.
    bool pythonError = false;
    demix::NmfProgress onIteration = [&](int iteration, int maxIter, double objective) {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
            pythonError = true;
            return false;
        }
        if (progress) {
            try {
                (*progress)(iteration, maxIter, objective);
            } catch (py::error_already_set& e) {
                e.restore();
                pythonError = true;
                return false;
            }
        }
        return true;
    };

    demix::NmfResult r;
    {
        py::gil_scoped_release noGil;
        r = demix::factorize(v, s, start, onIteration);
    }
    if (pythonError) throw py::error_already_set();
    return py::make_tuple(toArray(r.W), toArray(r.H), r.iterations, r.objective,
                          r.objectiveIterations, r.converged);
}

}  // namespace

PYBIND11_MODULE(_demix, m) {
    m.doc() = "The Demix engine's NMF (see the demix package for the Python interface).";
    // InvalidArgument is a bad value from the caller: ValueError, as scikit-learn raises.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const demix::InvalidArgument& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const demix::Error& e) {
            PyErr_SetString(PyExc_RuntimeError, e.what());
        }
    });
    m.def("version", &demix::versionString, "The engine's version, MAJOR.MINOR.PATCH.");
    m.def("factorize", &factorize, py::arg("V"), py::arg("components"), py::arg("beta"),
          py::arg("solver"), py::arg("init"), py::arg("seed"), py::arg("max_iter"),
          py::arg("tol"), py::arg("eval_every"), py::arg("sparsity_w"), py::arg("sparsity_h"),
          py::arg("normalise_w"), py::arg("accelerate"), py::arg("precision"),
          py::arg("activation_floor"), py::arg("threads"), py::arg("W") = py::none(),
          py::arg("H") = py::none(), py::arg("freeze_w") = false,
          py::arg("progress") = py::none(),
          "V (F x T, float32) ~ W H with the engine's NMF. Releases the GIL while it runs; "
          "Ctrl-C stops it (KeyboardInterrupt).");
}
