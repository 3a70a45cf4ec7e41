#!/usr/bin/python3
"""Generates long, music-like test audio for Demix's benchmarks (deterministic).

A song of bass, keys (piano-like) and drums at 44.1 kHz stereo, 16-bit PCM, of any
length, with sections (intro, verse, chorus, break), chord progressions, a key change,
humanised timing and velocity, stereo panning and a faint noise floor; plus training
clips of each instrument alone playing other notes and patterns (templates are learned
from those, never from the mix). Everything is synthesised here from sines and seeded
noise: no recordings, no third-party material. The same arguments give byte-identical
files. Memory stays bounded: the song is rendered and written bar by bar, so a
60-minute file needs no more RAM than a 3-minute one.

    /usr/bin/python3 bench/make_long_audio.py OUTDIR [--seconds 180] [--seed 1]
        [--name mix] [--train-seconds 20] [--stems] [--no-train]

Writes OUTDIR/<name>.wav and OUTDIR/train/{bass,keys,drums}.wav (and with --stems the
ground-truth OUTDIR/<name>-stems/{bass,keys,drums}.wav, whose sum is the mix before
16-bit rounding). Needs only numpy (Debian: python3-numpy).
"""
import argparse
import os
import sys
import wave
import zlib

import numpy as np

RATE = 44100
BPM = 112.0
BEAT = 60.0 / BPM
BAR = int(round(4 * BEAT * RATE))  # samples per 4/4 bar
STEP = BAR // 16                   # one sixteenth note
TAIL = int(2.5 * RATE)             # longest ring-out of any note
SOURCES = ("bass", "keys", "drums")
PANS = {"bass": -0.1, "keys": 0.35, "drums": 0.0}


def midi_hz(note):
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


class Voices:
    """Renders single notes/hits once and caches them (a song reuses the same notes)."""

    def __init__(self, seed):
        self.seed = seed
        self.cache = {}

    def _rng(self, *key):
        # crc32, not hash(): str hashes change between runs (PYTHONHASHSEED)
        return np.random.default_rng([self.seed, zlib.crc32(repr(key).encode())])

    def get(self, kind, *params):
        key = (kind, *params)
        if key not in self.cache:
            self.cache[key] = getattr(self, "_" + kind)(*params).astype(np.float32)
        return self.cache[key]

    def _bass(self, note, length_steps):
        f = midi_hz(note)
        n = min(int(length_steps * STEP + 0.15 * RATE), TAIL)
        t = np.arange(n) / RATE
        rng = self._rng("bass", note)
        x = np.zeros(n)
        for h in range(1, 13):
            if f * h > 5000:
                break
            # brighter at the attack, darker as it rings (a plucked/filtered string)
            x += np.sin(2 * np.pi * f * h * t * (1 + 0.0004 * h * h) + rng.uniform(0, 6.28)) \
                * (h ** -1.3) * np.exp(-t * (1.5 + 1.2 * h))
        gate = np.clip((length_steps * STEP + 0.12 * RATE - np.arange(n)) / (0.12 * RATE), 0, 1)
        attack = np.minimum(1.0, t / 0.004)
        return 0.55 * x * attack * gate

    def _keys(self, note, length_steps):
        f = midi_hz(note)
        n = min(int(length_steps * STEP + 0.5 * RATE), TAIL)
        t = np.arange(n) / RATE
        rng = self._rng("keys", note)
        inharm = 0.0002 * (1 + (note - 48) / 24.0)
        x = np.zeros(n)
        for h in range(1, 17):
            fh = f * h * np.sqrt(1 + inharm * h * h)
            if fh > 12000:
                break
            amp = (h ** -1.1) * (0.6 + 0.4 * np.cos(h * 1.7))  # uneven, piano-like spectrum
            decay = 0.9 + 0.8 * h
            # two slightly detuned strings per partial (beating, as in a piano's unisons)
            for detune in (-0.6, 0.6):
                x += 0.5 * amp * np.sin(2 * np.pi * (fh + detune * h * 0.1) * t
                                        + rng.uniform(0, 6.28)) * np.exp(-t * decay)
        hammer = rng.standard_normal(n) * np.exp(-t / 0.004) * 0.05
        release = np.clip((length_steps * STEP + 0.35 * RATE - np.arange(n)) / (0.35 * RATE), 0, 1)
        return 0.16 * (x + hammer) * np.minimum(1.0, t / 0.002) * release

    def _kick(self, variant):
        n = int(0.45 * RATE)
        t = np.arange(n) / RATE
        rng = self._rng("kick", variant)
        freq = 48 + 110 * np.exp(-t / 0.035)
        body = np.sin(2 * np.pi * np.cumsum(freq) / RATE) * np.exp(-t / 0.16)
        click = rng.standard_normal(n) * np.exp(-t / 0.003) * 0.3
        return 0.9 * (body + click)

    def _snare(self, variant):
        n = int(0.4 * RATE)
        t = np.arange(n) / RATE
        rng = self._rng("snare", variant)
        noise = rng.standard_normal(n)
        noise = np.convolve(noise, [0.5, 0.0, -0.5], mode="same")  # band-limit a little
        body = np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.05) + \
            0.5 * np.sin(2 * np.pi * 330 * t) * np.exp(-t / 0.03)
        return 0.5 * (noise * np.exp(-t / 0.09) + 0.8 * body)

    def _hat(self, variant, open_hat):
        n = int((0.35 if open_hat else 0.08) * RATE)
        t = np.arange(n) / RATE
        rng = self._rng("hat", variant, open_hat)
        noise = np.diff(rng.standard_normal(n + 1))  # high-passed noise
        metal = sum(np.sin(2 * np.pi * f * t) for f in (3150, 4630, 6210, 7400, 8930)) * 0.15
        return 0.16 * (noise + metal) * np.exp(-t / (0.12 if open_hat else 0.025))


