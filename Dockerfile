# syntax=docker/dockerfile:1
#
# One image for every binary: hubsync-worker (the default command), the
# hubsync CLI and the hubspot-emulator used by the Compose demo.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so editing code does not re-download modules.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# Static binaries: the final image has no libc.
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/bin/ \
      ./cmd/hubsync-worker \
      ./cmd/hubsync \
      ./cmd/hubspot-emulator
# The connectors file is mounted at /etc/hubsync/connectors.yaml; OAuth token
# stores (tokenStore: .tokens/<account>.json) land in .tokens next to it,
# which must be writable by the runtime user because refreshes rotate tokens.
RUN mkdir -p /out/etc/hubsync/.tokens && cp examples/connectors.yaml /out/etc/hubsync/connectors.yaml

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/etc/hubsync/ /etc/hubsync/
ENV HUBSYNC_CONFIG=/etc/hubsync/connectors.yaml
# distroless "nonroot"; numeric so Kubernetes runAsNonRoot can verify it.
USER 65532:65532
CMD ["hubsync-worker"]
