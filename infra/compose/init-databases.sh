#!/bin/sh
# Run once by the postgres image on an empty data directory: one database and one role per
# service; a role can connect to its own database only.
set -eu
for service in registry progress awards notify; do
  password_var=$(echo "${service}_DB_PASSWORD" | tr a-z A-Z)
  password=$(eval echo "\${$password_var}")
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE $service LOGIN PASSWORD '$password';
CREATE DATABASE $service OWNER $service;
REVOKE ALL ON DATABASE $service FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $service TO $service;
SQL
done
