#!/usr/bin/env bash
# Kept for existing instructions: installs what the all-in-one needs (see ensure-system.sh).
exec bash "$(dirname "$0")/ensure-system.sh" "$@"
