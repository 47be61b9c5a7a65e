#!/usr/bin/env bash
# Installs quorumd on this machine as a systemd service:
#   /opt/quorumd/{quorumd.jar,README.md,docs/}, /usr/local/bin/quorumd (wrapper, which the unit runs),
#   /etc/bash_completion.d/quorumd, /etc/systemd/system/quorumd.service,
#   the quorumd system user, /etc/quorumd/quorumd.yaml (from the example, if absent) and a node key
#   (/etc/quorumd/node.key, if absent). Never overwrites a config or a key.
# Usage: scripts/install.sh [--prefix DIR] [--dry-run]
#   --prefix DIR  install under DIR (a staging root: no user, no chown, no systemctl)
#   --dry-run     print every step, change nothing
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix=""
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
staging=0
[ -n "$prefix" ] && staging=1

step() { echo "==> $*"; }
run() {
  echo "    $*"
  if [ "$dry" -eq 0 ]; then "$@"; fi
}

if [ "$dry" -eq 0 ] && [ "$staging" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (or use --prefix DIR to stage, --dry-run to see the steps)" >&2
  exit 2
fi

jar="$here/target/quorumd.jar"
step "1. build the jar if it is missing ($jar)"
if [ ! -f "$jar" ]; then
  run bash -c "cd '$here' && mvn -B -q -DskipTests package"
fi

step "2. system user quorumd"
if [ "$staging" -eq 1 ]; then
  echo "    (staging: skipped)"
elif id quorumd >/dev/null 2>&1; then
  echo "    exists"
else
  run useradd --system --no-create-home --home-dir /var/lib/quorumd --shell /usr/sbin/nologin quorumd
fi

step "3. jar, README and docs to $prefix/opt/quorumd (the unit's Documentation=)"
run install -d -m 0755 "$prefix/opt/quorumd" "$prefix/opt/quorumd/docs"
run install -m 0644 "$jar" "$prefix/opt/quorumd/quorumd.jar"
run install -m 0644 "$here/README.md" "$prefix/opt/quorumd/README.md"
run install -m 0644 "$here"/docs/*.md "$prefix/opt/quorumd/docs/"

step "4. wrapper $prefix/usr/local/bin/quorumd"
run install -d -m 0755 "$prefix/usr/local/bin"
wrapper='#!/bin/sh
# quorumd: a small node by default (heap cap, SerialGC); JAVA_OPTS overrides.
exec java ${JAVA_OPTS:--Xms16m -Xmx256m -XX:+UseSerialGC} -jar /opt/quorumd/quorumd.jar "$@"'
echo "    write $prefix/usr/local/bin/quorumd (0755)"
if [ "$dry" -eq 0 ]; then
  printf '%s\n' "$wrapper" > "$prefix/usr/local/bin/quorumd"
  chmod 0755 "$prefix/usr/local/bin/quorumd"
fi

step "4b. bash completion $prefix/etc/bash_completion.d/quorumd"
run install -d -m 0755 "$prefix/etc/bash_completion.d"
echo "    write it from: java -jar $jar generate-completion"
if [ "$dry" -eq 0 ]; then
  java -jar "$jar" generate-completion > "$prefix/etc/bash_completion.d/quorumd"
  chmod 0644 "$prefix/etc/bash_completion.d/quorumd"
fi

step "5. systemd unit $prefix/etc/systemd/system/quorumd.service"
run install -d -m 0755 "$prefix/etc/systemd/system"
run install -m 0644 "$here/systemd/quorumd.service" "$prefix/etc/systemd/system/quorumd.service"

step "6. config $prefix/etc/quorumd/quorumd.yaml (from config/quorumd.example.yaml, only if absent)"
run install -d -m 0750 "$prefix/etc/quorumd"
if [ -e "$prefix/etc/quorumd/quorumd.yaml" ]; then
  echo "    exists: kept as it is"
else
  echo "    write it with keyFile /etc/quorumd/node.key, dataDir /var/lib/quorumd, socket /run/quorumd/control.sock"
  if [ "$dry" -eq 0 ]; then
    sed -e 's#^  keyFile: node.key#  keyFile: /etc/quorumd/node.key#' \
        -e 's#^  dataDir: data#  dataDir: /var/lib/quorumd#' \
        -e 's#^  socket: data/control.sock#  socket: /run/quorumd/control.sock#' \
        "$here/config/quorumd.example.yaml" > "$prefix/etc/quorumd/quorumd.yaml"
    chmod 0640 "$prefix/etc/quorumd/quorumd.yaml"
  fi
fi

step "7. node key $prefix/etc/quorumd/node.key (only if absent)"
if [ -e "$prefix/etc/quorumd/node.key" ]; then
  echo "    exists: kept as it is"
else
  run java -jar "$jar" keygen --out "$prefix/etc/quorumd/node.key"
fi

step "8. ownership and systemd"
if [ "$staging" -eq 1 ]; then
  echo "    (staging: skipped)"
else
  run chown root:quorumd /etc/quorumd /etc/quorumd/quorumd.yaml
  run chown quorumd:quorumd /etc/quorumd/node.key
  if [ -d /run/systemd/system ]; then
    run systemctl daemon-reload
  else
    echo "    systemd is not running here: run 'systemctl daemon-reload' on the target"
  fi
fi

cat <<TXT

Next:
  1. Put this node's name and public key (printed by step 7; again with:
     sudo quorumd key show --key /etc/quorumd/node.key) into the roster of
     /etc/quorumd/quorumd.yaml on every node, with the same roster everywhere (docs/operations.md).
  2. quorumd config check --config /etc/quorumd/quorumd.yaml
  3. systemctl enable --now quorumd; journalctl -u quorumd -f; quorumd status --config /etc/quorumd/quorumd.yaml
TXT
