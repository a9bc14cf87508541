#!/bin/sh
# Shipped to the host by Docker Desktop (metadata.json host.binaries) and run by the ECS Endpoints
# UI with ddClient.extension.host.cli.exec while the dashboard is open: given ONE profile name, it
# finds that profile's credential_process in this machine's AWS files, runs it as the AWS SDK for
# JavaScript does (through sh -c), and prints what it printed (its credentials JSON) for the UI to
# hand to the backend in Docker Desktop's VM, where the program does not exist.
#
# It runs nothing else: the command comes from the person's own files, never from its caller. Where
# it looks follows the SDK: AWS_CONFIG_FILE ([profile NAME], or [default]) and
# AWS_SHARED_CREDENTIALS_FILE ([NAME]), the credentials file winning. On any failure it prints one
# line to stderr and exits non-zero, never the program's output (it may hold secrets).
set -eu

fail() {
  printf 'aws-credential-process: %s\n' "$1" >&2
  exit "${2:-1}"
}

[ $# -eq 1 ] && [ -n "$1" ] || fail 'usage: aws-credential-process.sh <profile>' 2
profile=$1
# The characters the SDKs allow in a profile name; anything else cannot be a profile.
case $profile in
  *[!A-Za-z0-9_@+.%:/-]*) fail "its argument is not a profile name the AWS SDKs read (letters, digits and _@+.%:/- only)." 2 ;;
esac

home=${HOME:-}
[ -n "$home" ] || home=$(cd ~ 2>/dev/null && pwd) || home=
expand() {
  case $1 in
    "~") printf '%s' "$home" ;;
    "~/"*) printf '%s/%s' "$home" "${1#"~/"}" ;;
    *) printf '%s' "$1" ;;
  esac
}
config=$(expand "${AWS_CONFIG_FILE:-$home/.aws/config}")
credentials=$(expand "${AWS_SHARED_CREDENTIALS_FILE:-$home/.aws/credentials}")

# lookup FILE SECTIONS: "s" if one of the sections (separated by |) is in FILE, then "v<value>" for
# the last credential_process among them, parsed as the SDK's ini parser does (comments after ; or #
# at the start or after a space, indented sub-settings of a "name =" line are not top-level).
lookup() {
  [ -r "$1" ] || return 0
  awk -v want="$2" '
    BEGIN { n = split(want, names, "|"); for (i = 1; i <= n; i++) ok[names[i]] = 1 }
    {
      raw = $0; sub(/\r$/, "", raw); line = raw
      if (match(line, /(^|[ \t])[;#]/)) line = substr(line, 1, RSTART - 1)
      gsub(/^[ \t]+|[ \t]+$/, "", line)
      if (line ~ /^\[.*\]$/) {
        sec = substr(line, 2, length(line) - 2); sub_ = ""; inside = (sec in ok)
        if (inside) seen = 1
        next
      }
      if (!inside) next
      eq = index(line, "="); if (eq <= 1) next
      key = substr(line, 1, eq - 1); val = substr(line, eq + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", key); gsub(/^[ \t]+|[ \t]+$/, "", val)
      if (val == "") { sub_ = key; next }
      if (sub_ != "" && raw !~ /^[ \t]/) sub_ = ""
      if (sub_ == "" && key == "credential_process") { found = 1; value = val }
    }
    END { if (seen) print "s"; if (found) print "v" value }
  ' "$1"
}

value() { printf '%s\n' "$1" | sed -n 's/^v//p'; }

cmd=$(value "$(lookup "$credentials" "$profile")")
if [ -z "$cmd" ]; then
  in_config=$(lookup "$config" "profile $profile|profile \"$profile\"|profile '$profile'")
  # [profile default] replaces [default] when both are there, as in the SDK.
  if [ "$profile" = default ] && [ -z "$in_config" ]; then in_config=$(lookup "$config" default); fi
  cmd=$(value "$in_config")
fi
[ -n "$cmd" ] || fail "profile \"$profile\" has no credential_process in $config or $credentials."

errors=$(mktemp "${TMPDIR:-/tmp}/aws-credential-process.XXXXXX")
trap 'rm -f "$errors"' EXIT
if out=$(sh -c "$cmd" 2>"$errors" </dev/null); then
  [ -n "$out" ] || fail "the credential_process of profile \"$profile\" printed nothing."
  printf '%s\n' "$out"
else
  code=$?
  last=$(awk 'NF { l = $0 } END { print substr(l, 1, 300) }' "$errors")
  fail "the credential_process of profile \"$profile\" failed (exit $code)${last:+: $last}"
fi
