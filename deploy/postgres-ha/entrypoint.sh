#!/bin/sh
# `patroni`: a database node named $PATRONI_NAME. Patroni reads /etc/patroni/patroni.yml and
# then the PATRONI_* variables, which win; the superuser and replication passwords are
# POSTGRES_PASSWORD's. Anything else runs as given (`etcd --name ...`).
set -eu
if [ "${1:-}" = patroni ]; then
  : "${PATRONI_NAME:?set PATRONI_NAME to this node's service name}"
  : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env (see .env.example)}"
  export PATRONI_SUPERUSER_USERNAME="${POSTGRES_USER:-paxos}"
  export PATRONI_SUPERUSER_PASSWORD="$POSTGRES_PASSWORD"
  export PATRONI_REPLICATION_USERNAME="${POSTGRES_USER:-paxos}"
  export PATRONI_REPLICATION_PASSWORD="$POSTGRES_PASSWORD"
  export PATRONI_REWIND_USERNAME="${POSTGRES_USER:-paxos}"
  export PATRONI_REWIND_PASSWORD="$POSTGRES_PASSWORD"
  export PATRONI_RESTAPI_CONNECT_ADDRESS="${PATRONI_RESTAPI_CONNECT_ADDRESS:-$PATRONI_NAME:8008}"
  export PATRONI_POSTGRESQL_CONNECT_ADDRESS="${PATRONI_POSTGRESQL_CONNECT_ADDRESS:-$PATRONI_NAME:5432}"
  exec patroni /etc/patroni/patroni.yml
fi
exec "$@"
