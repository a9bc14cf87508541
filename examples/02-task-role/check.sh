#!/bin/sh
# The role's credentials, from inside the container; RoleArn names the role.
. "$(dirname "$0")/../lib/check.sh"
expect app 'http://169.254.170.2/role/orders-task-role' \
  'RoleArn=^arn:aws:iam::\d{12}:role/orders-task-role$' 'AccessKeyId=^ASIA' 'Token=.' 'Expiration=Z$'
# A container can only use the role its own environment names.
if in_ app node /probe/probe.mjs get 'http://169.254.170.2/role/someone-elses-role' >/dev/null 2>&1; then
  echo "not ok - another role's path answered"; exit 1
fi
echo "ok - another role's path is refused"
