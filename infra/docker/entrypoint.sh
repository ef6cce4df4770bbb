#!/bin/sh
# Container entrypoint of every gip-mesure app image (see infra/docker/Dockerfile.service).
#   gip-entrypoint serve      -> python -m $GIP_SERVICE serve   (default CMD)
#   gip-entrypoint migrate    -> python -m $GIP_SERVICE migrate
#   gip-entrypoint <args...>  -> python -m $GIP_SERVICE <args...>
# With GIP_MIGRATE_ON_START=true (docker-compose sets it) `serve` is preceded by `migrate`.
# The gateway has no database and never migrates.
set -eu

service="${GIP_SERVICE:?GIP_SERVICE is not set}"
[ "$#" -gt 0 ] || set -- serve

if [ "$1" = "serve" ] && [ "${GIP_MIGRATE_ON_START:-false}" = "true" ] \
    && [ "$service" != "gateway" ]; then
    python -m "$service" migrate
fi

exec python -m "$service" "$@"
