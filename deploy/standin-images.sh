#!/usr/bin/env bash
# Builds local stand-ins for the official base images that the Dockerfiles and docker-compose.yml
# name (node:20-bookworm-slim, postgres:15-bookworm, debian:bookworm-slim), for machines that run
# podman but cannot pull from a registry. The node and postgres stand-ins are root filesystems
# assembled from this host's own binaries (node and npm; PostgreSQL 15) plus a static busybox
# for /bin/sh; the debian one is a real minimal Debian 12 made by debootstrap from Debian's own
# mirror, so that a Dockerfile's `apt-get install` runs in it as in the official image. Each is
# imported and tagged with the official name so that `podman build --pull=never` and
# podman-compose find it.
#
# The stand-ins copy the conventions the project relies on, not the whole official images:
#   node:     node and npm under /usr/local, a `node` user (uid 1000), CMD ["node"].
#   postgres: POSTGRES_PASSWORD (required), POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS,
#             PGDATA and /docker-entrypoint-initdb.d (*.sh, *.sql); runs as `postgres` (uid 999);
#             password auth over TCP, pg_isready on PATH.
#   debian:   debootstrap's minbase variant of bookworm, from http://deb.debian.org/debian.
#
# An image that already exists locally (a real pull or an earlier stand-in) is left alone; pass
# --force to rebuild the stand-ins. Needs root (to chown the trees), podman, and on Debian:
#   apt-get install -y busybox-static postgresql-15 debootstrap
# Usage: deploy/standin-images.sh [--force] [node|postgres|debian]...
set -euo pipefail

NODE_IMAGE=docker.io/library/node:20-bookworm-slim
PG_IMAGE=docker.io/library/postgres:15-bookworm
PG_MAJOR=15
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
STANDIN_LABEL='org.opencontainers.image.description=local stand-in built by deploy/standin-images.sh'

force=0
wanted=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    node | postgres | debian) wanted+=("$arg") ;;
    *) echo "usage: $0 [--force] [node|postgres|debian]..." >&2; exit 2 ;;
  esac
