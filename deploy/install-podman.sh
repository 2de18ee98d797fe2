#!/usr/bin/env bash
# Installs what `npm run test:containers` needs on a Debian machine, as root: podman with runc
# (crun fails on these machines: see shared/containers.md), podman-compose, a static busybox,
# the PostgreSQL 15 binaries and debootstrap (for deploy/standin-images.sh). Idempotent; a no-op taking
# milliseconds when everything is there.
set -euo pipefail

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v podman-compose >/dev/null || need+=(podman-compose)
# The stand-in images need the static build: /bin/busybox that ldd calls "not a dynamic executable".
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || need+=(busybox-static)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-podman: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
fi

# runc, and no default ulimits (setting them fails here).
conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = []
[engine]
runtime = "runc"
'
if [ "$(cat "$conf" 2>/dev/null)" != "${want%$'\n'}" ]; then
  mkdir -p /etc/containers
  printf '%s' "$want" >"$conf"
  echo "install-podman: wrote $conf"
fi
