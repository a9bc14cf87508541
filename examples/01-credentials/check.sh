#!/bin/sh
# Credentials from inside the app container, where its SDK would ask for them.
. "$(dirname "$0")/../lib/check.sh"
expect app 'http://169.254.170.2/creds' \
  'AccessKeyId=^ASIA' 'SecretAccessKey=.' 'Token=.' 'Expiration=^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
# The same through the variable, as the SDKs build the URL.
in_ app sh -c 'node /probe/probe.mjs get "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" >/dev/null' && echo "ok - http://169.254.170.2\$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI answers"
