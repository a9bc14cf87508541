# ECS Endpoints: the Docker Desktop extension image. The same image runs standalone on any Docker
# Engine (docs/packaging.md).
#
# Stages:
#   deps       all npm dependencies of the workspaces (npm ci), on the build platform
#   build      the UI (Vite, to ui/build) and the backend bundle (esbuild, to backend/dist)
#   prod-deps  the backend's production dependencies only, pure JavaScript (install scripts off,
#              optional native add-ons left out), so one copy serves every target architecture
#   (final)    a Node runtime, the bundle, those dependencies, the UI and the extension files
#
# Build arguments:
#   BUILD_IMAGE    Node image with npm for the build stages      (default node:20-bookworm-slim)
#   RUNTIME_IMAGE  Node image for the final stage                 (default node:20-alpine)
#   BUILDPLATFORM  set by BuildKit/buildx; the legacy builder does not set it, so it falls back to
#                  linux/amd64 (pass --build-arg BUILDPLATFORM=linux/arm64 on an arm64 machine)
#   REPO_URL, VENDOR, VERSION   what the Docker Desktop labels point to and say
# Multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .` runs the build stages once
# on the build platform (their output does not depend on the architecture) and the final stage per
# target. Offline, with bases assembled from this machine's node: see docs/packaging.md.
# Only Dockerfile syntax the legacy builder knows is used (no RUN --mount, no heredocs).

ARG BUILD_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=node:20-alpine
ARG BUILDPLATFORM

FROM --platform=${BUILDPLATFORM:-linux/amd64} ${BUILD_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY contract/package.json contract/
COPY backend/package.json backend/
COPY ui/package.json ui/
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.base.json ./
COPY contract/ contract/
COPY backend/ backend/
COPY ui/ ui/
COPY packaging/bundle-backend.mjs packaging/
# The empty /src/state becomes /data, owned by the unprivileged user, in the final stage.
RUN npm run build -w ui \
 && node packaging/bundle-backend.mjs \
 && mkdir -p /src/state

FROM --platform=${BUILDPLATFORM:-linux/amd64} ${BUILD_IMAGE} AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY contract/package.json contract/
COPY backend/package.json backend/
COPY ui/package.json ui/
# Workspace links are dropped (the bundle contains the contract); type declarations, source maps
# and docs are never loaded at run time.
RUN npm ci -w backend --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@ecs-endpoints node_modules/.package-lock.json \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \) -exec rm -f {} +

# nft for the address guard's helper container (anti-spoofing rules on the managed bridge), and
# ip, tc, iptables and ip6tables (a package of its own in Alpine) for the fault-injection helper
# (the agent's commands in a task's namespace), for the target architecture: the build platform's
# apk installs Alpine's packages into a separate root (no emulation, nothing runs in the final
# stage). The legacy builder sets no TARGETARCH; its target is then the build platform itself.
# A base without apk (the offline test base, which brings them itself) installs nothing. Either
# way a note says which: copying an empty directory makes an empty layer, which Docker 20.10's
# builder then intermittently fails to find ("failed to get layer … layer does not exist").
FROM --platform=${BUILDPLATFORM:-linux/amd64} ${RUNTIME_IMAGE} AS nft
ARG TARGETARCH
RUN mkdir -p /nft/usr/local/share/ecs-endpoints \
 && echo "network tools: $(command -v apk >/dev/null && echo 'Alpine nftables, iproute2, iptables, ip6tables' || echo "the base image's own")" > /nft/usr/local/share/ecs-endpoints/network-tools.txt \
 && if command -v apk >/dev/null; then \
      case "${TARGETARCH:-}" in \
        amd64) arch=x86_64 ;; arm64) arch=aarch64 ;; "") arch=$(apk --print-arch) ;; \
        *) echo "TARGETARCH=${TARGETARCH}: the image is built for amd64 and arm64 only" >&2; exit 1 ;; \
      esac; \
      mkdir -p /nft/etc/apk && cp /etc/apk/repositories /nft/etc/apk/ \
      && apk add --quiet --no-cache --no-scripts --initdb --root /nft --arch "$arch" --keys-dir "/usr/share/apk/keys/$arch" nftables iproute2-minimal iproute2-tc iptables ip6tables \
      && rm -rf /nft/etc /nft/lib/apk /nft/var /nft/dev /nft/proc /nft/sys /nft/tmp /nft/run /nft/lib/ld-musl-* /nft/lib/libc.musl-*; \
    fi

