#!/bin/sh
# The same task without a pause container: it joins a moment after it starts (the label).
. "$(dirname "$0")/../../lib/check.sh"
eventually 20 expect app 'http://169.254.170.2/v4' 'Name=^app$' >/dev/null
echo "ok - the app was attached by its label"
in_ app node /probe/probe.mjs get http://localhost:8080/ | grep -q '"service":"sidecar"'
echo "ok - the app reaches its sidecar on localhost:8080"
expect app 'http://169.254.170.2/v4' 'Name=^app$' 'Networks.0.NetworkMode=^awsvpc$'
expect sidecar 'http://169.254.170.2/v4/containers/sidecar' 'Name=^sidecar$'
expect app 'http://169.254.170.2/v4/task' 'Containers="Name":"sidecar"'
expect app 'http://169.254.170.2/creds' 'AccessKeyId=^ASIA'
