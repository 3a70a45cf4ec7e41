#!/usr/bin/python3
"""Renders the training material for Demix's default template libraries.

usage: render_training.py OUTDIR

Writes 44.1 kHz mono WAV clips to OUTDIR: kick.wav, snare.wav, hihat.wav, toms.wav,
cymbals.wav (drum-kit samples from Debian's hydrogen-drumkits / hydrogen-data placed at
seeded times and velocities), bass.wav and piano.wav (seeded MIDI rendered by fluidsynth
from Debian's fluid-soundfont-gm, reverb and chorus off) and voice.wav (real recorded
speech in eleven languages from Debian's ktuberling-data). Deterministic: a fixed seed,
fixed file lists. Only GPL-3-compatible material is used; see PROVENANCE.md. Needs
python3-numpy, python3-scipy, python3-soundfile, fluidsynth, ktuberling-data.
"""
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SR = 44100
KITS = '/usr/share/hydrogen/data/drumkits'
SF2 = '/usr/share/sounds/sf2/FluidR3_GM.sf2'

# Drum samples per part, as KIT/FILE. Kits: GPL-2-or-later or CC0 only (GPL-3 compatible).
# Files listed in the dev benchmark's mixes are left out on purpose.
DRUMS = {
    'kick': ['GMRockKit/Kick-Soft.wav', 'GMRockKit/Kick-Softest.wav',
             'VariBreaks/VP Kick 1.flac', 'VariBreaks/VP Kick 2.flac', 'VariBreaks/VP Kick 3.flac',
             'ElectricEmpireKit/EE_Kick_Hard_1.flac', 'ElectricEmpireKit/EE_Kick_Lite_1.flac',
             'ElectricEmpireKit/EE_Kick_Low_1.flac', 'TR808EmulationKit/808_Kick_Long.flac',
             'TR808EmulationKit/808_Kick_Short.flac', 'HardElectro1/PowR_BD_1.flac'],
    'snare': ['GMRockKit/Snare-Softest.wav', 'GMRockKit/SnareRimshot-Hard.wav',
              'GMRockKit/SnareRimshot-Med.wav', 'GMRockKit/SnareRimshot-Soft.wav',
              'ColomboAcousticDrumkit/snare-opaque-2mics_normal-shot1.flac',
              'ColomboAcousticDrumkit/snare-opaque-normal-mic-normal_shot2.flac',
              'ColomboAcousticDrumkit/snare-opaque-normal-mic-rimshot6.flac',
              'VariBreaks/VP Snare 1.flac', 'VariBreaks/VP Snare 2.flac', 'VariBreaks/VP Snare 3.flac',
              'ElectricEmpireKit/EE_Snare_1.flac', 'ElectricEmpireKit/EE_Snare_2.flac',
              'TR808EmulationKit/808_Snare_1.flac',
              'Audiophob/25671__walter-odington__garage-city-snare-snappy.wav'],
    'hihat': ['GMRockKit/HatClosed-Softest.wav', 'GMRockKit/HatPedal-Med.wav',
              'GMRockKit/HatPedal-Hard.wav', 'GMRockKit/HatSemiOpen-Med.wav',
              'GMRockKit/HatSemiOpen-Hard.wav', 'GMRockKit/HatOpen-Hard.wav',
              'ColomboAcousticDrumkit/hihat-open-1.flac', 'ColomboAcousticDrumkit/hihat-semi-open-2.flac',
              'VariBreaks/VP Hat 1 Cl.flac', 'VariBreaks/VP Hat 1 Op.flac', 'VariBreaks/VP Hat 1 Pd.flac',
              'VariBreaks/VP Hat 2 Cl.flac', 'VariBreaks/VP Hat 3 Cl.flac',
              'TR808EmulationKit/808_Hat_Closed.flac', 'TR808EmulationKit/808_Hat_Open.flac',
              'Audiophob/104227__minorr__hhat-paiste-302-14-open-p.wav'],
    'toms': ['GMRockKit/Tom1-Med.wav', 'GMRockKit/Tom2-Med.wav', 'GMRockKit/TomFloor-Med.wav',
             'ColomboAcousticDrumkit/tom-hi-1.flac', 'ColomboAcousticDrumkit/tom-mid-1.flac',
             'ColomboAcousticDrumkit/tom-low-1.flac', 'VariBreaks/VP Tom Hi.flac',
             'VariBreaks/VP Tom Mid.flac', 'VariBreaks/VP Tom Low.flac'],
    'cymbals': ['GMRockKit/Crash-Med.wav', 'GMRockKit/Ride-Med.wav', 'GMRockKit/24Ride-3.wav',
                'ColomboAcousticDrumkit/crash16i__crash1.flac', 'ColomboAcousticDrumkit/crash16i__ride2.flac',
                'TR808EmulationKit/808_Cymbal.flac'],
}


