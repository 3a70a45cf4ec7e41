#!/usr/bin/python3
"""Figure 4's reference (bench/scipy_pipeline.py) must run the pipeline it claims to run.

On a short generated song (bench/make_long_audio.py: stereo, bass/keys/drums, training
clips), it learns templates with sklearn and separates with Demix's default stages (frozen,
anchored adaptation, spatial filter) and masks only. Checked: one stem per source with the
mix's shape; the stems sum to the mix (the masks sum to one, and so does the spatial filter's
Σ_s m_s R_s Σ⁻¹); the adaptation and the spatial filter each change the stems; the report
line names the stages. A wrong reference would make figure 4's ratio meaningless.

    /usr/bin/python3 tests/bench/test_scipy_pipeline.py   (exit 0 = pass)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.io import wavfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
PY = sys.executable
SOURCES = ("bass", "keys", "drums")


def run(*args):
    r = subprocess.run([PY, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAILED: {' '.join(args)}\n{r.stdout}{r.stderr}")
    return r.stdout


def read(path):
    rate, x = wavfile.read(path)
    return rate, x.astype(np.float64) / (32768.0 if x.dtype == np.int16 else 1.0)


def main():
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        song = os.path.join(tmp, "song")
        run(os.path.join(BENCH, "make_long_audio.py"), song, "--seconds", "6", "--seed", "3",
            "--train-seconds", "4")
        npz = os.path.join(tmp, "templates.npz")
        run(os.path.join(BENCH, "scipy_pipeline.py"), "learn", os.path.join(song, "train"), npz,
            "-k", "4", "--fft", "2048", "--hop", "512")
        rate, mix = read(os.path.join(song, "mix.wav"))
        stems = {}
        for label, extra in (("defaults", []),
                             ("no-spatial", ["--spatial", "0"]),
                             ("masks", ["--adapt", "0", "--spatial", "0", "--frozen", "75"])):
            out = os.path.join(tmp, label)
            line = run(os.path.join(BENCH, "scipy_pipeline.py"), "separate",
                       os.path.join(song, "mix.wav"), npz, out, *extra)
            if label == "defaults":
                check("25 frozen + 50 adaptation iterations, spatial passes 2" in line,
                      f"the defaults are Demix's stages ({line.strip()})")
            parts = [read(os.path.join(out, s + ".wav")) for s in SOURCES]
            check(all(r == rate and x.shape == mix.shape for r, x in parts),
                  f"{label}: one stem per source, the mix's rate and shape")
            error = np.abs(sum(x for _, x in parts) - mix).max()
            check(error < 1e-4, f"{label}: the stems sum to the mix (max error {error:.1e})")
            stems[label] = np.stack([x for _, x in parts])
        for a, b, what in (("defaults", "no-spatial", "the spatial filter"),
                           ("no-spatial", "masks", "the adaptation")):
            change = np.abs(stems[a] - stems[b]).max() / np.abs(mix).max()
            check(change > 1e-3, f"{what} changes the stems (by {change:.1e} of the mix's peak)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
