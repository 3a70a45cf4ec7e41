#!/usr/bin/python3
"""Renders the training material for Demix's default template libraries.

usage: render_training.py OUTDIR

Writes 44.1 kHz mono WAV clips to OUTDIR:
  kick.wav snare.wav hihat.wav toms.wav cymbals.wav  single drum hits (several kits)
  loops.wav                                          played drum loops
  bass.wav keys.wav                                  notes of several instruments
  speech.wav singing.wav                             recorded voices
from Debian packages that are freely licensed (GPL-3-compatible) and NOT among the
recordings the evaluation is built from (MATERIAL.md of the benchmark; see PROVENANCE.md):
hydrogen-drumkits / hydrogen-data (electronic and sampled kits), sonic-pi-samples (CC0
acoustic and electronic drums and loops, bass hits, a piano and a choir sample, played at
several pitches), opl3-soundfont (an FM-synthesis General MIDI bank, rendered by fluidsynth
with reverb and chorus off: basses, pianos and electric pianos, voices) and
tuxpaint-stamps-default (recorded spoken descriptions, many speakers and languages).
Deterministic: a fixed seed, sorted file lists.
Needs python3-numpy, python3-scipy, python3-soundfile, fluidsynth and those packages.
"""
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SR = 44100
SEED = 20261207
KITS = '/usr/share/hydrogen/data/drumkits'
SONIC = '/usr/share/sonic-pi/samples'
SF2 = '/usr/share/sounds/sf2/OPL-3_FM_128M.sf2'   # opl3-soundfont (CC-BY-SA-4.0): FM synthesis
STAMPS = '/usr/share/tuxpaint/stamps'

# Kits of hydrogen-drumkits / hydrogen-data under GPL-2+ or CC0 and not reserved for
# evaluation (GMRockKit, ColomboAcousticDrumkit, Millo*, BJA_Pacific, ForzeeStereo and The
# Black Pearl are; GPL-2-only and CC-BY-SA-3.0 kits are not GPL-3-compatible).
HYDROGEN_KITS = ['VariBreaks', 'ElectricEmpireKit', 'HardElectro1', 'Audiophob', 'TR808EmulationKit']
# Which drum a sample is, from its file name (first match wins; unmatched files are left out:
# claps, clicks, congas, effects).
PART_PATTERNS = [
    ('kick', r'kick|_bd_|^bd_|_k_|powr_bd|bass_(hard|soft)'),
    ('snare', r'snare|^sn_|_sn_|sabmute|^3\.wav'),
    ('hihat', r'hat|chh|ohh|_hh|cymbal_(closed|open|pedal)'),
    ('toms', r'tom'),
    ('cymbals', r'cymbal|crash|ride|splash'),
]
LOOPS = ['loop_amen.flac', 'loop_amen_full.flac', 'loop_breakbeat.flac', 'loop_compus.flac',
         'loop_mika.flac', 'loop_safari.flac', 'loop_tabla.flac']
BASS_PROGRAMS = list(range(32, 40))          # acoustic, finger, pick, fretless, slap 1/2, synth 1/2
KEYS_PROGRAMS = list(range(0, 8))            # pianos, electric pianos, harpsichord, clavinet
CHOIR_PROGRAMS = [52, 53]                    # choir aahs, voice oohs
SPEECH_SECONDS_PER_LANGUAGE = 18.0


