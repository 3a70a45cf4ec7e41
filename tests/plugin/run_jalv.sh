#!/usr/bin/env bash
# Runs the Demix LV2 build in jalv (a host written by others) against a dummy JACK
# server for a few seconds and fails on any error. Exit 77 = skipped (tool missing).
# Usage: run_jalv.sh <directory containing Demix.lv2> <plugin URI>
set -u
lv2dir=$(cd "$1" && pwd) || { echo "FAIL: no LV2 directory $1"; exit 1; }
uri=$2
[ -f "$lv2dir/Demix.lv2/manifest.ttl" ] || { echo "FAIL: $lv2dir/Demix.lv2/manifest.ttl missing"; exit 1; }
for tool in jackd jalv timeout; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
done

work=$(mktemp -d)
server="demix-jalv-$$"
export JACK_DEFAULT_SERVER="$server"
export JACK_NO_AUDIO_RESERVATION=1
jackd -n "$server" --no-realtime -d dummy -r 48000 -p 512 >"$work/jackd.log" 2>&1 &
jack_pid=$!
cleanup() {
  kill "$jack_pid" 2>/dev/null
  wait "$jack_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Wait for the server to come up (its log says so) or die.
for _ in $(seq 1 50); do
  grep -qiE "dummy|starting" "$work/jackd.log" 2>/dev/null && break
  kill -0 "$jack_pid" 2>/dev/null || { echo "jackd failed to start:"; cat "$work/jackd.log"; exit 1; }
  sleep 0.1
done
sleep 0.5

# The generated .ttl (post-processed by plugin/lv2_ttl.cmake): parameter symbols are the
# parameter IDs, audio ports are named after their bus, defaults are the plugin's.
ttl="$lv2dir/Demix.lv2/dsp.ttl"
for expected in 'lv2:symbol "mix"' 'lv2:symbol "s1_gain"' 'lv2:symbol "sensitivity"' \
                'lv2:name "Output L"' 'lv2:name "Source 1 L"' 'lv2:name "Other R"' 'lv2:name "Sidechain L"'; do
  grep -qF "$expected" "$ttl" || { echo "FAIL: $ttl lacks $expected"; exit 1; }
done
if grep -q 'Audio \(In\|Out\) [0-9]' "$ttl"; then
  echo "FAIL: $ttl still names ports 'Audio In/Out N'"; exit 1
fi
mix_default=$(grep -A6 '^plug:mix$' "$ttl" | sed -n 's/.*lv2:default \([^ ]*\) ;/\1/p')
[ "$mix_default" = "100" ] || { echo "FAIL: the Mix default in $ttl is '$mix_default', expected 100"; exit 1; }

# jalv runs until interrupted: give it 4 s of processing, then SIGINT (timeout → 124).
# Its stdin stays open (a sleeping writer) so the console front end keeps running; the
# controls are set by their symbols (an unknown symbol makes jalv warn, which fails).
(sleep 6) | LV2_PATH="$lv2dir" timeout -s INT 4 jalv -n demix-jalv-test \
  -c enabled=1 -c mix=100 -c sensitivity=1.5 -c s1_gain=-6 "$uri" >"$work/jalv.log" 2>&1
rc=$?
echo "--- jalv output (exit $rc) ---"
cat "$work/jalv.log"
echo "--- jackd output ---"
cat "$work/jackd.log"

if [ "$rc" -ne 124 ] && [ "$rc" -ne 0 ]; then
  echo "FAIL: jalv exited with $rc"
  exit 1
fi
if ! kill -0 "$jack_pid" 2>/dev/null; then
  echo "FAIL: the JACK server died while jalv was running"
  exit 1
fi
# JACK's client library reports its socket calls cut short by our SIGINT while jalv shuts
# down ("Cannot read socket … Interrupted system call", "Could not read result type",
# "Cannot write socket … Broken pipe", "CheckRes error", "Could not write notification"):
# that is the interrupt we sent, not a problem of the plugin. Everything else counts.
jack_shutdown='Cannot (read|write) socket|Could not (read|write) (result|notification)|CheckRes error'
if grep -viE "$jack_shutdown" "$work/jalv.log" |
    grep -qiE "error|fail|cannot|unable|not found|unsupported|segmentation|abort|ignoring|unknown"; then
  echo "FAIL: jalv reported a problem"
  exit 1
fi
if ! grep -q "^mix = 100" "$work/jalv.log" || ! grep -q "^enabled = 1" "$work/jalv.log"; then
  echo "FAIL: jalv did not take the controls by their symbols"
  exit 1
fi
if ! grep -qiE "block length|sample rate|comm buffers" "$work/jalv.log"; then
  echo "FAIL: jalv did not start processing"
  exit 1
fi
echo "OK: $uri ran in jalv"
