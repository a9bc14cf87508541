#!/bin/sh
# A request by name from one service to the other, and the service's name in its task metadata.
. "$(dirname "$0")/../lib/check.sh"
eventually 20 in_ frontend node /probe/probe.mjs get http://orders.local:8080/ | grep -q '"service":"orders"'
echo "ok - frontend -> http://orders.local:8080/ (discovery name) reaches orders"
in_ frontend node /probe/probe.mjs get http://orders:8080/ | grep -q '"service":"orders"'
echo "ok - frontend -> http://orders:8080/ (compose service name) reaches orders"
expect orders 'http://169.254.170.2/v4/task' 'ServiceName=^orders$'
# orders was reconnected to take its name: its new address is bound to it, so /creds answers it.
expect orders 'http://169.254.170.2/creds' 'AccessKeyId=^ASIA'