def read_mono(path):
    x, sr = sf.read(path, dtype='float64', always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:
        g = np.gcd(int(sr), SR)
        x = resample_poly(x, SR // g, int(sr) // g)
    return x


def normalised(x):
    return x / (np.max(np.abs(x)) + 1e-12)


def write(path, x):
    sf.write(path, (normalised(x) * 0.5).astype(np.float32), SR, subtype='FLOAT')


def drum_files():
    """{part: [path, ...]} from the hydrogen kits and sonic-pi's drum samples."""
    parts = {p: [] for p, _ in PART_PATTERNS}
    flat = []
    for kit in HYDROGEN_KITS:
        flat += sorted(glob.glob(os.path.join(KITS, kit, '*.flac')) + glob.glob(os.path.join(KITS, kit, '*.wav')))
    for pattern in ('bd_*.flac', 'sn_*.flac', 'drum_*.flac', 'elec_*kick.flac', 'elec_*snare.flac'):
        flat += sorted(glob.glob(os.path.join(SONIC, pattern)))
    for path in flat:
        name = os.path.basename(path).lower()
        if re.search(r'clap|click|conga|whistle|fx|empty|clave|cowbell|shaker|roll|_drum_?\d?\.', name):
            continue
        for part, pat in PART_PATTERNS:
            if re.search(pat, name):
                parts[part].append(path)
                break
    return parts


def hits_clip(samples, rng, strikes=5):
    """Every sample struck `strikes` times at seeded velocities (-14..0 dB), 0.15-0.5 s apart."""
    hits = [(i, g) for i in range(len(samples)) for g in rng.uniform(-14, 0, strikes)]
    out = np.zeros(int(SR * (0.5 * len(hits) + 3)))
    t = int(0.1 * SR)
    for j in rng.permutation(len(hits)):
        i, gain_db = hits[j]
        s = samples[i][:int(1.5 * SR)] * 10 ** (gain_db / 20)
        end = min(len(out), t + len(s))
        out[t:end] += s[:end - t]
        t += int(rng.uniform(0.15, 0.5) * SR)
    return out[:t + int(1.5 * SR)]


def midi_file(path, program, notes, channel=0, bank_kit=None):
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


def render(program, notes, tmp, channel=0, sf2=SF2):
    mid = os.path.join(tmp, 'n.mid')
    wav = os.path.join(tmp, 'n.wav')
    midi_file(mid, program, notes, channel)
    subprocess.run(['fluidsynth', '-ni', '-q', '-R', '0', '-C', '0', '-g', '0.6', '-r', str(SR),
                    '-F', wav, sf2, mid], check=True, stdout=subprocess.DEVNULL)
    return normalised(read_mono(wav))


def bass_notes(rng):
    """Every semitone E1..G3 (MIDI 28-55) at 2 velocities, plus a seeded line."""
    notes, t = [], 0.0
    for key in range(28, 56):
        for vel in (70, 110):
            du = float(rng.uniform(0.2, 0.5))
            notes.append((t, du, key, vel))
            t += du + 0.05
    for _ in range(24):
        du = float(rng.choice([0.25, 0.5]))
        notes.append((t, du * 0.9, int(rng.integers(28, 56)), int(rng.integers(60, 120))))
        t += du
    return notes


def keys_notes(rng):
    """Every other semitone A1..C7, then seeded triads and two-hand textures."""
    notes, t = [], 0.0
    for key in range(33, 97, 2):
        notes.append((t, 0.35, key, int(rng.integers(50, 120))))
        t += 0.3
    for _ in range(24):
        root = int(rng.integers(40, 80))
        chord = [root, root + int(rng.choice([3, 4])), root + 7]
        if rng.random() < 0.5:
            chord.append(root - 12)
        du = float(rng.choice([0.5, 1.0]))
        for k in chord:
            notes.append((t, du, k, int(rng.integers(50, 110))))
        t += du
    return notes


def sung_notes(rng):
    """A seeded melody in C3..C5 with held notes and two-part chords."""
    notes, t = [], 0.0
    for _ in range(20):
        du = float(rng.choice([0.5, 1.0, 1.5]))
        k = int(rng.integers(48, 73))
        notes.append((t, du, k, int(rng.integers(60, 110))))
        if rng.random() < 0.4:
            notes.append((t, du, k - int(rng.choice([3, 4, 5])), int(rng.integers(60, 100))))
        t += du
    return notes


def pitched(x, semitones):
    """x played `semitones` higher (resampled: shorter and higher)."""
    if semitones == 0:
        return x
    ratio = 2 ** (semitones / 12)
    up, down = 1000, int(round(1000 * ratio))
    g = np.gcd(up, down)
    return resample_poly(x, up // g, down // g)


def sum_aligned(parts):
    n = min(len(p) for p in parts)
    return sum(p[:n] for p in parts)


def trimmed(x):
    loud = np.flatnonzero(np.abs(x) > 0.02 * (np.max(np.abs(x)) + 1e-12))
    return x[loud[0]:loud[-1] + 1] if loud.size else None


def speech_clip(rng):
    """Recorded spoken descriptions of Tux Paint's stamps (tuxpaint-stamps-default, GPL-2+):
    many speakers, 13 languages. Full-band 44.1 kHz files only; up to
    SPEECH_SECONDS_PER_LANGUAGE of seeded-chosen recordings per language, each trimmed of
    silence, peak-normalised, 0.1 s apart."""
    by_lang = {}
    for f in sorted(glob.glob(os.path.join(STAMPS, '**', '*_desc*.ogg'), recursive=True)):
        m = re.search(r'_desc_?([A-Za-z_@]*)\.ogg$', f)
        if m is None:
            continue
        by_lang.setdefault(m.group(1) or 'en', []).append(f)
    parts = []
    for lang in sorted(by_lang):
        files, total = by_lang[lang], 0.0
        for i in rng.permutation(len(files)):
            if sf.info(files[i]).samplerate != SR:
                continue
            x = trimmed(read_mono(files[i]))
            if x is None:
                continue
            parts += [normalised(x), np.zeros(int(0.1 * SR))]
            total += len(x) / SR
            if total >= SPEECH_SECONDS_PER_LANGUAGE:
                break
    if not parts:
        sys.exit('render_training.py: no speech found in %s (install tuxpaint-stamps-default)' % STAMPS)
    return np.concatenate(parts)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        for part, files in drum_files().items():
            samples = [normalised(read_mono(f)) for f in files]
            write(os.path.join(out, part + '.wav'), hits_clip(samples, rng))
        write(os.path.join(out, 'loops.wav'),
              np.concatenate([normalised(read_mono(os.path.join(SONIC, f))) for f in LOOPS]))
        sonic_bass = [normalised(read_mono(f)) for f in sorted(glob.glob(os.path.join(SONIC, 'bass_*.flac')))]
        bass = [render(p, bass_notes(rng), tmp) for p in BASS_PROGRAMS]
        bass += [pitched(x, s)[:int(2.5 * SR)] for x in sonic_bass for s in (-7, -3, 0, 4)]
        write(os.path.join(out, 'bass.wav'), np.concatenate(bass))
        keys = [render(p, keys_notes(rng), tmp) for p in KEYS_PROGRAMS]
        piano = normalised(read_mono(os.path.join(SONIC, 'ambi_piano.flac')))
        keys += [pitched(piano, s) for s in range(-24, 13, 3)]
        keys += [sum_aligned([pitched(piano, r), pitched(piano, r + 4), pitched(piano, r + 7)])
                 for r in (-17, -10, -5, 0, 5)]
        write(os.path.join(out, 'keys.wav'), np.concatenate(keys))
        sing = [render(p, sung_notes(rng), tmp) for p in CHOIR_PROGRAMS]
        choir = normalised(read_mono(os.path.join(SONIC, 'ambi_choir.flac')))
        sing += [pitched(choir, s) for s in (-5, 0, 3, 7)]
        write(os.path.join(out, 'singing.wav'), np.concatenate(sing))
    write(os.path.join(out, 'speech.wav'), speech_clip(rng))
    for f in sorted(os.listdir(out)):
        info = sf.info(os.path.join(out, f))
        print('%-12s %6.1f s' % (f, info.duration))


if __name__ == '__main__':
    main()
