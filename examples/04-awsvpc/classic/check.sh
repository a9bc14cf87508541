#!/bin/sh
# localhost between the task's containers, each one's own metadata, the task's credentials.
. "$(dirname "$0")/../../lib/check.sh"
eventually 20 in_ app node /probe/probe.mjs get http://localhost:8080/ | grep -q '"service":"sidecar"'
echo "ok - the app reaches its sidecar on localhost:8080"
expect app 'http://169.254.170.2/v3/containers/app' 'Name=^app$' 'Networks.0.NetworkMode=^awsvpc$'
expect sidecar 'http://169.254.170.2/v3/containers/sidecar' 'Name=^sidecar$'
expect app 'http://169.254.170.2/v4/containers/app/task' 'Containers="Name":"app"' 'Containers="Name":"sidecar"'
in_ app sh -c 'node /probe/probe.mjs get "$ECS_CONTAINER_METADATA_URI_V4"' | grep -q '"Name":"app"'
echo "ok - \$ECS_CONTAINER_METADATA_URI_V4 names the app"
expect app 'http://169.254.170.2/creds' 'AccessKeyId=^ASIA' 'Token=.'