# Chord progressions (root offsets from the key, minor/major triads + sevenths), by section.
PROGRESSIONS = {
    "verse": [(0, "m7"), (-4, "maj7"), (-2, "maj"), (-7, "m7")],
    "chorus": [(-4, "maj"), (-2, "maj"), (0, "m"), (0, "m7")],
    "break": [(3, "maj7"), (-2, "maj"), (-4, "maj7"), (-5, "m7")],
    "intro": [(0, "m9"), (-4, "maj7"), (0, "m9"), (-4, "maj7")],
}
QUALITY = {"m": (0, 3, 7), "maj": (0, 4, 7), "m7": (0, 3, 7, 10), "maj7": (0, 4, 7, 11),
           "m9": (0, 3, 7, 10, 14)}
BASS_RHYTHMS = [
    [(0, 3), (3, 1), (4, 2), (8, 3), (11, 1), (12, 2), (14, 2)],
    [(0, 2), (2, 2), (6, 2), (8, 4), (12, 2), (14, 1), (15, 1)],
    [(0, 6), (6, 2), (8, 6), (14, 2)],
]
KEYS_RHYTHMS = [[(0, 6), (6, 2), (8, 8)], [(0, 4), (4, 4), (8, 4), (12, 4)],
                [(0, 16)], [(0, 3), (3, 5), (10, 6)]]


def song_plan(bars, rng):
    """Section name and key (MIDI root of the tonic) for every bar."""
    order = ["intro", "verse", "chorus", "verse", "break", "chorus", "chorus", "verse"]
    plan = []
    key = 45 + int(rng.integers(0, 5))
    section = 0
    while len(plan) < bars:
        name = order[section % len(order)]
        if section > 0 and section % len(order) == 0:
            key = 45 + (key - 45 + 2) % 7  # key change every pass through the form
        plan.extend([(name, key)] * 8)
        section += 1
    return plan[:bars]


