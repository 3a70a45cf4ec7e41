#!/usr/bin/env bash
# GUI smoke test of DemixApp under Xvfb: launches the real app with a real WAV file,
# runs an unsupervised separation, regroups, exports stems/pictures/templates/project,
# saves a screenshot of the main window (kept as a test artefact in OUT_DIR); reopens the
# project in a second launch and checks it exports identical stems; runs a supervised
# separation with sources learned from selected time ranges, and one grouping free
# components by sources learned from time ranges; and checks that a bad file
# gives a clear error and a failing exit code.
# Usage: gui_smoke_test.sh PATH/TO/DemixApp OUT_DIR
set -euo pipefail
app=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
cd "$out"

run_app() {
  # A fresh X server per launch; 24-bit screen so the screenshot has true colours.
  timeout 240 xvfb-run -a -s "-screen 0 1600x1000x24" "$app" "$@"
}

# 3 s stereo test mix at 22.05 kHz: a low harmonic tone, then a bright one, overlapping.
python3 - <<'PY'
import math, struct, wave
rate, seconds = 22050, 3.0
n = int(rate * seconds)
frames = bytearray()
for i in range(n):
    t = i / rate
    low = sum(math.sin(2 * math.pi * 110 * h * t) / h for h in range(1, 5)) if t < 1.8 else 0.0
    high = (math.sin(2 * math.pi * 1760 * t) + 0.5 * math.sin(2 * math.pi * 2637 * t)) if t > 1.2 else 0.0
    l, r = 0.25 * low + 0.14 * high, 0.17 * low + 0.2 * high
    frames += struct.pack('<hh', int(l * 32767), int(r * 32767))
with wave.open('mix.wav', 'wb') as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate); w.writeframes(bytes(frames))
PY

run_app --open mix.wav --method unsupervised --components 6 --sources 2 --fft 1024 --hop 256 \
  --iterations 80 --seed 3 --run --move 1:2 --format pcm24 --export stems \
  --export-pictures pictures --export-templates learned.dmxt --save-project song.demix \
  --screenshot screenshot.png --quit > run1.log 2>&1 || { cat run1.log; echo "FAIL: first run"; exit 1; }
cat run1.log

# Second launch: reopen the project and export again; stems must be bit-identical.
run_app --project song.demix --format pcm24 --export stems2 --quit > run2.log 2>&1 \
  || { cat run2.log; echo "FAIL: reopening the project"; exit 1; }

# Third launch: supervised, each source learned from a range selected on the timeline.
run_app --open mix.wav --fft 1024 --hop 256 --iterations 60 --select 0.1:1.1 --learn-selection low,3 \
  --select 1.9:2.9 --learn-selection high,3 --run --format pcm24 --export supervised --quit > run4.log 2>&1 \
  || { cat run4.log; echo "FAIL: supervised run from selections"; exit 1; }

# Fourth launch: free components grouped by sources learned from time ranges.
run_app --open mix.wav --method grouped-by-library --components 6 --fft 1024 --hop 256 --iterations 60 \
  --learn low:0.1:1.1:3 --learn high:1.9:2.9:3 --run --format pcm24 --export grouped --quit > run5.log 2>&1 \
  || { cat run5.log; echo "FAIL: run grouped by library"; exit 1; }

# A bad file: clear error message and exit code 1, no crash.
echo "not audio" > bad.wav
set +e
run_app --open bad.wav --quit > run3.log 2>&1
code=$?
set -e
grep -q "not a WAV, AIFF or FLAC" run3.log || { cat run3.log; echo "FAIL: no clear error for a bad file"; exit 1; }
[ "$code" = 1 ] || { cat run3.log; echo "FAIL: bad file exit code $code (want 1)"; exit 1; }

python3 - <<'PY'
import os, struct, sys, wave

