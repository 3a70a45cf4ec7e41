#!/bin/bash
# Re-makes Demix's default template libraries in assets/templates/ from GPL-3-compatible
# Debian packages (see PROVENANCE.md): renders the training clips with
# render_training.py, then learns one library per source with `demix learn`.
#
# usage: assets/templates/make_templates.sh [DEMIX_BINARY]
#   DEMIX_BINARY defaults to build/release/bin/demix (build it first).
# Installs the source packages with apt-get when they are missing (needs root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
demix=${1:-$root/build/release/bin/demix}
[ -x "$demix" ] || { echo "make_templates.sh: no demix binary at $demix (build the cli first or pass its path)" >&2; exit 2; }

pkgs="hydrogen-drumkits hydrogen-data fluid-soundfont-gm fluidsynth ktuberling-data python3-numpy python3-scipy python3-soundfile"
missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "installing:" $missing
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/render_training.py" "$tmp"

# Templates per source (demix learn -k): more for pitched sources (one template cannot
# serve many pitches), fewer for a single drum.
declare -A K=([kick]=16 [snare]=16 [hihat]=16 [bass]=24 [piano]=32 [voice]=32 [drums]=32)
learn() {  # learn NAME CLIP...
    local name=$1; shift
    "$demix" learn "$@" --name "$name" -k "${K[$name]}" -o "$here/$name.dmxt" --quiet
    echo "$name.dmxt: $("$demix" info "$here/$name.dmxt" | head -n 3 | tr '\n' ' ')"
}
learn kick "$tmp/kick.wav"
learn snare "$tmp/snare.wav"
learn hihat "$tmp/hihat.wav"
learn drums "$tmp/kick.wav" "$tmp/snare.wav" "$tmp/hihat.wav" "$tmp/toms.wav" "$tmp/cymbals.wav"
learn bass "$tmp/bass.wav"
learn piano "$tmp/piano.wav"
learn voice "$tmp/voice.wav"
