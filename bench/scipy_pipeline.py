#!/usr/bin/python3
"""The reference for figure 4: Demix's supervised pipeline written with scipy + sklearn.

Same stages as `demix separate MIX --templates ... -o OUT` with Demix's defaults:

1. read the WAV; STFT of every channel (scipy.signal.stft, Hann, FFT/hop as stored with
   the templates: Demix's defaults 4096/1024); V = mean channel magnitude;
2. the frozen stage (`--frozen N`, Demix's 25): KL multiplicative updates of the
   activations H with the templates W fixed, from a flat start;
3. the adaptation stage (`--adapt N`, Demix's 50; `--anchor a`, Demix's 0.25): KL-MU of W
   and H, every W update blended with the library, W <- (W + a W0) / (1 + a), as
   `SeparationSettings::adaptAnchor` does;
4. α-Wiener masks per source (`--alpha`, Demix's 2);
5. for a stereo mix, the spatial (multichannel) Wiener filter (`--spatial P`, Demix's 2
   passes): per source a 2 x 2 spatial covariance R_s(f), estimated in P passes over every
   (FFT / (2 hop))-th frame (first from the masked mix, m_s^2 x x^H, then from the
   filtered estimates, y_s y_s^H; each scaled to trace 2 plus 1e-4 on the diagonal), and
   the stems y_s = m_s R_s (sum_j m_j R_j)^-1 x; with P = 0 the stems are m_s x;
6. iSTFT of every stem channel (scipy.signal.istft), one WAV per stem.

The frozen stage uses scikit-learn itself: sklearn's NMF cannot freeze W, but V = W H is
V^T = H^T W^T, and `non_negative_factorization(V^T, H=W^T, update_H=False, solver='mu',
beta_loss='kullback-leibler', tol=0)` updates only H^T: exactly the KL-MU activation
update with W fixed, for a fixed iteration count (tol = 0), from sklearn's flat start.
sklearn cannot anchor templates, so the adaptation is the same MU written in numpy
(sklearn's own MU is numpy too): per iteration W@H, V/WH, (V/WH)@H^T, W@H, W^T@(V/WH),
the products Demix's adaptation forms (Demix extrapolates them, which costs no product
more). float32 throughout (sklearn's faster precision; it keeps the input's dtype).

    /usr/bin/python3 bench/scipy_pipeline.py learn TRAIN_DIR TEMPLATES.npz [-k 16] [--fft 4096 --hop 1024]
    /usr/bin/python3 bench/scipy_pipeline.py separate MIX.wav TEMPLATES.npz OUTDIR
        [--frozen 25] [--adapt 50] [--anchor 0.25] [--spatial 2] [--alpha 2]

`--adapt 0 --spatial 0` is the masks-only pipeline with fixed templates (then `--frozen`
is the whole solve). The FFT size and hop are stored in TEMPLATES.npz by `learn`.

`learn` (not timed by the benchmark) fits sklearn NMF (KL, MU, 200 iterations) to each
of TRAIN_DIR/{bass,keys,drums}.wav. Debian packages only: python3-numpy, -scipy, -sklearn.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np
from scipy.io import wavfile
from scipy.signal import istft, stft
from sklearn.decomposition import NMF, non_negative_factorization

SOURCES = ("bass", "keys", "drums")
EPS = 1e-10


def read(path):
    rate, data = wavfile.read(path)
    if data.dtype == np.int16:
        data = data.astype(np.float32) / 32768.0
    data = np.asarray(data, dtype=np.float32)
    return rate, (data[:, None] if data.ndim == 1 else data).T  # channels × samples


def spectra(audio, fft, hop):
    _, _, X = stft(audio, nperseg=fft, noverlap=fft - hop, window="hann", axis=-1)
    return X  # channels × F × T, complex64 for float32 input


def learn(args):
    templates = {}
    for source in SOURCES:
        _, audio = read(os.path.join(args.train_dir, source + ".wav"))
        V = np.abs(spectra(audio, args.fft, args.hop)).mean(axis=0).astype(np.float32)
        model = NMF(n_components=args.k, beta_loss="kullback-leibler", solver="mu",
                    max_iter=200, init="nndsvda", random_state=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(V.T)
        W = model.components_.T  # F × K
        templates[source] = (W / np.maximum(W.sum(axis=0), EPS)).astype(np.float32)
    np.savez(args.templates, fft=np.int64(args.fft), hop=np.int64(args.hop), **templates)


def adapt(V, W, H, iterations, anchor):
    """Anchored KL-MU of W and H (float32). As sklearn's MU does with its own activations,
    activations below float64's epsilon are set to 0 after each update: without that they
    drift into subnormal floats and every array operation slows down (2.4x measured here).
    One F x T buffer is reused for W H and V / (W H) (fresh 64 MB arrays cost page faults)."""
    W0 = W.copy()
    keep = np.float32(1.0 / (1.0 + anchor))
    R = np.empty_like(V)
    tiny = np.finfo(np.float64).eps

    def ratio():  # R = V / max(W H, EPS), in place
        np.matmul(W, H, out=R)
        np.maximum(R, EPS, out=R)
        np.divide(V, R, out=R)

    for _ in range(iterations):
        ratio()
        # (H R^T)^T, not R H^T: the same product, twice as fast in OpenBLAS here
        W *= (H @ R.T).T / np.maximum(H.sum(axis=1), EPS)[None, :]
        if anchor > 0:
            W += np.float32(anchor) * W0
            W *= keep
        ratio()
        H *= (W.T @ R) / np.maximum(W.sum(axis=0), EPS)[:, None]
        H[H < tiny] = 0.0
    return W, H


def spatial_filter(X, masks, passes, stride, loading=1e-4):
    """The stereo spatial Wiener filter: returns, per source, a function of nothing that
    gives its filtered 2 x F x T estimate (made on demand: one source's arrays at a time)."""
    S = len(masks)
    F = X.shape[1]
    # R_s(f) = [[r00, r01], [conj(r01), r11]], identity to begin with.
    r00 = np.ones((S, F)); r11 = np.ones((S, F)); r01 = np.zeros((S, F), complex)

    def solve(Xs, ms):
        a = sum(m * r00[s, :, None].astype(np.float32) for s, m in enumerate(ms))
        d = sum(m * r11[s, :, None].astype(np.float32) for s, m in enumerate(ms))
        b = sum(m * r01[s, :, None].astype(np.complex64) for s, m in enumerate(ms))
        inv = 1.0 / np.maximum(a * d - (b.real ** 2 + b.imag ** 2), 1e-30)
        z0 = (d * Xs[0] - b * Xs[1]) * inv
        z1 = (a * Xs[1] - np.conj(b) * Xs[0]) * inv
        return z0, z1

    def estimate(s, m, z0, z1):
        c = r01[s, :, None].astype(np.complex64)
        return (m * (r00[s, :, None].astype(np.float32) * z0 + c * z1),
                m * (np.conj(c) * z0 + r11[s, :, None].astype(np.float32) * z1))

    def update(stats):
        for s, (c00, c11, c01) in enumerate(stats):
            trace = c00 + c11
            ok = (trace > 0) & np.isfinite(trace)
            scale = np.where(ok, 2.0 / np.where(ok, trace, 1.0), 0.0)
            r00[s] = np.where(ok, c00 * scale + loading, 1.0)
            r11[s] = np.where(ok, c11 * scale + loading, 1.0)
            r01[s] = np.where(ok, c01 * scale, 0.0)

    Xs = X[:, :, stride - 1::stride]
    ms = [m[:, stride - 1::stride] for m in masks]
    for p in range(passes):
        if p == 0:  # identity model: the masked mix's statistics
            xx = (np.abs(Xs[0]) ** 2, np.abs(Xs[1]) ** 2, Xs[0] * np.conj(Xs[1]))
            stats = [tuple((m * m * q).sum(axis=1, dtype=np.complex128 if q.dtype.kind == "c" else np.float64)
                           for q in xx) for m in ms]
        else:
            z0, z1 = solve(Xs, ms)
            stats = []
            for s, m in enumerate(ms):
                y0, y1 = estimate(s, m, z0, z1)
                stats.append(((np.abs(y0) ** 2).sum(axis=1, dtype=np.float64),
                              (np.abs(y1) ** 2).sum(axis=1, dtype=np.float64),
                              (y0 * np.conj(y1)).sum(axis=1, dtype=np.complex128)))
        update(stats)
    z0, z1 = solve(X, masks)
    return [lambda s=s, m=m: np.stack(estimate(s, m, z0, z1)) for s, m in enumerate(masks)]


def separate(args):
    clock = [time.perf_counter()]

    def stage(name):  # --timings: seconds per stage on stderr
        clock.append(time.perf_counter())
        if args.timings:
            print(f"  {name}: {clock[-1] - clock[-2]:.2f} s", file=sys.stderr)

    library = np.load(args.templates)
    names = [n for n in SOURCES if n in library.files]
    W = np.concatenate([library[n] for n in names], axis=1).astype(np.float32)
    sizes = [library[n].shape[1] for n in names]
    fft, hop = int(library["fft"]), int(library["hop"])
    rate, audio = read(args.mix)
    X = spectra(audio, fft, hop)
    V = np.abs(X).mean(axis=0).astype(np.float32)
    stage("read + STFT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "maximum number of iterations reached"
        Ht, _, n_iter = non_negative_factorization(
            V.T, H=np.ascontiguousarray(W.T), n_components=W.shape[1], update_H=False,
            solver="mu", beta_loss="kullback-leibler", tol=0.0, max_iter=args.frozen)
    H = np.ascontiguousarray(Ht.T)
    stage("frozen stage (sklearn)")
    if args.adapt > 0:
        W, H = adapt(V, W, H, args.adapt, args.anchor)
        stage("adaptation")
    parts, start = [], 0
    for size in sizes:
        parts.append(W[:, start:start + size] @ H[start:start + size])
        start += size
    if args.alpha != 1.0:
        parts = [np.power(p, np.float32(args.alpha)) for p in parts]
    # Masks sum to one everywhere, as Demix's do: where every model is (numerically) zero,
    # e.g. (W H)^α underflowing in float32, the sources share the bin equally.
    total = sum(parts)
    empty = total < EPS
    total[empty] = 1.0
    masks = [np.where(empty, np.float32(1.0 / len(parts)), p / total) for p in parts]
    del parts, total, empty
    stage("masks")
    stride = max(1, fft // (2 * hop))
    if X.shape[0] == 2 and args.spatial > 0:
        stems = spatial_filter(X, masks, args.spatial, stride)
        stage("spatial model + solve")
    else:
        stems = [lambda m=m: X * m[None] for m in masks]
    os.makedirs(args.outdir, exist_ok=True)
    for name, stem in zip(names, stems):
        _, y = istft(stem(), nperseg=fft, noverlap=fft - hop, window="hann")
        y = y[:, : audio.shape[1]].astype(np.float32)
        wavfile.write(os.path.join(args.outdir, name + ".wav"), rate, y.T)
    stage("stems: filter, iSTFT, write")
    print(f"{n_iter} frozen + {args.adapt} adaptation iterations, spatial passes "
          f"{args.spatial if X.shape[0] == 2 else 0}, {len(names)} stems in {args.outdir}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("learn")
    a.add_argument("train_dir")
    a.add_argument("templates")
    a.add_argument("-k", type=int, default=16)
    a.add_argument("--fft", type=int, default=4096)
    a.add_argument("--hop", type=int, default=1024)
    b = sub.add_parser("separate")
    b.add_argument("mix")
    b.add_argument("templates")
    b.add_argument("outdir")
    b.add_argument("--frozen", type=int, default=25)
    b.add_argument("--adapt", type=int, default=50)
    b.add_argument("--anchor", type=float, default=0.25)
    b.add_argument("--spatial", type=int, default=2)
    b.add_argument("--alpha", type=float, default=2.0)
    b.add_argument("--timings", action="store_true", help="seconds per stage on stderr")
    args = p.parse_args()
    (learn if args.command == "learn" else separate)(args)


if __name__ == "__main__":
    sys.exit(main())