def bar_events(bar, section, key, seed, voices, instruments=SOURCES):
    """(source, sample offset within bar, mono signal, gain, pan) for one bar."""
    rng = np.random.default_rng([seed, 7919, bar])
    prog = PROGRESSIONS[section]
    root_offset, quality = prog[bar % len(prog)]
    root = key + root_offset
    events = []

    def jitter():
        return int(rng.normal(0, 0.004) * RATE)

    if "bass" in instruments and section != "intro":
        rhythm = BASS_RHYTHMS[(bar // 4 + (section == "chorus")) % len(BASS_RHYTHMS)]
        for step, length in rhythm:
            note = root - 12 + (7 if rng.random() < 0.15 else 0) + (12 if rng.random() < 0.1 else 0)
            while note < 28:
                note += 12
            events.append(("bass", step * STEP + jitter(), voices.get("bass", note, length),
                           0.8 + 0.2 * rng.random(), PANS["bass"]))
    if "keys" in instruments:
        rhythm = KEYS_RHYTHMS[(bar // 2 + len(section)) % len(KEYS_RHYTHMS)]
        chord = [root + 12 + i for i in QUALITY[quality]]
        inversion = bar % 3
        chord = [n + 12 if i < inversion else n for i, n in enumerate(chord)]
        for step, length in rhythm:
            for note in chord:
                events.append(("keys", step * STEP + jitter() + int(rng.integers(0, 60)),
                               voices.get("keys", note, length), 0.6 + 0.3 * rng.random(),
                               PANS["keys"] + 0.1 * (note - root - 18) / 12.0))
        if section in ("chorus", "verse"):  # a melody line on top
            for step in range(0, 16, 4 if section == "verse" else 2):
                if rng.random() < 0.55:
                    note = root + 24 + int(rng.choice([0, 3, 5, 7, 10, 12]))
                    events.append(("keys", step * STEP + jitter(), voices.get("keys", note, 2),
                                   0.5 + 0.3 * rng.random(), 0.2))
    if "drums" in instruments and section not in ("intro", "break"):
        fill = bar % 8 == 7
        for step in range(16):
            v = int(rng.integers(0, 6))
            if step in (0, 8) or (step == 10 and section == "chorus") or (fill and step >= 12 and step % 2 == 0):
                events.append(("drums", step * STEP + jitter(), voices.get("kick", v), 1.0, 0.0))
            if step in (4, 12) or (fill and step in (13, 14, 15)):
                events.append(("drums", step * STEP + jitter(), voices.get("snare", v),
                               0.9 + 0.1 * rng.random(), 0.05))
            if step % 2 == 0 or (section == "chorus" and rng.random() < 0.5):
                open_hat = step == 14 and bar % 2 == 1
                events.append(("drums", step * STEP + jitter(), voices.get("hat", v % 4, open_hat),
                               (0.9 if step % 4 == 0 else 0.6) * (0.8 + 0.2 * rng.random()), 0.4))
    elif "drums" in instruments and section == "break" and bar % 2 == 1:
        for step in (0, 6, 8, 14):
            events.append(("drums", step * STEP + jitter(), voices.get("kick", step % 6), 0.8, 0.0))
    return events


class WavWriter:
    """16-bit PCM stereo WAV written block by block."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.w = wave.open(path, "wb")
        self.w.setnchannels(2)
        self.w.setsampwidth(2)
        self.w.setframerate(RATE)
        self.clipped = 0

    def write(self, stereo):  # stereo: (2, n) float
        self.clipped += int(np.count_nonzero(np.abs(stereo) > 32767 / 32768))
        pcm = np.clip(np.round(stereo * 32768.0), -32768, 32767).astype("<i2")
        self.w.writeframes(pcm.T.tobytes())

    def close(self):
        self.w.close()


def render(path, seconds, seed, instruments=SOURCES, stems_dir=None, gain=0.4, training=False):
    total = int(round(seconds * RATE))
    bars = (total + BAR - 1) // BAR
    plan_rng = np.random.default_rng([seed, 1])
    plan = song_plan(bars, plan_rng)
    if training:  # training clips: every section's material, other bars/seed
        plan = [(["verse", "chorus", "break", "intro"][(b // 2) % 4], key) for b, (_, key) in
                enumerate(plan)]
    voices = Voices(seed)
    noise_rng = np.random.default_rng([seed, 2])
    mix_out = WavWriter(path)
    stem_out = {s: WavWriter(os.path.join(stems_dir, s + ".wav")) for s in instruments} \
        if stems_dir else {}
    pending = {s: np.zeros((2, BAR + TAIL), dtype=np.float64) for s in instruments}
    written = 0
    for bar in range(bars):
        section, key = plan[bar]
        for source, offset, signal, vel, pan in bar_events(bar, section, key, seed, voices,
                                                           instruments):
            start = max(0, offset)
            sig = signal[start - offset:][: BAR + TAIL - start]
            left = np.cos((pan + 1) * np.pi / 4) * vel * gain
            right = np.sin((pan + 1) * np.pi / 4) * vel * gain
            pending[source][0, start:start + len(sig)] += left * sig
            pending[source][1, start:start + len(sig)] += right * sig
        n = min(BAR, total - written)
        floor = noise_rng.standard_normal((2, n)) * 2e-5  # faint noise floor (tape hiss)
        mix = floor.copy()
        for s in instruments:
            block = pending[s][:, :n]
            mix += block
            if s in stem_out:
                stem_out[s].write(block + floor / len(instruments))
        mix_out.write(mix)
        written += n
        for s in instruments:
            pending[s] = np.concatenate([pending[s][:, BAR:], np.zeros((2, BAR))], axis=1)
    mix_out.close()
    for w in stem_out.values():
        w.close()
    if mix_out.clipped:
        print(f"warning: {mix_out.clipped} samples clipped in {path}", file=sys.stderr)
    return written


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("outdir")
    p.add_argument("--seconds", type=float, default=180.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--name", default="mix")
    p.add_argument("--train-seconds", type=float, default=20.0)
    p.add_argument("--stems", action="store_true", help="also write the ground-truth stems")
    p.add_argument("--no-train", action="store_true", help="do not write training clips")
    a = p.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    mix = os.path.join(a.outdir, a.name + ".wav")
    stems = os.path.join(a.outdir, a.name + "-stems") if a.stems else None
    n = render(mix, a.seconds, a.seed, stems_dir=stems)
    print(f"{mix}: {n / RATE:.1f} s, {RATE} Hz, stereo, 16-bit")
    if not a.no_train:
        for i, source in enumerate(SOURCES):
            path = os.path.join(a.outdir, "train", source + ".wav")
            # another seed: other notes, keys, voicings and noise than the mix
            render(path, a.train_seconds, a.seed + 1000 + i, instruments=(source,), training=True)
            print(f"{path}: {a.train_seconds:.1f} s")


if __name__ == "__main__":
    main()
