#!/usr/bin/python3
"""Whole-pipeline benchmarks of the `demix` command (figures 4, 7 and 8).

    /usr/bin/python3 bench/bench_pipeline.py DEMIX AUDIO_DIR WORK_DIR MODE [--runs N]

MODE:
  pipeline  figure 4: `demix separate` of AUDIO_DIR/mix.wav with a 3-source library of
            48 templates (16 per source, learned from AUDIO_DIR/train/ beforehand, not
            timed), stems written, Demix's default settings -- alternating with
            bench/scipy_pipeline.py doing the same pipeline (same STFT, stages, anchor, α
            and spatial passes, Demix's largest per-chunk iteration counts, no early
            stop). Then (--variants masks) both without adaptation and spatial filter:
            fixed templates, masks only, the same number of plain MU iterations.
  memory    figure 7: peak RSS (/usr/bin/time -v) of `demix separate` on the 3-minute
            mix and on AUDIO_DIR/long.wav (60 minutes, generated if missing), checking
            that the long file's stems sum to the mix.
  scaling   figure 8: `demix batch` on 8 files with --jobs 1 and --jobs 2 (one worker
            thread per job), alternating; and one file with --threads 1 vs 2.

Every command runs under /usr/bin/time -v; printed: median wall, median CPU (user +
sys) and peak RSS, over N runs (default 5), and ratios of medians measured in the same
run. The machine's load (os.getloadavg) is printed before and after: on a shared,
loaded machine wall times are inflated and CPU times are the meaningful figure.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
SOURCES = ("bass", "keys", "drums")


def timed(cmd, quiet=True):
    """Runs cmd under /usr/bin/time -v: returns (wall s, cpu s, peak RSS MB)."""
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")

    def field(name):
        return re.search(re.escape(name) + r":\s*(\S+)", r.stderr).group(1)

    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)")) / 1024.0
    if not quiet:
        print(r.stdout.strip())
    return wall, cpu, rss


def load():
    return "load average %.1f %.1f %.1f" % os.getloadavg()


def summary(label, samples):
    walls, cpus, rss = zip(*samples)
    med = statistics.median
    print(f"  {label}: median wall {med(walls):.2f} s, median CPU {med(cpus):.2f} s, "
          f"peak RSS {max(rss):.0f} MB  (walls {', '.join('%.2f' % w for w in walls)})")
    return med(walls), med(cpus)


def ensure_libraries(demix, audio, work, restarts=1):
    """The figures' library: 16 templates per source, one template set (--restarts 1: the
    48-template workload of figure 4). With restarts > 1, a restart ensemble as
    `demix learn` makes by default (every member separates the mix: restarts x the NMF)."""
    libs = []
    for s in SOURCES:
        path = os.path.join(work, s + (".dmxt" if restarts == 1 else "-r%d.dmxt" % restarts))
        if not os.path.exists(path):
            subprocess.run([demix, "learn", os.path.join(audio, "train", s + ".wav"), "--name", s,
                            "-k", "16", "--seed", "1", "--restarts", str(restarts), "--quiet",
                            "-o", path], check=True)
        libs += ["--templates", path]
    return libs


def demix_separate(demix, libs, mix, out, extra=()):
    shutil.rmtree(out, ignore_errors=True)
    return [demix, "separate", mix, *libs, "--quiet", *extra, "-o", out]


def alternate(label_a, A, out_a, label_b, B, out_b, runs_a, runs_b):
    """Runs A and B alternately (A first in odd rounds, B first in even ones); returns
    the medians ((wall, cpu) of A, (wall, cpu) of B) and prints the ratio."""
    ra, rb = [], []
    for run in range(max(runs_a, runs_b)):
        order = (0, 1) if run % 2 == 0 else (1, 0)
        for which in order:
            if which == 0 and run < runs_a:
                shutil.rmtree(out_a, ignore_errors=True)
                ra.append(timed(A))
                print(f"  run {run + 1} {label_a}: {ra[-1][0]:.2f} s wall / {ra[-1][1]:.2f} s CPU / {ra[-1][2]:.0f} MB", flush=True)
            elif which == 1 and run < runs_b:
                shutil.rmtree(out_b, ignore_errors=True)
                rb.append(timed(B))
                print(f"  run {run + 1} {label_b}: {rb[-1][0]:.2f} s wall / {rb[-1][1]:.2f} s CPU / {rb[-1][2]:.0f} MB", flush=True)
    wa, ca = summary(label_a, ra)
    wb, cb = summary(label_b, rb)
    print(f"  ratio {label_b} / {label_a}: wall {wb / wa:.1f}x, CPU {cb / ca:.1f}x  ({load()})")
    return (wa, ca), (wb, cb)


def pipeline(a):
    libs = ensure_libraries(a.demix, a.audio, a.work, a.restarts)
    mix = os.path.join(a.audio, "mix.wav")
    outA, outB = os.path.join(a.work, "stems-demix"), os.path.join(a.work, "stems-scipy")
    report = os.path.join(a.work, "report.json")
    # A: what a user runs (default settings, all cores).
    A = demix_separate(a.demix, libs, mix, outA, ["--json", report])
    subprocess.run(A, check=True)
    rep = json.load(open(report))
    iterations = rep["iterations"]
    n_iter = max(iterations) if isinstance(iterations, list) else iterations
    st = rep["settings"]
    fft, hop, alpha = st["fft"], st["hop"], st["alpha"]
    adapt, anchor, spatial = st["adapt_iterations"], st["adapt_anchor"], st["spatial_passes"]
    frozen = n_iter - adapt if adapt > 0 else n_iter  # the frozen stage may stop early (tol)
    # B: the same pipeline (same STFT, templates per source, stages, iteration counts (the
    # largest chunk's, no early stop), anchor, α and spatial passes); its templates learned
    # by sklearn at the same STFT.
    npz = os.path.join(a.work, f"scipy-templates-{fft}-{hop}.npz")
    if not os.path.exists(npz):
        subprocess.run([PY, os.path.join(HERE, "scipy_pipeline.py"), "learn",
                        os.path.join(a.audio, "train"), npz, "--fft", str(fft), "--hop", str(hop)],
                       check=True)
    ref = [PY, os.path.join(HERE, "scipy_pipeline.py"), "separate", mix, npz, outB, "--alpha", str(alpha)]
    B = ref + ["--frozen", str(frozen), "--adapt", str(adapt), "--anchor", str(anchor),
               "--spatial", str(spatial)]
    print(f"pipeline ({load()}); demix iterations {iterations} "
          f"({frozen} frozen + {adapt} adaptation), spatial passes {spatial}")
    if "defaults" in a.variants:
        print(f"  defaults -- A: {' '.join(A)}\n  B: {' '.join(B)}")
        alternate("demix separate", A, outA, "scipy + sklearn", B, outB, a.runs, a.runs_b)
    if "masks" in a.variants:
        # The fixed-template, masks-only pipeline in both: the same n_iter plain MU
        # activation updates (no early stop), no adaptation, no spatial filter.
        A2 = demix_separate(a.demix, libs, mix, outA, [
            "--adapt", "0", "--spatial", "0", "--accelerate", "off", "--tol", "0",
            "--iterations", str(n_iter)])
        B2 = ref + ["--frozen", str(n_iter), "--adapt", "0", "--spatial", "0"]
        print(f"  masks only -- A: {' '.join(A2)}\n  B: {' '.join(B2)}")
        alternate("demix separate (masks only)", A2, outA, "scipy + sklearn (masks only)", B2,
                  outB, a.runs, a.runs_b)


def write_long(a, path, minutes):
    if not os.path.exists(path):
        subprocess.run([PY, os.path.join(HERE, "make_long_audio.py"), os.path.dirname(path),
                        "--seconds", str(60 * minutes), "--name",
                        os.path.splitext(os.path.basename(path))[0], "--seed", "7", "--no-train"],
                       check=True)


def memory(a):
    libs = ensure_libraries(a.demix, a.audio, a.work, a.restarts)
    mix = os.path.join(a.audio, "mix.wav")
    out = os.path.join(a.work, "stems-memory")
    print(f"memory ({load()})")
    cmd = demix_separate(a.demix, libs, mix, out)
    print(f"  {' '.join(cmd)}")
    summary("3-minute stereo", [timed(demix_separate(a.demix, libs, mix, out)) for _ in range(a.runs)])
    long_path = os.path.join(a.audio, "long", "long.wav")
    write_long(a, long_path, a.long_minutes)
    cmd = demix_separate(a.demix, libs, long_path, out)
    print(f"  {' '.join(cmd)}")
    wall, cpu, rss = timed(cmd)
    print(f"  {a.long_minutes}-minute stereo: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {rss:.0f} MB")
    check_sum(long_path, [os.path.join(out, s + ".wav") for s in SOURCES])


def check_sum(mix_path, stem_paths):
    """Max |Σ stems − mix| over the whole file, read block by block (stems may be float)."""
    from scipy.io import wavfile
    mix = wavfile.read(mix_path, mmap=True)[1]
    stems = [wavfile.read(p, mmap=True)[1] for p in stem_paths]
    scale = lambda x: 1 / 32768.0 if x.dtype == np.int16 else 1.0
    worst, block = 0.0, 1 << 20
    for s in range(0, len(mix), block):
        total = sum(st[s:s + block].astype(np.float64) * scale(st) for st in stems)
        worst = max(worst, float(np.abs(total - mix[s:s + block] * scale(mix)).max()))
    print(f"  stems sum to the mix: max |sum - mix| = {worst:.2e} over {len(mix)} frames")


def scaling(a):
    libs = ensure_libraries(a.demix, a.audio, a.work, a.restarts)
    folder = os.path.join(a.audio, "batch")
    for i in range(8):
        path = os.path.join(folder, f"song{i + 1}.wav")
        if not os.path.exists(path):
            subprocess.run([PY, os.path.join(HERE, "make_long_audio.py"), folder, "--seconds",
                            str(a.batch_seconds), "--seed", str(100 + i), "--name",
                            f"song{i + 1}", "--no-train"], check=True, stdout=subprocess.DEVNULL)
    out = os.path.join(a.work, "batch-out")
    configs = {
        "--jobs 1 --threads 1": ["--jobs", "1", "--threads", "1"],
        "--jobs 2 (1 thread each)": ["--jobs", "2"],
    }
    print(f"scaling: demix batch of 8 files of {a.batch_seconds:.0f} s ({load()})")
    results = {k: [] for k in configs}
    for run in range(a.runs):
        order = list(configs) if run % 2 == 0 else list(reversed(configs))
        for k in order:
            shutil.rmtree(out, ignore_errors=True)  # else batch resumes and skips
            results[k].append(timed([a.demix, "batch", folder, *libs, "--quiet", *configs[k], "-o", out]))
    meds = {k: summary(k, v) for k, v in results.items()}
    j1, j2 = meds["--jobs 1 --threads 1"], meds["--jobs 2 (1 thread each)"]
    print(f"  speed-up --jobs 2 vs --jobs 1 (median wall, same run): {j1[0] / j2[0]:.2f}x ({load()})")
    mix = os.path.join(folder, "song1.wav")
    one = os.path.join(a.work, "stems-scaling")
    r1, r2 = [], []
    for run in range(a.runs):
        for threads in ((1, 2) if run % 2 == 0 else (2, 1)):
            res = timed(demix_separate(a.demix, libs, mix, one, ["--threads", str(threads)]))
            (r1 if threads == 1 else r2).append(res)
    w1, c1 = summary("one file, --threads 1", r1)
    w2, c2 = summary("one file, --threads 2", r2)
    print(f"  one file: --threads 2 speed-up {w1 / w2:.2f}x; CPU/wall with 2 threads "
          f"{c2 / w2:.2f} cores busy ({load()})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("demix")
    p.add_argument("audio")
    p.add_argument("work")
    p.add_argument("mode", choices=["pipeline", "memory", "scaling"])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--restarts", type=int, default=1,
                   help="template sets per source of the library (1: the figures' 48 templates)")
    p.add_argument("--runs-b", type=int, default=5, help="runs of the (slow) scipy reference")
    p.add_argument("--variants", default="defaults,masks",
                   help="pipeline: defaults (Demix's default stages in both) and/or masks "
                        "(fixed templates, masks only, in both)")
    p.add_argument("--long-minutes", type=float, default=60)
    p.add_argument("--batch-seconds", type=float, default=30)
    a = p.parse_args()
    a.demix = os.path.abspath(a.demix)
    os.makedirs(a.work, exist_ok=True)
    {"pipeline": pipeline, "memory": memory, "scaling": scaling}[a.mode](a)


if __name__ == "__main__":
    main()