FROM ${RUNTIME_IMAGE}
ARG REPO_URL=https://github.com/ecs-endpoints/ecs-endpoints
ARG VENDOR="ECS Endpoints contributors"
ARG VERSION=0.1.0
# Docker Desktop's required labels (docs: extensions-sdk/extensions/labels). `make validate` and
# packaging/validate.mjs check them. The API version: the UI uses only vm.service and toasts
# (@since 0.2.0); 0.3.4 is what every supported Docker Desktop provides.
LABEL org.opencontainers.image.title="ECS Endpoints" \
      org.opencontainers.image.description="Amazon ECS task metadata and task-role credentials at 169.254.170.2 for your local containers, as the ECS agent serves them." \
      org.opencontainers.image.vendor="${VENDOR}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${REPO_URL}" \
      com.docker.desktop.extension.api.version=">= 0.3.4" \
      com.docker.desktop.extension.icon="${REPO_URL}/raw/main/docker.svg" \
      com.docker.extension.screenshots="[{\"alt\":\"Containers in ECS mode with their credential sources\",\"url\":\"${REPO_URL}/raw/main/docs/screenshot.png\"}]" \
      com.docker.extension.detailed-description="<p>Run your Amazon ECS services locally, unchanged. ECS Endpoints serves every container in <b>ECS mode</b> what the ECS agent serves it in production, at the same address, 169.254.170.2:</p><ul><li>task role credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) from an AWS profile, a role to assume, static keys or fake credentials, chosen per container;</li><li>task metadata v2, v3 and v4 with stats;</li><li>task scale-in protection and agent introspection.</li></ul><p>Switch ECS mode on per container from the dashboard, or with the label ecs-endpoints.enable=true in your compose files.</p>" \
      com.docker.extension.publisher-url="${REPO_URL}" \
      com.docker.extension.additional-urls="[{\"title\":\"Documentation\",\"url\":\"${REPO_URL}#readme\"},{\"title\":\"Packaging and standalone use\",\"url\":\"${REPO_URL}/blob/main/docs/packaging.md\"},{\"title\":\"Support\",\"url\":\"${REPO_URL}/issues\"}]" \
      com.docker.extension.changelog="<p>First release:</p><ul><li>task role credentials and task metadata v2/v3/v4 at 169.254.170.2</li><li>ECS mode per container, credential source per container, request log</li><li>runs standalone on any Docker Engine</li></ul>" \
      com.docker.extension.categories="cloud-development,networking,testing-tools"

# The backend container starts as root and drops to the user `node` (uid 1000) when the Docker
# socket, its ports and its directories allow it (packaging/entrypoint.mjs says which on stderr).
# Port 80 on 169.254.170.2 is bindable without root because Docker sets
# net.ipv4.ip_unprivileged_port_start=0 in the network namespaces it creates; only --network host
# (the host's own sysctl) keeps the process root. setcap on the node binary is not used: the
# offline base has no libcap tools and the legacy builder cannot be counted on to keep xattrs.
ENV NODE_ENV=production \
    ECS_ENDPOINTS_UI_DIR=/ui \
    ECS_ENDPOINTS_STATE_DIR=/data
COPY --from=nft /nft/ /
COPY metadata.json docker.svg docker-compose.yaml /
# Host scripts (metadata.json host.binaries): where the person's AWS files are, for the UI to tell the backend.
COPY packaging/host/aws-paths.sh /darwin/aws-paths.sh
COPY packaging/host/aws-paths.sh /linux/aws-paths.sh
COPY packaging/host/aws-paths.cmd /windows/aws-paths.cmd
# …and, while the dashboard is open, a profile's credential_process run on the host (never a command from the UI).
COPY packaging/host/aws-credential-process.sh /darwin/aws-credential-process.sh
COPY packaging/host/aws-credential-process.sh /linux/aws-credential-process.sh
COPY packaging/host/aws-credential-process.cmd /windows/aws-credential-process.cmd
COPY --from=build /src/ui/build /ui
COPY --from=prod-deps /src/node_modules /app/node_modules
COPY --from=build /src/backend/dist /app/backend/dist
COPY backend/package.json /app/backend/package.json
COPY packaging/entrypoint.mjs /app/entrypoint.mjs
COPY --from=build --chown=1000:1000 /src/state /data
# HOME of the backend (uid 1000): in Docker Desktop it mirrors the person's AWS files into ~/.aws.
COPY --from=build --chown=1000:1000 /src/state /home/node
WORKDIR /app
# A young generation of at most 2 × 4 MiB semi-spaces: under load V8 grows it to 2 × 16 MiB by
# default and keeps it, 16 MiB more RSS for no measurable speed (docs/benchmarks.md, issue 13).
# The same option is in package.json's start script; bench/backend-process.ts reads it from here.
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/entrypoint.mjs"]
