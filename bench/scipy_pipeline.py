#!/usr/bin/python3
"""The reference for figure 4: Demix's supervised pipeline written with scipy + sklearn.

Same steps as `demix separate MIX --templates ... -o OUT`: read the WAV, STFT of every
channel (scipy.signal.stft, Hann, FFT/hop as given: Demix's defaults 4096/1024), V = mean
channel magnitude, solve the activations H with the templates W fixed by KL multiplicative
updates, α-Wiener masks per source (α as given; Demix's default 2), masked iSTFT of every
channel (scipy.signal.istft), one WAV per stem.

The activation solve uses scikit-learn itself: sklearn's NMF cannot freeze W, but
V ≈ W·H is Vᵀ ≈ Hᵀ·Wᵀ, and `non_negative_factorization(Vᵀ, H=Wᵀ, update_H=False,
solver='mu', beta_loss='kullback-leibler', tol=0)` updates only Hᵀ: exactly the
KL-MU activation update with W fixed, for a fixed iteration count (tol = 0). float32
throughout (sklearn's faster precision; it keeps the input's dtype).

    /usr/bin/python3 bench/scipy_pipeline.py learn TRAIN_DIR TEMPLATES.npz [-k 16] [--fft 4096 --hop 1024]
    /usr/bin/python3 bench/scipy_pipeline.py separate MIX.wav TEMPLATES.npz OUTDIR [--iterations 200] [--alpha 2]

The FFT size and hop are stored in TEMPLATES.npz by `learn` and used by `separate`.

`learn` (not timed by the benchmark) fits sklearn NMF (KL, MU, 200 iterations) to each
of TRAIN_DIR/{bass,keys,drums}.wav. Debian packages only: python3-numpy, -scipy, -sklearn.
"""
import argparse
import os
import sys
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


def separate(args):
    library = np.load(args.templates)
    names = [n for n in SOURCES if n in library.files]
    W = np.concatenate([library[n] for n in names], axis=1).astype(np.float32)
    sizes = [library[n].shape[1] for n in names]
    fft, hop = int(library["fft"]), int(library["hop"])
    rate, audio = read(args.mix)
    X = spectra(audio, fft, hop)
    V = np.abs(X).mean(axis=0).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "maximum number of iterations reached"
        Ht, _, n_iter = non_negative_factorization(
            V.T, H=np.ascontiguousarray(W.T), n_components=W.shape[1], update_H=False,
            solver="mu", beta_loss="kullback-leibler", tol=0.0, max_iter=args.iterations)
    H = Ht.T
    parts, start = [], 0
    for size in sizes:
        parts.append(W[:, start:start + size] @ H[start:start + size])
        start += size
    if args.alpha != 1.0:
        parts = [np.power(p, args.alpha) for p in parts]
    total = np.maximum(sum(parts), EPS)
    os.makedirs(args.outdir, exist_ok=True)
    for name, part in zip(names, parts):
        mask = part / total
        _, y = istft(X * mask[None], nperseg=fft, noverlap=fft - hop, window="hann")
        y = y[:, : audio.shape[1]].astype(np.float32)
        wavfile.write(os.path.join(args.outdir, name + ".wav"), rate, y.T)
    print(f"{n_iter} iterations, {len(names)} stems in {args.outdir}")


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
    b.add_argument("--iterations", type=int, default=200)
    b.add_argument("--alpha", type=float, default=2.0)
    args = p.parse_args()
    (learn if args.command == "learn" else separate)(args)


if __name__ == "__main__":
    sys.exit(main())
