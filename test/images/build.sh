#!/usr/bin/env bash
# Builds the images the tests use, offline: busybox from Debian's busybox-static on scratch, and a
# Node base assembled from this machine's own node binary and the libraries ldd lists for it.
# Usage: test/images/build.sh [busybox|node|pause|node-npm ...]   (default: busybox node pause). Idempotent and
# quick when cached. node-npm (for `docker build` of the extension image offline, see
# docs/packaging.md) is the node image plus npm 10 and all busybox applets: npm 10 because it is the
# npm of the official node:20 image, and because npm 11 refuses this lock file in `npm ci`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
want=${*:-busybox node pause}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

build() { # name tag dir
  DOCKER_BUILDKIT=0 docker build -q -t "$1" "$2" >/dev/null 2>"$ctx/err" || { cat "$ctx/err" >&2; exit 1; }
  echo "built $1"
}

for w in $want; do
  case $w in
    busybox)
      bb=$(command -v busybox || true)
      [ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked' || bb=/bin/busybox
      mkdir -p "$ctx/busybox" && cp "$bb" "$ctx/busybox/busybox"
      cp "$here/busybox/Dockerfile" "$ctx/busybox/"
      build ecs-endpoints-test/busybox:latest "$ctx/busybox"
      ;;
    pause)
      # The pause container of awsvpc test tasks (ECS_ENDPOINTS_PAUSE_IMAGE): busybox that waits.
      docker image inspect ecs-endpoints-test/busybox:latest >/dev/null 2>&1 || "$0" busybox
      mkdir -p "$ctx/pause"
      printf 'FROM ecs-endpoints-test/busybox:latest\nCMD ["sleep", "2147483647"]\n' > "$ctx/pause/Dockerfile"
      build ecs-endpoints-test/pause:latest "$ctx/pause"
      ;;
    node)
      d="$ctx/node/root"; mkdir -p "$d/usr/local/bin" "$d/etc" "$d/tmp"
      node_bin=$(readlink -f "$(command -v node)")
      cp "$node_bin" "$d/usr/local/bin/node"
      # The dynamic loader and every library node links against, at the same paths.
      for lib in $(ldd "$node_bin" | grep -oE '/[^ ]+'); do
        mkdir -p "$d$(dirname "$lib")"; cp -L "$lib" "$d$lib"
      done
      # nft and its libraries, for the address guard's helper container (the extension image's
      # Dockerfile installs Alpine's nftables; this base has it already).
      nft_bin=$(command -v nft || true)
      if [ -n "$nft_bin" ]; then
        mkdir -p "$d/usr/sbin"; cp -L "$nft_bin" "$d/usr/sbin/nft"
        for lib in $(ldd "$nft_bin" | grep -oE '/[^ ]+'); do
          mkdir -p "$d$(dirname "$lib")"; cp -L "$lib" "$d$lib"
        done
      fi
      # tc, ip and iptables (with its extension modules, which it loads at run time), for the
      # fault-injection helper (the extension image's Dockerfile installs Alpine's iproute2 and iptables).
      for tool in tc ip xtables-nft-multi; do
        t=$(command -v "$tool" || true); [ -n "$t" ] || continue
        mkdir -p "$d/usr/sbin"; cp -L "$t" "$d/usr/sbin/$tool"
        for lib in $(ldd "$t" | grep -oE '/[^ ]+'); do mkdir -p "$d$(dirname "$lib")"; cp -L "$lib" "$d$lib"; done
      done
      if [ -x "$d/usr/sbin/xtables-nft-multi" ]; then
        for a in iptables ip6tables; do ln -sf xtables-nft-multi "$d/usr/sbin/$a"; done
        xt=$(ls -d /usr/lib/*/xtables 2>/dev/null | head -1)
        if [ -n "$xt" ]; then
          mkdir -p "$d$xt"; cp -L "$xt"/*.so "$d$xt/"
          for lib in $(ldd "$xt"/*.so | grep -v ":$" | grep -oE "/[^ ]+" | sort -u); do [ -e "$d$lib" ] || { mkdir -p "$d$(dirname "$lib")"; cp -L "$lib" "$d$lib"; }; done
        fi
      fi
      cp -L /etc/ssl/certs/ca-certificates.crt "$d/etc/ca-certificates.crt" 2>/dev/null || true
      printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' > "$d/etc/passwd"
      printf 'root:x:0:\nnode:x:1000:\n' > "$d/etc/group"
      bb=$(command -v busybox); mkdir -p "$d/bin"; cp "$bb" "$d/bin/busybox"
      for a in sh wget cat ls env ps kill sleep mkdir; do ln -sf busybox "$d/bin/$a"; done
      cat > "$ctx/node/Dockerfile" <<'DF'
FROM scratch
COPY root/ /
ENV PATH=/usr/local/bin:/usr/sbin:/bin NODE_EXTRA_CA_CERTS=/etc/ca-certificates.crt
CMD ["node"]
DF
      build ecs-endpoints-test/node:latest "$ctx/node"
      ;;
    node-npm)
      docker image inspect ecs-endpoints-test/node:latest >/dev/null 2>&1 || "$0" node
      d="$ctx/node-npm/root"; mkdir -p "$d/usr/local/lib/node_modules" "$d/usr/local/bin" "$d/usr/bin" "$d/root"
      # npm's own package bundles its dependencies: unpacked, it runs as it is.
      tgz=$(cd "$ctx" && npm pack --silent "npm@${NPM_VERSION:-10}" 2>"$ctx/err") || { cat "$ctx/err" >&2; exit 1; }
      tar -xzf "$ctx/$tgz" -C "$ctx" && mv "$ctx/package" "$d/usr/local/lib/node_modules/npm"
      for t in npm npx; do
        printf '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/%s-cli.js "$@"\n' "$t" > "$d/usr/local/bin/$t"
        chmod 755 "$d/usr/local/bin/$t"
      done
      # Package bins start with #!/usr/bin/env node.
      ln -sf /bin/busybox "$d/usr/bin/env"
      # Native add-ons of build tools (rollup's) link against more of glibc than node does.
      for lib in $( (dpkg -L libc6 2>/dev/null || ldconfig -p | grep -oE '/[^ ]+') | grep -E '/lib[^/]*\.so(\.[0-9]+)*$' | grep -v gconv); do
        [ -e "$lib" ] || continue
        mkdir -p "$d$(dirname "$lib")"; cp -L "$lib" "$d$lib"
      done
      cat > "$ctx/node-npm/Dockerfile" <<'DF'
FROM ecs-endpoints-test/node:latest
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV HOME=/root
DF
      build ecs-endpoints-test/node-npm:latest "$ctx/node-npm"
      ;;
    *) echo "unknown image $w" >&2; exit 2 ;;
  esac
done
