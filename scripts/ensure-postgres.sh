#!/usr/bin/env bash
# Make sure a PostgreSQL server is reachable for the tests and print the URLs to use as
# `export` lines (the Makefile evals them). Progress goes to stderr.
#   1. WEBNOVA_TEST_DATABASE_URL set: use it as is (and WEBNOVA_TEST_APP_DATABASE_URL if set).
#   2. else a server on 127.0.0.1:5432: create the test roles through the `postgres` OS user.
#   3. else install PostgreSQL with apt-get and start a cluster, then as in 2.
# Roles: webnova_test_owner (owns the per-run test databases; CREATEDB), webnova_test_app (the
# non-superuser role the app connects as, so Row Level Security applies) and webnova_test_deployer
# (CREATEDB CREATEROLE: makes each deployed platform's database and role, as
# WEBNOVA_DEPLOY_DATABASE_URL would). Passwords are set so the server's TCP auth method (trust, md5
# or scram) does not matter.
set -euo pipefail
log() { echo "ensure-postgres: $*" >&2; }

if [ -n "${WEBNOVA_TEST_DATABASE_URL:-}" ]; then
  log "using WEBNOVA_TEST_DATABASE_URL from the environment"
  echo "export WEBNOVA_TEST_DATABASE_URL='${WEBNOVA_TEST_DATABASE_URL}'"
  [ -n "${WEBNOVA_TEST_APP_DATABASE_URL:-}" ] && \
    echo "export WEBNOVA_TEST_APP_DATABASE_URL='${WEBNOVA_TEST_APP_DATABASE_URL}'"
  [ -n "${WEBNOVA_TEST_DEPLOY_DATABASE_URL:-}" ] && \
    echo "export WEBNOVA_TEST_DEPLOY_DATABASE_URL='${WEBNOVA_TEST_DEPLOY_DATABASE_URL}'"
  exit 0
fi

HOST=127.0.0.1
PORT=5432
ready() { pg_isready -q -h "$HOST" -p "$PORT" -t 2 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
  log "PostgreSQL is not installed: installing it with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

if ! ready; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "creating cluster $version/main"
    pg_createcluster "$version" main >&2
  fi
  log "starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 60); do ready && break; sleep 0.5; done
  ready || { log "PostgreSQL did not become ready on $HOST:$PORT"; exit 1; }
fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

OWNER_PW=webnova_test_owner_pw
APP_PW=webnova_test_app_pw
DEPLOY_PW=webnova_test_deployer_pw
as_postgres psql -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$PORT" -d postgres >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'webnova_test_owner') THEN
    CREATE ROLE webnova_test_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'webnova_test_app') THEN
    CREATE ROLE webnova_test_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'webnova_test_deployer') THEN
    CREATE ROLE webnova_test_deployer LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB CREATEROLE;
  END IF;
END \$\$;
ALTER ROLE webnova_test_owner PASSWORD '$OWNER_PW' CREATEDB NOSUPERUSER NOBYPASSRLS;
ALTER ROLE webnova_test_app PASSWORD '$APP_PW' NOSUPERUSER NOBYPASSRLS;
ALTER ROLE webnova_test_deployer PASSWORD '$DEPLOY_PW' CREATEDB CREATEROLE NOSUPERUSER;
SQL
log "PostgreSQL ready on $HOST:$PORT (roles webnova_test_owner, webnova_test_app, webnova_test_deployer)"
echo "export WEBNOVA_TEST_DATABASE_URL='postgresql+psycopg://webnova_test_owner:$OWNER_PW@$HOST:$PORT/postgres'"
echo "export WEBNOVA_TEST_APP_DATABASE_URL='postgresql+psycopg://webnova_test_app:$APP_PW@$HOST:$PORT/postgres'"
echo "export WEBNOVA_TEST_DEPLOY_DATABASE_URL='postgresql://webnova_test_deployer:$DEPLOY_PW@$HOST:$PORT/postgres'"
