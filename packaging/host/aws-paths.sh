#!/bin/sh
# Shipped to the host by Docker Desktop (metadata.json host.binaries) and run by the ECS Endpoints
# UI with ddClient.extension.host.cli.exec: prints where the AWS CLI and SDKs on this machine read
# their configuration, as one line of JSON, so the backend in Docker Desktop's VM can read those
# files through a read-only bind mount. Honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE as
# the SDKs do (a leading ~/ is the home folder). Reads nothing but file metadata; writes nothing.
set -eu

home=${HOME:-}
[ -n "$home" ] || home=$(cd ~ 2>/dev/null && pwd) || home=

expand() {
  case $1 in
    "~") printf '%s' "$home" ;;
    "~/"*) printf '%s/%s' "$home" "${1#"~/"}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# A JSON string: backslashes and quotes escaped, tabs and newlines as \t and \n.
str() {
  printf '"'
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
  printf '"'
}

bool() { if [ -e "$1" ]; then printf true; else printf false; fi; }

config=$(expand "${AWS_CONFIG_FILE:-$home/.aws/config}")
credentials=$(expand "${AWS_SHARED_CREDENTIALS_FILE:-$home/.aws/credentials}")
sso_cache="$home/.aws/sso/cache"
case $(uname -s) in
  Darwin) os=darwin ;;
  *) os=linux ;;
esac

printf '{"version":1,"os":%s,"home":%s,"config":%s,"configExists":%s,"credentials":%s,"credentialsExists":%s,"ssoCache":%s,"ssoCacheExists":%s}\n' \
  "$(str "$os")" "$(str "$home")" "$(str "$config")" "$(bool "$config")" "$(str "$credentials")" "$(bool "$credentials")" "$(str "$sso_cache")" "$(bool "$sso_cache")"
