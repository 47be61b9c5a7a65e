#!/usr/bin/env bash
# Removes what scripts/install.sh installed: the service (stopped and disabled), the unit, the wrapper and
# /opt/quorumd. Keeps /etc/quorumd (config and key), /var/lib/quorumd (the ledger) and the quorumd user
# unless --purge is given.
# Usage: scripts/uninstall.sh [--prefix DIR] [--dry-run] [--purge]
set -euo pipefail
prefix=""
dry=0
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
step() { echo "==> $*"; }
run() {
  echo "    $*"
  if [ "$dry" -eq 0 ]; then "$@"; fi
}
if [ "$dry" -eq 0 ] && [ -z "$prefix" ] && [ "$(id -u)" -ne 0 ]; then
  echo "uninstall.sh: run as root (or --dry-run)" >&2
  exit 2
fi
step "1. stop and disable the service"
if [ -z "$prefix" ] && [ -d /run/systemd/system ]; then
  run systemctl disable --now quorumd || true
else
  echo "    (no systemd here: skipped)"
fi
step "2. unit, wrapper, jar"
run rm -f "$prefix/etc/systemd/system/quorumd.service" "$prefix/usr/local/bin/quorumd" \
  "$prefix/etc/bash_completion.d/quorumd"
run rm -rf "$prefix/opt/quorumd"
if [ -z "$prefix" ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
fi
if [ "$purge" -eq 1 ]; then
  step "3. --purge: config, key, ledger and user"
  run rm -rf "$prefix/etc/quorumd" "$prefix/var/lib/quorumd"
  if [ -z "$prefix" ] && id quorumd >/dev/null 2>&1; then
    run userdel quorumd
  fi
else
  step "3. kept: $prefix/etc/quorumd (config, key) and $prefix/var/lib/quorumd (ledger); --purge removes them"
fi