def read(path):
    with wave.open(path, 'rb') as w:
        width, ch, n = w.getsampwidth(), w.getnchannels(), w.getnframes()
        raw = w.readframes(n)
        rate = w.getframerate()
    scale = float(1 << (8 * width - 1))
    values = [int.from_bytes(raw[i:i + width], 'little', signed=True) / scale
              for i in range(0, len(raw), width)]
    return rate, ch, values

fail = []
stems = sorted(os.listdir('stems'))
if len(stems) != 2 or not all(s.startswith('mix-') and s.endswith('.wav') for s in stems):
    fail.append('expected 2 stems mix-*.wav, got %s' % stems)
rate, ch, mix = read('mix.wav')
total = [0.0] * len(mix)
for s in stems:
    r, c, v = read(os.path.join('stems', s))
    if (r, c, len(v)) != (rate, ch, len(mix)):
        fail.append('%s: %s Hz, %s ch, %s samples' % (s, r, c, len(v)))
        continue
    total = [a + b for a, b in zip(total, v)]
    if max(abs(x) for x in v) < 1e-3:
        fail.append('%s is silent' % s)
err = max(abs(a - b) for a, b in zip(total, mix))
print('stems sum to the mix within %.2e' % err)
if err > 2e-4:
    fail.append('stems do not sum to the mix (max error %.3g)' % err)
def energy(v, ch, rate, t0, t1):
    return sum(x * x for x in v[int(t0 * rate) * ch:int(t1 * rate) * ch])

def check_two_tones(folder, label, factor):
    """The stems mix-low.wav and mix-high.wav in folder: each dominates where only its tone
    plays (0.1-1.1 s the low one, 1.9-2.9 s the high one) by `factor`, and they sum to the mix."""
    found = {s: read(os.path.join(folder, s)) for s in ['mix-low.wav', 'mix-high.wav'] if os.path.exists(os.path.join(folder, s))}
    if len(found) != 2:
        fail.append('%s: expected mix-low.wav and mix-high.wav, got %s' % (label, os.listdir(folder)))
        return
    low, high = found['mix-low.wav'][2], found['mix-high.wav'][2]
    a, b = energy(low, ch, rate, 0.1, 1.1), energy(high, ch, rate, 0.1, 1.1)
    c, d = energy(high, ch, rate, 1.9, 2.9), energy(low, ch, rate, 1.9, 2.9)
    print('%s: low/high energy where only low plays %.1f, high/low where only high plays %.1f' % (label, a / max(b, 1e-12), c / max(d, 1e-12)))
    if a < factor * b or c < factor * d:
        fail.append('%s stems do not separate the two tones' % label)
    err2 = max(abs(x + y - m) for x, y, m in zip(low, high, mix))
    if err2 > 2e-4:
        fail.append('%s stems do not sum to the mix (max error %.3g)' % (label, err2))

check_two_tones('supervised', 'supervised', 20)
check_two_tones('grouped', 'grouped by library', 10)
for s in stems:
    if open(os.path.join('stems', s), 'rb').read() != open(os.path.join('stems2', s), 'rb').read():
        fail.append('reopened project exported a different %s' % s)
for p in ['spectrogram.png', 'sources.png', 'templates.png', 'activations.png', 'objective.png']:
    if not os.path.exists(os.path.join('pictures', p)):
        fail.append('missing picture ' + p)
for f in ['learned.dmxt', 'song.demix']:
    if not os.path.getsize(f) > 100:
        fail.append('missing or empty ' + f)
png = open('screenshot.png', 'rb').read()
if png[:8] != b'\x89PNG\r\n\x1a\n':
    fail.append('screenshot is not a PNG')
else:
    w, h = struct.unpack('>II', png[16:24])
    print('screenshot %dx%d, %d bytes' % (w, h, len(png)))
    if w < 1000 or h < 700 or len(png) < 30000:
        fail.append('screenshot too small or blank (%dx%d, %d bytes)' % (w, h, len(png)))
if fail:
    print('FAIL: ' + '; '.join(fail))
    sys.exit(1)
print('GUI smoke test passed; screenshot: ' + os.path.abspath('screenshot.png'))
PY
