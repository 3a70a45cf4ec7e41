#!/usr/bin/python3
"""Synthesises Demix's demo: a short three-instrument mix, its ground-truth stems and
separate training clips of each instrument.

Everything is computed here from sine waves and seeded noise (no recordings, no samples
from elsewhere), so the output is covered by the project's licence (GPL-3.0-or-later).
Deterministic: running it again writes byte-identical files.

    /usr/bin/python3 assets/demo/make_demo.py            # rewrites assets/demo/*
Needs only numpy (Debian: python3-numpy).

Files (22 050 Hz, stereo, 16-bit PCM WAV):
    mix.wav                      6 s: bass + keys + drums, exactly the sum of the stems
    reference/{bass,keys,drums}.wav  the ground-truth stems of mix.wav
    train/{bass,keys,drums}.wav  3 s of each instrument alone, other notes/patterns than
                                 the mix (templates are learned from these)
"""
import os
import wave

import numpy as np

RATE = 22050
HERE = os.path.dirname(os.path.abspath(__file__))


def midi_hz(note):
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def envelope(n, attack, decay):
    """Linear attack (seconds) then exponential decay (time constant in seconds)."""
    t = np.arange(n) / RATE
    a = np.minimum(1.0, t / max(attack, 1e-4))
    return a * np.exp(-t / decay)


def bass_note(freq, seconds):
    """A warm bass: odd-and-even harmonics with 1/h^1.5 amplitudes and a slow decay."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    x = sum(np.sin(2 * np.pi * freq * h * t) / h ** 1.5 for h in range(1, 9) if freq * h < 4000)
    return 0.5 * x * envelope(n, 0.01, 0.6)


def keys_note(freq, seconds):
    """An electric-piano-like tone: harmonics plus a slightly inharmonic bell partial."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    x = np.sin(2 * np.pi * freq * t) + 0.5 * np.sin(2 * np.pi * 2 * freq * t)
    x += 0.25 * np.sin(2 * np.pi * 3 * freq * t) + 0.15 * np.sin(2 * np.pi * 4.02 * freq * t)
    x += 0.2 * np.sin(2 * np.pi * 7.1 * freq * t) * np.exp(-t / 0.08)
    return 0.18 * x * envelope(n, 0.005, 0.45)


def kick(rng, seconds=0.35):
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    freq = 45 + 90 * np.exp(-t / 0.03)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    return 0.9 * np.sin(phase) * np.exp(-t / 0.12)


def snare(rng, seconds=0.25):
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    noise = rng.standard_normal(n)
    noise = np.convolve(noise, [0.5, 0.0, -0.5], mode="same")  # band-pass-ish
    body = np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)
    return (0.35 * noise * np.exp(-t / 0.07) + 0.3 * body)


def hat(rng, seconds=0.08):
    n = int(seconds * RATE)
    noise = np.diff(rng.standard_normal(n + 1))  # high-passed
    return 0.12 * noise * envelope(n, 0.001, 0.02)


def place(track, sound, at_seconds, pan):
    """Adds a mono sound into a stereo track at a time, with constant-power panning."""
    start = int(round(at_seconds * RATE))
    end = min(track.shape[1], start + len(sound))
    if end <= start:
        return
    left, right = np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)
    track[0, start:end] += left * sound[: end - start]
    track[1, start:end] += right * sound[: end - start]


def bass_part(seconds, notes, beat):
    track = np.zeros((2, int(seconds * RATE)))
    for i, note in enumerate(notes):
        place(track, bass_note(midi_hz(note), 2 * beat), i * 2 * beat, -0.1)
    return track


def keys_part(seconds, chords, beat):
    track = np.zeros((2, int(seconds * RATE)))
    for i, chord in enumerate(chords):
        for j, note in enumerate(chord):
            place(track, keys_note(midi_hz(note), 4 * beat), i * 4 * beat + 0.01 * j, 0.35)
    return track


def drums_part(seconds, pattern, beat, seed):
    rng = np.random.default_rng(seed)
    track = np.zeros((2, int(seconds * RATE)))
    steps = int(seconds / (beat / 2))
    for s in range(steps):
        symbol = pattern[s % len(pattern)]
        at = s * beat / 2
        if "k" in symbol:
            place(track, kick(rng), at, 0.0)
        if "s" in symbol:
            place(track, snare(rng), at, 0.1)
        place(track, hat(rng), at, -0.4)  # hats on every eighth
    return track


def to_int16(track):
    return np.round(np.clip(track, -1.0, 32767 / 32768) * 32767).astype("<i2")


def write(path, samples_int16):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as f:
        f.setnchannels(samples_int16.shape[0])
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples_int16.T.copy().tobytes())


def main():
    beat = 0.5  # 120 BPM
    # The mix: 6 s (3 bars of 4 beats).
    mix_seconds = 6.0
    stems = {
        "bass": bass_part(mix_seconds, [33, 33, 36, 31, 33, 28], beat),  # A1 A1 C2 G1 A1 E1
        "keys": keys_part(mix_seconds, [(57, 60, 64), (55, 59, 62), (57, 60, 64)], beat),
        "drums": drums_part(mix_seconds, ["k", "", "s", "", "k", "k", "s", ""], beat, seed=1),
    }
    # Training clips: same instruments, other notes and patterns, other noise.
    train_seconds = 3.0
    train = {
        "bass": bass_part(train_seconds, [28, 31, 35, 38, 40, 45], beat * 0.5),
        "keys": keys_part(train_seconds, [(53, 57, 60), (59, 62, 65), (60, 64, 67)], beat * 0.5),
        "drums": drums_part(train_seconds, ["k", "s", "k", "s", "ks", "", "s", "k"], beat, seed=2),
    }
    # Quantise the stems first so the mix is exactly their sum, with headroom.
    peak = np.max(np.abs(sum(stems.values())))
    gain = 0.8 / peak
    quantised = {name: to_int16(track * gain) for name, track in stems.items()}
    mix = sum(q.astype(np.int32) for q in quantised.values())
    assert np.max(np.abs(mix)) < 32767
    write(os.path.join(HERE, "mix.wav"), mix.astype("<i2"))
    for name, q in quantised.items():
        write(os.path.join(HERE, "reference", name + ".wav"), q)
    for name, track in train.items():
        write(os.path.join(HERE, "train", name + ".wav"),
              to_int16(track * (0.7 / np.max(np.abs(track)))))


if __name__ == "__main__":
    main()
