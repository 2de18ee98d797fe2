#!/bin/sh
# Run once by Patroni on the node that initializes the cluster, with a connection string to it:
# creates the fleet's database, owned by the superuser the data API connects as.
set -eu
db="${POSTGRES_DB:-paxos}"
[ "$db" = postgres ] && exit 0
psql "$1" -v ON_ERROR_STOP=1 -v db="$db" -c 'SELECT 1' >/dev/null
psql "$1" -v ON_ERROR_STOP=1 -v db="$db" <<'SQL'
CREATE DATABASE :"db";
SQL
