# ECS Endpoints: build, install and publish the Docker Desktop extension; run the image standalone.
# `make help` lists the targets; docs/packaging.md explains them.

IMAGE ?= ecs-endpoints/ecs-endpoints
TAG ?= latest
PLATFORMS ?= linux/amd64,linux/arm64
BUILDER ?= ecs-endpoints-multi-arch
# Extra `docker build` arguments, e.g. BUILD_ARGS="--build-arg REPO_URL=https://github.com/you/ecs-endpoints"
BUILD_ARGS ?=
# Where `make dev` serves the UI with hot reload (Vite's dev server).
UI_DEV_URL ?= http://localhost:5173
# Standalone: the name of the container, the UI's loopback port, the state volume.
NAME ?= ecs-endpoints
PORT ?= 8080
STATE_VOLUME ?= ecs-endpoints-state
# The AWS profiles the standalone backend reads (mounted read-only when the folder exists, so
# Docker does not create a root-owned ~/.aws).
AWS_DIR ?= $(HOME)/.aws

ARCH := $(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
HAS_BUILDX := $(shell docker buildx version >/dev/null 2>&1 && echo yes)
HAS_EXTENSION_CLI := $(shell docker extension version >/dev/null 2>&1 && echo yes)
OFFLINE_ARGS := --build-arg BUILD_IMAGE=ecs-endpoints-test/node-npm:latest --build-arg RUNTIME_IMAGE=ecs-endpoints-test/node:latest

.DEFAULT_GOAL := help
.PHONY: help build-extension build-offline install-extension update-extension uninstall-extension \
	validate dev dev-reset debug prepare-buildx push-extension run-standalone stop-standalone test

help: ## Show the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

build-extension: ## Build $(IMAGE):$(TAG) for this machine (buildx --load, or the legacy builder)
ifeq ($(HAS_BUILDX),yes)
	docker buildx build --load $(BUILD_ARGS) --tag=$(IMAGE):$(TAG) .
else
	DOCKER_BUILDKIT=0 docker build --build-arg BUILDPLATFORM=linux/$(ARCH) --build-arg TARGETARCH=$(ARCH) $(BUILD_ARGS) --tag=$(IMAGE):$(TAG) .
endif

build-offline: ## Build without Docker Hub: Node bases assembled from this machine's node (npm registry still needed)
	test/images/build.sh node node-npm
	$(MAKE) build-extension BUILD_ARGS="$(OFFLINE_ARGS) $(BUILD_ARGS)"

install-extension: build-extension ## Install the extension in Docker Desktop (updates it if already installed)
	@if docker extension ls 2>/dev/null | grep -q '^$(IMAGE)[[:space:]]'; then \
		docker extension update --force $(IMAGE):$(TAG); \
	else \
		docker extension install --force $(IMAGE):$(TAG); \
	fi

update-extension: build-extension ## Rebuild and update the installed extension (keeps its state volume)
	docker extension update --force $(IMAGE):$(TAG)

uninstall-extension: ## Remove the extension from Docker Desktop
	docker extension rm $(IMAGE)

validate: ## Check metadata.json, the compose file and the labels (the checkout; the image too once built)
	node packaging/validate.mjs --repo .
	@if docker image inspect $(IMAGE):$(TAG) >/dev/null 2>&1; then \
		node packaging/validate.mjs --image $(IMAGE):$(TAG) || exit 1; \
		if [ "$(HAS_EXTENSION_CLI)" = yes ]; then docker extension validate $(IMAGE):$(TAG) || exit 1; \
		else echo "docker extension validate: the extension CLI plugin is not installed here; packaging/validate.mjs checked the same rules"; fi; \
	else \
		echo "$(IMAGE):$(TAG) is not built: only the checkout was validated (make build-extension validate checks the image too)"; \
		if [ "$(HAS_EXTENSION_CLI)" = yes ]; then docker extension validate metadata.json || exit 1; fi; \
	fi

test: ## Install what the tests need (Debian: apt packages, dockerd, npm ci; root or sudo), then lint, typecheck and every test group
	scripts/test-prereqs.sh
	npm run lint
	npm run typecheck
	npm test

dev: ## Hot-reload the UI inside Docker Desktop: Vite dev server + docker extension dev ui-source (Ctrl-C, then make dev-reset)
	docker extension dev ui-source $(IMAGE):$(TAG) $(UI_DEV_URL)
	npm run dev -w ui

dev-reset: ## Back to the UI built into the image
	docker extension dev reset $(IMAGE):$(TAG)

debug: ## Open Chrome DevTools on the extension's UI
	docker extension dev debug $(IMAGE):$(TAG)

prepare-buildx: ## Create the multi-arch buildx builder if it does not exist
	docker buildx inspect $(BUILDER) >/dev/null 2>&1 || docker buildx create --name=$(BUILDER) --driver=docker-container --driver-opt=network=host

push-extension: prepare-buildx validate ## Build for $(PLATFORMS) and push $(IMAGE):$(TAG); refuses to overwrite an existing tag
	@if docker buildx imagetools inspect $(IMAGE):$(TAG) >/dev/null 2>&1; then \
		echo "$(IMAGE):$(TAG) already exists in the registry: pick a new TAG (make push-extension TAG=0.1.1)"; exit 1; \
	fi
	docker buildx build --push --builder=$(BUILDER) --platform=$(PLATFORMS) $(BUILD_ARGS) --tag=$(IMAGE):$(TAG) .

run-standalone: ## Run the image on a plain Docker Engine: endpoints at 169.254.170.2, UI at http://127.0.0.1:$(PORT)/
	docker run -d --name $(NAME) --restart unless-stopped \
		--network host \
		-v /var/run/docker.sock:/var/run/docker.sock \
		-v $(STATE_VOLUME):/data \
		$(if $(wildcard $(AWS_DIR)),-v $(AWS_DIR):/home/node/.aws:ro) \
		-e ECS_ENDPOINTS_TOPOLOGY=host \
		-e ECS_ENDPOINTS_CONTROL=127.0.0.1:$(PORT) \
		$(IMAGE):$(TAG)
	@echo "UI: http://127.0.0.1:$(PORT)/   logs: docker logs -f $(NAME)"

stop-standalone: ## Stop and remove the standalone container (the network and the state volume stay)
	docker rm -f $(NAME)