def read_mono(path):
    x, sr = sf.read(path, dtype='float64', always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:
        g = np.gcd(int(sr), SR)
        x = resample_poly(x, SR // g, int(sr) // g)
    return x


def write(path, x):
    peak = np.max(np.abs(x)) + 1e-12
    sf.write(path, (x * (0.5 / peak)).astype(np.float32), SR, subtype='FLOAT')


def drum_clip(files, rng):
    """Every sample struck 6 times at seeded velocities, 0.15-0.5 s apart."""
    hits = [(f, g) for f in files for g in rng.uniform(-14, 0, 6)]
    order = rng.permutation(len(hits))
    out = np.zeros(int(SR * (0.5 * len(hits) + 3)))
    t = int(0.1 * SR)
    cache = {}
    for i in order:
        f, gain_db = hits[i]
        if f not in cache:
            s = read_mono(os.path.join(KITS, f))
            cache[f] = s / (np.max(np.abs(s)) + 1e-12)
        s = cache[f][:int(1.5 * SR)] * 10 ** (gain_db / 20)
        end = min(len(out), t + len(s))
        out[t:end] += s[:end - t]
        t += int(rng.uniform(0.15, 0.5) * SR)
    return out[:t + int(1.5 * SR)]


def midi_file(path, program, notes, channel=0):
    """Writes a format-0 SMF. notes: (start_s, dur_s, key, velocity); 120 bpm, 480 ppq."""
    tpq = 480
    ticks = lambda s: int(round(s * 2 * tpq))  # 120 bpm: 1 beat = 0.5 s
    ev = [(0, bytes([0xC0 | channel, program]))]
    for st, du, key, vel in notes:
        ev.append((ticks(st), bytes([0x90 | channel, key, vel])))
        ev.append((ticks(st + du), bytes([0x80 | channel, key, 0])))
    ev.sort(key=lambda e: (e[0], e[1][0] & 0xF0 == 0x90))
    data, last = b'', 0
    for t, msg in ev:
        d = t - last
        last = t
        vlq = [d & 0x7F]
        d >>= 7
        while d:
            vlq.insert(0, 0x80 | (d & 0x7F))
            d >>= 7
        data += bytes(vlq) + msg
    data += b'\x00\xff\x2f\x00'
    with open(path, 'wb') as f:
        f.write(b'MThd' + struct.pack('>IHHH', 6, 0, 1, tpq))
        f.write(b'MTrk' + struct.pack('>I', len(data)) + data)


def render_midi(programs, notes_fn, rng, tmp):
    parts = []
    for p in programs:
        mid = os.path.join(tmp, 'p%d.mid' % p)
        wav = os.path.join(tmp, 'p%d.wav' % p)
        midi_file(mid, p, notes_fn(rng))
        subprocess.run(['fluidsynth', '-ni', '-q', '-R', '0', '-C', '0', '-g', '0.6', '-r', str(SR),
                        '-F', wav, SF2, mid], check=True, stdout=subprocess.DEVNULL)
        x = read_mono(wav)
        parts.append(x / (np.max(np.abs(x)) + 1e-12))
    return np.concatenate(parts)


def bass_notes(rng):
    """Every semitone E1..G3 (MIDI 28-55) at 3 velocities, plus a seeded line."""
    notes, t = [], 0.0
    for key in range(28, 56):
        for vel in (60, 90, 115):
            du = rng.uniform(0.2, 0.6)
            notes.append((t, du, key, vel))
            t += du + 0.05
    for _ in range(40):
        du = rng.choice([0.25, 0.5])
        notes.append((t, du * 0.9, int(rng.integers(28, 56)), int(rng.integers(60, 120))))
        t += du
    return notes


def piano_notes(rng):
    """Every semitone A1..C7 (MIDI 33-96), then seeded triads and two-hand textures."""
    notes, t = [], 0.0
    for key in range(33, 97):
        vel = int(rng.integers(50, 120))
        notes.append((t, 0.35, key, vel))
        t += 0.3
    for _ in range(40):
        root = int(rng.integers(40, 80))
        chord = [root, root + int(rng.choice([3, 4])), root + 7]
        if rng.random() < 0.5:
            chord.append(root - 12)
        du = rng.choice([0.5, 1.0])
        for k in chord:
            notes.append((t, du, k, int(rng.integers(50, 110))))
        t += du
    return notes


VOICE_DIR = '/usr/share/ktuberling/sounds'
VOICE_SECONDS_PER_LANGUAGE = 12.0


def voice_clip(rng):
    """Real recorded speech: the spoken words of KTuberling (ktuberling-data, GPL-2+), one
    or more speakers per language. Only the full-band 44.1 kHz recordings are used (some
    languages are 22.05 kHz and would teach templates with nothing above 11 kHz). Up to
    VOICE_SECONDS_PER_LANGUAGE of seeded-chosen words per language, each word trimmed of
    leading/trailing silence, peak-normalised, 0.1 s apart."""
    parts = []
    for lang in sorted(os.listdir(VOICE_DIR)):
        folder = os.path.join(VOICE_DIR, lang)
        if not os.path.isdir(folder):
            continue
        files = sorted(f for f in os.listdir(folder) if f.endswith('.ogg'))
        files = [f for f in files if sf.info(os.path.join(folder, f)).samplerate == SR]
        total = 0.0
        for i in rng.permutation(len(files)):
            x = read_mono(os.path.join(folder, files[i]))
            loud = np.flatnonzero(np.abs(x) > 0.02 * (np.max(np.abs(x)) + 1e-12))
            if loud.size == 0:
                continue
            x = x[loud[0]:loud[-1] + 1]
            parts += [x / (np.max(np.abs(x)) + 1e-12), np.zeros(int(0.1 * SR))]
            total += len(x) / SR
            if total >= VOICE_SECONDS_PER_LANGUAGE:
                break
    if not parts:
        sys.exit('render_training.py: no 44.1 kHz speech found in %s (install ktuberling-data)' % VOICE_DIR)
    return np.concatenate(parts)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261128)
    for part, files in DRUMS.items():
        write(os.path.join(out, part + '.wav'), drum_clip(files, rng))
    with tempfile.TemporaryDirectory() as tmp:
        write(os.path.join(out, 'bass.wav'), render_midi([32, 33, 34, 35], bass_notes, rng, tmp))
        write(os.path.join(out, 'piano.wav'), render_midi([0, 1, 2], piano_notes, rng, tmp))
    write(os.path.join(out, 'voice.wav'), voice_clip(rng))
    for f in sorted(os.listdir(out)):
        info = sf.info(os.path.join(out, f))
        print('%-12s %6.1f s' % (f, info.duration))


if __name__ == '__main__':
    main()
