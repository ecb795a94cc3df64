#!/usr/bin/env bash
# Container path (the official postgres image runs this once, when it initialises its data):
# the auth service's least-privilege role, owning its database. The AppHost does the same on every
# run-mode start (Infrastructure/AuthDatabaseRole.cs); this covers a deployment from the manifest,
# where no AppHost runs next to the database. The password comes from AUTHDB_PASSWORD.
set -euo pipefail
: "${AUTHDB_PASSWORD:?AUTHDB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v password="$AUTHDB_PASSWORD" <<'SQL'
CREATE ROLE gateway_auth LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
CREATE DATABASE authdb OWNER gateway_auth;
REVOKE ALL ON DATABASE authdb FROM PUBLIC;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname authdb -c 'ALTER SCHEMA public OWNER TO gateway_auth'
