# swarmbot's image: a static binary on scratch, with CA certificates for Slack.
#
# With a registry at hand, one command builds it from source:
#
#	docker build -t swarmbot .
#
# Without one (no golang image to pull), scripts/image builds the binary with
# the local Go toolchain and builds only the "prebuilt" stage from it:
#
#	scripts/image swarmbot:dev
#
# Plain Dockerfile syntax, so Debian's Docker 20.10 legacy builder
# (DOCKER_BUILDKIT=0) reads it as well as BuildKit does.

# The image itself, from files in the build context's deployments/rootfs/
# (swarmbot, etc/ssl/certs/ca-certificates.crt), which scripts/image lays out.
# It is the first stage because the legacy builder runs every stage up to its
# --target: `--target prebuilt` must never need the golang image. In a full
# build, deployments/rootfs/ is empty (.dockerignore) and the last stage adds
# the files built from source.
FROM scratch AS prebuilt
COPY deployments/rootfs/ /
# The Engine socket is root's; the bot needs it.
USER 0:0
# /healthz, /readyz and /metrics (SWARMBOT_HTTP_ADDR).
EXPOSE 8080
# swarmbot healthcheck GETs /healthz: a scratch image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/swarmbot", "healthcheck"]
ENTRYPOINT ["/swarmbot"]
CMD ["serve"]

# The binary, built from source.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rootfs/swarmbot ./cmd/swarmbot \
	&& mkdir -p /out/rootfs/etc/ssl/certs \
	&& cp /etc/ssl/certs/ca-certificates.crt /out/rootfs/etc/ssl/certs/

# The default target: the prebuilt stage's image with the files built above.
FROM prebuilt
COPY --from=build /out/rootfs/ /
