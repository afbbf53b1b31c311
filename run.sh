#!/usr/bin/env bash
# Runs the whole ILR platform on this machine (no Docker needed): NATS JetStream, a MongoDB
# wire server (SecantusDB) unless MONGODB_URL is set, the three services and the nginx
# gateway with the admin app on http://localhost:8000. Ctrl-C stops everything.
# Options go to the launcher: ./run.sh --help, --gateway-port, --data-dir, --base-port 0 ...
set -euo pipefail
cd "$(dirname "$0")"
source deploy/local/prepare.sh

ensure_uv
uv_sync
ensure_debs nginx nats-server
if ! build_admin; then
    echo "warning: the admin web app did not build; the gateway serves a placeholder page" >&2
fi
log_step "starting the stack"
exec "${UV[@]}" run --frozen python -m deploy.local.launcher "$@"
