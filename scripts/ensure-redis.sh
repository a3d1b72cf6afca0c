#!/usr/bin/env bash
# Installs redis-server through apt when it is missing (Debian/Ubuntu). Installs nothing silently otherwise.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "redis-server not found: installing it with apt-get (Debian/Ubuntu)" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
# Debian starts a system-wide server on 6379; Lightwatch starts its own on a free port and does not need it.
command -v redis-server >/dev/null
