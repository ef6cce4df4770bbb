#!/bin/bash
# Runs once, on the first start of an empty data volume (postgres image's
# /docker-entrypoint-initdb.d). Creates one role and one database per service.
# Dev passwords equal the role name unless GIP_<SERVICE>_DB_PASSWORD is set
# (docker-compose.yml passes the same variables to the services' database URLs).
set -euo pipefail

for db in tenants billing measure reports; do
    var="GIP_${db^^}_DB_PASSWORD"
    password="${!var:-$db}"
    echo "init-databases: creating role and database ${db}"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        --set=role="$db" --set=password="$password" <<'EOSQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
EOSQL
done
