# shanhai: Go mall backend, as a static binary on distroless (runs as nonroot, uid 65532).
#
# Build:
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t shanhai .
#
# Run against MySQL 8 / MariaDB >= 10.6 and Redis (README.md, Configuration):
#   docker run --rm -p 8080:8080 \
#     -e SHANHAI_DB='mysql:shanhai:secret@tcp(db:3306)/shanhai' \
#     -e SHANHAI_REDIS='redis://redis:6379/0' \
#     -e SHANHAI_JWT_SECRET='<long random string>' \
#     -e SHANHAI_PAYMENT_SECRET='<long random string>' \
#     shanhai
#
# Without SHANHAI_DB it is the demo: the embedded SQLite file shanhai.db in the
# working directory /data with demo data, whose accounts share a published
# password. A real install on SQLite names its file, which turns the demo off:
#   -e SHANHAI_DB=sqlite:/data/shanhai.db -e SHANHAI_BOOTSTRAP_ADMIN='owner:<password>' -v shanhai-data:/data

# Base images and the module proxy are build arguments, for mirrors and
# air-gapped registries:
#   docker build --build-arg GOPROXY=https://goproxy.cn,direct \
#     --build-arg GO_IMAGE=registry.example.cn/golang:1.26-bookworm \
#     --build-arg RUNTIME_IMAGE=registry.example.cn/distroless/static-debian12:nonroot .
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
ARG GOPROXY=https://proxy.golang.org,direct
ENV GOPROXY=${GOPROXY}
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/shanhai . \
 && mkdir -p /out/data

FROM ${RUNTIME_IMAGE}
ARG VERSION=dev
ARG REVISION=
ARG CREATED=
LABEL org.opencontainers.image.title="shanhai" \
      org.opencontainers.image.description="Consumption-assistance mall backend (Go, MariaDB/SQLite, Redis)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.documentation="README.md, docs/ and deploy/ in the source repository"
COPY --from=build /out/shanhai /shanhai
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
EXPOSE 8080
# distroless has no shell or curl: the binary asks its own /readyz
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/shanhai", "healthcheck"]
# SIGTERM starts the graceful stop (SHANHAI_DRAIN, then SHANHAI_SHUTDOWN_TIMEOUT)
STOPSIGNAL SIGTERM
ENTRYPOINT ["/shanhai"]
CMD ["serve"]
