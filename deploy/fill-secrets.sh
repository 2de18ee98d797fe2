#!/bin/sh
# Gives every empty secret of an .env made from .env.example a fresh random value, and leaves
# the values already set alone (run it again after adding a line: nothing else changes).
#
#   cp .env.example .env
#   sh deploy/fill-secrets.sh .env
#
# Secrets: NEURELO_API_KEY, POSTGRES_PASSWORD, ADMIN_KEY, DASHBOARD_TOKEN (openssl rand -hex
# 24 each), PAXOS_KEY (a client key, pxk_ and 32 random bytes in hex) and CLIENT_KEYS (the
# replicas' list of accepted key hashes; when empty, PAXOS_KEY's entry, read-write). With a
# hosted Neurelo environment, put its key in NEURELO_API_KEY before running this. Needs
# openssl; prints the names it set, never a value.
set -eu

file=${1:-.env}
if [ ! -f "$file" ]; then
  echo "fill-secrets: $file not found: cp .env.example $file first" >&2
  exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "fill-secrets: needs openssl" >&2; exit 2; }

# The value of NAME in the file (the last line that sets it), empty when absent.
value_of() {
  sed -n "s/^$1=//p" "$file" | tail -n 1
}

# Sets NAME=VALUE: replaces an empty "NAME=" line, or appends one when the file has none.
set_value() {
  tmp="$file.fill-secrets.$$"
  (umask 077 && awk -v name="$1" -v value="$2" '
    BEGIN { done = 0 }
    $0 == name "=" && !done { print name "=" value; done = 1; next }
    { print }
    END { if (!done) print name "=" value }
  ' "$file" >"$tmp")
  mv "$tmp" "$file"
  echo "fill-secrets: $1 set"
}

fill() {
  if [ -z "$(value_of "$1")" ]; then set_value "$1" "$2"; fi
}

fill NEURELO_API_KEY "$(openssl rand -hex 24)"
fill POSTGRES_PASSWORD "$(openssl rand -hex 24)"
fill ADMIN_KEY "$(openssl rand -hex 24)"
fill DASHBOARD_TOKEN "$(openssl rand -hex 24)"
fill PAXOS_KEY "pxk_$(openssl rand -hex 32)"

key=$(value_of PAXOS_KEY)
hash=$(printf %s "$key" | openssl dgst -sha256 -r | cut -d' ' -f1)
fill CLIENT_KEYS "app:write:$hash"
case ",$(value_of CLIENT_KEYS)," in
  *":$hash,"* | *":$hash:"*) ;;
  *) echo "fill-secrets: note: CLIENT_KEYS has no entry for PAXOS_KEY, so the dashboard's command box will be refused" >&2 ;;
esac
chmod 600 "$file"
