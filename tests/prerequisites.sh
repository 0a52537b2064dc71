#!/usr/bin/env bash
# What `make test` needs besides the Python packages, brought up on a Debian machine:
# - PostgreSQL at 127.0.0.1:5432 with a `test` database (the production event store's tests);
# - Debian packages: promtool (alert rule tests), chromium + chromedriver + CJK fonts (browser tests),
#   docker-compose 1.29 (validates docker-compose.yml without an engine).
# Installs only what is missing; as a non-root user it says what to install instead.
set -uo pipefail

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  cluster=$(ls /etc/postgresql 2>/dev/null | head -1)
  if [ -n "$cluster" ] && command -v pg_ctlcluster >/dev/null; then
    echo "starting PostgreSQL $cluster"
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
if command -v psql >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  if ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'test'" postgres 2>/dev/null | grep -q 1; then
    echo "creating the PostgreSQL database test"
    psql -h 127.0.0.1 -U postgres -c "create database test" postgres >/dev/null || true
  fi
else
  echo "PostgreSQL is not reachable at 127.0.0.1:5432: its tests skip (and fail in CI)" >&2
fi

missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v docker-compose >/dev/null || missing+=(docker-compose)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >/dev/null
  else
    echo "missing Debian packages (their tests skip, and fail in CI): sudo apt-get install ${missing[*]}" >&2
  fi
fi
exit 0
