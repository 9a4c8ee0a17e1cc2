#!/usr/bin/env bash
# The PostgreSQL backend's tests (contract suites, cluster tests) use the server
# on this machine (127.0.0.1:5432, database `test`, trust auth). Start it when it
# is installed but down; do nothing when it answers. BATON_TEST_PG_URL points the
# tests at another server instead.
set -euo pipefail
SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); fi

if [ -n "${BATON_TEST_PG_URL:-}" ]; then exit 0; fi
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "start-postgres: pg_isready not found; the PostgreSQL tests need a server at 127.0.0.1:5432 (or BATON_TEST_PG_URL)" >&2
  exit 0
fi
if pg_isready -q -h 127.0.0.1; then exit 0; fi
if [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && exit 0; sleep 1; done
fi
echo "start-postgres: PostgreSQL at 127.0.0.1:5432 does not answer; the PostgreSQL tests will fail" >&2
