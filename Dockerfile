# syntax=docker/dockerfile:1
#
# The infopass service as a small image: a static binary on distroless,
# running as an unprivileged user.
#
#   docker build -t infopass \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg COMMIT="$(git rev-parse HEAD)" .
#   docker run --rm infopass version
#
# Configuration comes from the environment (README.md, "Configuration");
# compose.yaml runs it with a PostgreSQL for local use. Not built in CI
# (the CI machine has no container engine): check changes here by hand.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so that a change of code does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# .git is not in the build context (.dockerignore), so Go cannot stamp the
# commit itself: the build arguments name it.
ARG VERSION=devel
ARG COMMIT=unknown
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
      -ldflags "-s -w -X main.buildVersion=${VERSION} -X main.buildCommit=${COMMIT}" \
      -o /out/infopass ./cmd/infopass \
 && /out/infopass version

# distroless/static has CA certificates (for api.twilio.com), /etc/passwd
# with the nonroot user (65532) and nothing else: no shell, no package
# manager. Time zones are compiled into the binary (time/tzdata).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/infopass /usr/local/bin/infopass
USER nonroot:nonroot
ENV PORT=8080
EXPOSE 8080
# No HEALTHCHECK: the image has no HTTP client. Point the orchestrator's
# probes at GET /healthz (liveness) and GET /readyz (readiness).
ENTRYPOINT ["/usr/local/bin/infopass"]
CMD ["serve"]
