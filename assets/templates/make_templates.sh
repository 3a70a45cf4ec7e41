#!/bin/bash
# Re-makes Demix's default template libraries in assets/templates/ from GPL-3-compatible
# Debian packages that the benchmark does not evaluate on (see PROVENANCE.md): renders the
# training clips with render_training.py, then learns one library per source with
# `demix learn` (its defaults: 44.1 kHz, FFT 4096, hop 1024, KL, three template sets).
#
# usage: assets/templates/make_templates.sh [DEMIX_BINARY]
#   DEMIX_BINARY defaults to build/release/bin/demix (build it first).
# Installs the source packages with apt-get when they are missing (needs root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
demix=${1:-$root/build/release/bin/demix}
[ -x "$demix" ] || { echo "make_templates.sh: no demix binary at $demix (build the cli first or pass its path)" >&2; exit 2; }

pkgs="hydrogen-drumkits hydrogen-data sonic-pi-samples opl3-soundfont tuxpaint-stamps-default fluidsynth python3-numpy python3-scipy python3-soundfile"
missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "installing:" $missing
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/render_training.py" "$tmp"

# Templates per source (demix learn -k): more for pitched and varied sources (one
# template cannot serve many pitches or speakers), fewer for a single drum.
declare -A K=([kick]=16 [snare]=16 [hihat]=16 [drums]=32 [bass]=24 [keys]=32 [voice]=32)
learn() {  # learn NAME CLIP...
    local name=$1; shift
    "$demix" learn "$@" --name "$name" -k "${K[$name]}" -o "$here/$name.dmxt" --quiet
    echo "$name.dmxt: $("$demix" info "$here/$name.dmxt" | head -n 3 | tr '\n' ' ')"
}
# The default stem set (`demix separate SONG -o OUT` without a library) is drums, bass,
# keys and voice; kick, snare and hihat are for splitting a drum stem further.
learn drums "$tmp/kick.wav" "$tmp/snare.wav" "$tmp/hihat.wav" "$tmp/toms.wav" "$tmp/cymbals.wav" "$tmp/loops.wav"
learn bass "$tmp/bass.wav"
learn keys "$tmp/keys.wav"
learn voice "$tmp/speech.wav" "$tmp/singing.wav"
learn kick "$tmp/kick.wav"
learn snare "$tmp/snare.wav"
learn hihat "$tmp/hihat.wav"
