# shanhai: Go mall backend, as a static binary on distroless (runs as nonroot, uid 65532).
#
# Build:
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t shanhai .
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

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/shanhai . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/shanhai /shanhai
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
WORKDIR /data
EXPOSE 8080
# distroless has no shell or curl: the binary asks its own /readyz
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/shanhai", "healthcheck"]
ENTRYPOINT ["/shanhai"]
CMD ["serve"]