done
[ ${#wanted[@]} -gt 0 ] || wanted=(node postgres debian)

log() { echo "standin-images: $*" >&2; }

trees=()
cleanup() { [ ${#trees[@]} -eq 0 ] || rm -rf "${trees[@]}"; }
trap cleanup EXIT
# A fresh folder for a root filesystem, removed when the script exits.
new_tree() {
  mktemp -d "/tmp/standin-$1.XXXXXX"
}

# Copies each file with the shared libraries `ldd` says it needs into the root filesystem $1,
# at the same paths (symlinks are followed: the loader only needs the names it asks for).
copy_with_libs() {
  local root=$1
  shift
  local f lib
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
    ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^[ \t]*\/.*ld-linux/ {print $1}' |
      while read -r lib; do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
      done
  done
}

# A static busybox as /bin/sh and the usual applets; /usr/bin/env for `#!/usr/bin/env node`.
add_busybox() {
  local root=$1 applet
  local busybox=/bin/busybox
  [ -x "$busybox" ] || { log "install busybox-static (apt-get install -y busybox-static)"; exit 1; }
  ! ldd "$busybox" >/dev/null 2>&1 ||
    { log "$busybox is not the static build (apt-get install -y busybox-static)"; exit 1; }
  mkdir -p "$root/bin" "$root/usr/bin" "$root/sbin" "$root/usr/sbin"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] && continue
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  ln -sf ../../bin/busybox "$root/usr/bin/env"
}

base_tree() {
  local root=$1
  mkdir -p "$root"/{etc,tmp,root,dev,proc,sys,run,var/tmp,etc/ssl/certs}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  ln -s ../run "$root/var/run"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  add_busybox "$root"
}

import_tree() {
  local root=$1 image=$2
  shift 2
  tar --numeric-owner -C "$root" -cf - . | podman import --quiet "$@" --change "LABEL $STANDIN_LABEL" - "$image" >/dev/null
  log "built $image"
}

build_node() {
  local root node npm_dir
  node=$(command -v node) || { log "node is not installed on this host"; exit 1; }
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  case "$("$node" --version)" in v20.*) ;; *) log "the host's node is not version 20"; exit 1 ;; esac
  root=$(new_tree node)
  trees+=("$root")
  base_tree "$root"
  copy_with_libs "$root" "$node"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
  mv "$root$node" "$root/usr/local/bin/node"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # npm inside the build trusts what this host trusts (some networks re-sign TLS at an egress proxy).
  mkdir -p "$root/usr/local/etc"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nupdate-notifier=false\nfund=false\naudit=false\n' >"$root/usr/local/etc/npmrc"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
  mkdir -p "$root/home/node" && chown 1000:1000 "$root/home/node"
  import_tree "$root" "$NODE_IMAGE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$("$node" --version | tr -d v)" \
    --change 'CMD ["node"]'
}

build_postgres() {
  local root pgbin=/usr/lib/postgresql/$PG_MAJOR f
  [ -x "$pgbin/bin/postgres" ] || { log "install postgresql-$PG_MAJOR on this host"; exit 1; }
  root=$(new_tree postgres)
  trees+=("$root")
  base_tree "$root"
  # JIT needs LLVM (hundreds of MB): without llvmjit.so PostgreSQL runs with JIT unavailable.
  local files=()
  while IFS= read -r f; do files+=("$f"); done < <(find "$pgbin" -type f \( -path '*/bin/*' -o -name '*.so' \) ! -name 'llvmjit*')
  copy_with_libs "$root" "${files[@]}"
  mkdir -p "$root/usr/share/postgresql" "$root/usr/lib/locale"
  cp -a "/usr/share/postgresql/$PG_MAJOR" "$root/usr/share/postgresql/"
  cp -a /usr/share/zoneinfo "$root/usr/share/"
  [ -d /usr/lib/locale/C.utf8 ] && cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999::/var/lib/postgresql:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\npostgres:x:999:\n' >"$root/etc/group"
  mkdir -p "$root/var/lib/postgresql/data" "$root/run/postgresql" "$root/docker-entrypoint-initdb.d" "$root/usr/local/bin"
  chown -R 999:999 "$root/var/lib/postgresql" "$root/run/postgresql"
  chmod 3777 "$root/run/postgresql"
  write_postgres_entrypoint "$root/usr/local/bin/docker-entrypoint.sh"
  import_tree "$root" "$PG_IMAGE" \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:$pgbin/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV PG_MAJOR=$PG_MAJOR" \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'VOLUME /var/lib/postgresql/data' \
    --change 'EXPOSE 5432' \
    --change 'STOPSIGNAL SIGINT' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]'
}

build_debian() {
  local root
  command -v debootstrap >/dev/null || { log "install debootstrap (apt-get install -y debootstrap)"; exit 1; }
  root=$(new_tree debian)
  trees+=("$root")
  log "debootstrap bookworm from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 ||
    { tail -n 20 "$root.log" >&2; rm -f "$root.log"; log "debootstrap failed"; exit 1; }
  rm -f "$root.log"
  # As the official image: no package lists or caches kept, apt sources for the same mirror.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  import_tree "$root" "$DEBIAN_IMAGE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]'
}

# The official entrypoint's behaviour, reduced to what compose files and k8s manifests rely on.
write_postgres_entrypoint() {
  cat >"$1" <<'ENTRY'
#!/bin/sh
set -eu
if [ "${1:-}" != postgres ]; then exec "$@"; fi
: "${PGDATA:=/var/lib/postgresql/data}"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  # busybox su as root needs no password; -p keeps the POSTGRES_* settings.
  exec su -p -s /bin/sh postgres -c 'exec "$0" "$@"' "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'Database is uninitialized and superuser password is not specified: set POSTGRES_PASSWORD' >&2
    exit 1
  fi
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list, as in the official image
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -c "CREATE DATABASE \"$db\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "running $f"; . "$f" ;;
      *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" -f "$f" ;;
      *) [ -e "$f" ] && echo "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi
exec "$@"
ENTRY
  chmod 755 "$1"
}

command -v podman >/dev/null || { log "podman is not installed"; exit 1; }
for what in "${wanted[@]}"; do
  case "$what" in
    node) image=$NODE_IMAGE ;;
    postgres) image=$PG_IMAGE ;;
    debian) image=$DEBIAN_IMAGE ;;
  esac
  if [ "$force" = 0 ] && podman image exists "$image"; then
    log "$image is present; not rebuilt"
    continue
  fi
  "build_$what"
done
