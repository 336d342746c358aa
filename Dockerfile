# swarmbot's image: a static binary on scratch, with CA certificates for Slack.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/swarmbot ./cmd/swarmbot

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/swarmbot /swarmbot
ENTRYPOINT ["/swarmbot"]
CMD ["serve"]
