#!/usr/bin/env bash
# Ardour 7 headless (ardour7-lua, dummy backend) runs the BUILT Demix VST3 and LV2: for
# each format a session records pink noise on a stereo track, a fresh Demix (the default
# sources) is inserted on it and the session is exported; check_export.py then requires
# the export to be finite, not silent and equal to the input, sample-aligned (Ardour
# compensated the reported latency). The track uses strict I/O (see docs/plugin.md,
# "Buses and names", for a track without it).
# Exit 77 = skipped: Ardour is not installed and cannot be (scripts/install-deps).
# Usage: run_ardour.sh <artefacts dir with VST3/Demix.vst3 and LV2/Demix.lv2> <LV2 URI>
set -u
here=$(cd "$(dirname "$0")" && pwd)
products=$(cd "$1" && pwd) || { echo "FAIL: no artefacts directory $1"; exit 1; }
uri=$2
for bundle in "$products/VST3/Demix.vst3" "$products/LV2/Demix.lv2"; do
  [ -e "$bundle" ] || { echo "FAIL: $bundle missing"; exit 1; }
done
if ! command -v ardour7-lua >/dev/null || [ ! -x /usr/lib/ardour7/ardour-vst3-scanner ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ardour >/dev/null 2>&1
  fi
fi
if ! command -v ardour7-lua >/dev/null || [ ! -x /usr/lib/ardour7/ardour-vst3-scanner ]; then
  echo "SKIPPED: Ardour 7 (Debian package 'ardour': ardour7-lua, ardour-vst3-scanner) is not installed and could not be installed"
  exit 77
fi
python=/usr/bin/python3
"$python" -c "import numpy, soundfile" 2>/dev/null || { echo "FAIL: $python lacks numpy or soundfile (scripts/install-deps)"; exit 1; }

work=$(mktemp -d)
[ -n "${DEMIX_KEEP_ARDOUR_WORK:-}" ] && echo "work directory kept: $work" || trap 'rm -rf "$work"' EXIT
# A private home: Ardour's configuration, its VST3 cache and the plugin search path.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME/.vst3"
ln -s "$products/VST3/Demix.vst3" "$HOME/.vst3/Demix.vst3"
export LV2_PATH="$products/LV2"
# Ardour only loads VST3 plugins its scanner has indexed.
if ! LD_LIBRARY_PATH=/usr/lib/ardour7 /usr/lib/ardour7/ardour-vst3-scanner -q -f "$HOME/.vst3/Demix.vst3"; then
  echo "FAIL: ardour-vst3-scanner rejected the VST3 bundle"
  exit 1
fi

failed=0
for format in VST3 LV2; do
  session="$work/session-$format"
  echo "=== $format ==="
  # Ardour's Lua interpreter prints lilv warnings about unrelated bundles: keep its own lines.
  SESSION_DIR="$session" STRICT_IO=1 SECONDS_TO_RECORD=3 \
    timeout 300 ardour7-lua "$here/record_input.lua" >"$work/record-$format.log" 2>&1
  grep -E "RECORDED_REGIONS|Error|error:" "$work/record-$format.log" | grep -v lilv
  left=$(ls "$session"/interchange/*/audiofiles/*%L.wav 2>/dev/null | head -1)
  right=$(ls "$session"/interchange/*/audiofiles/*%R.wav 2>/dev/null | head -1)
  if [ -z "$left" ] || [ -z "$right" ]; then
    echo "FAIL: $format: Ardour recorded no input"; cat "$work/record-$format.log"; failed=1; continue
  fi
  SESSION_DIR="$session" FORMAT=$format LV2_URI="$uri" EXPORT_DIR="$work/export" NAME="$format" \
    timeout 600 ardour7-lua "$here/insert_and_export.lua" >"$work/insert-$format.log" 2>&1
  grep -E "^(PLUGIN_|TRACK_)|Error|error:" "$work/insert-$format.log" | grep -v lilv
  if ! grep -q "^TRACK_OUTPUTS 2$" "$work/insert-$format.log"; then
    echo "FAIL: $format: the strict-I/O track does not keep two outputs"; failed=1
  fi
  if ! grep -q "^PLUGIN_LATENCY [1-9]" "$work/insert-$format.log"; then
    echo "FAIL: $format: Ardour sees no plugin latency (the test of compensation would be void)"; failed=1
  fi
  if [ ! -s "$work/export/$format.wav" ]; then
    echo "FAIL: $format: no export"; cat "$work/insert-$format.log"; failed=1; continue
  fi
  latency=$(sed -n 's/^PLUGIN_LATENCY //p' "$work/insert-$format.log")
  "$python" "$here/check_export.py" "$left" "$right" "$work/export/$format.wav" "${latency:-0}" || failed=1
done
[ "$failed" -eq 0 ] && echo "OK: the VST3 and LV2 ran in Ardour 7 with latency compensated"
exit "$failed"
