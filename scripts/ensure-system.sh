#!/usr/bin/env bash
# Installs through apt the Debian packages Lightwatch needs and that are missing: the run-time ones
# (system-packages/start.txt) and, with --test, those the test suite drives for real (system-packages/test.txt:
# Chromium for browser tests, ping, the servers that checks and compatibility tests talk to).
# Installs nothing when every listed command is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lists=("$here/system-packages/start.txt")
[ "${1:-}" = "--test" ] && lists+=("$here/system-packages/test.txt")
missing=()
for list in "${lists[@]}"; do
  while read -r cmd pkg; do
    case "$cmd" in ''|'#'*) continue ;; esac
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/usr/bin/$cmd" ] || missing+=("$pkg")
  done < "$list"
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "installing with apt-get (Debian/Ubuntu): ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# Debian may start system-wide servers (redis on 6379, ...); Lightwatch and its tests start their own on free ports.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
