# syntax=docker/dockerfile:1
# Build: a static binary with the migrations and templates embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=docker
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tindaklanjut ./cmd/tindaklanjut

# Run: a small image, as an unprivileged user, data in a volume. It expects
# DATABASE_URL (the managed local PostgreSQL is for running from a checkout).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tindaklanjut --create-home tindaklanjut \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/tindaklanjut/data
COPY --from=build /out/tindaklanjut /usr/local/bin/tindaklanjut
USER 10001:10001
WORKDIR /var/lib/tindaklanjut
ENV TINDAKLANJUT_DATA_DIR=/var/lib/tindaklanjut/data \
    TINDAKLANJUT_ADDR=:8080 \
    TINDAKLANJUT_LOG_FORMAT=json
VOLUME ["/var/lib/tindaklanjut/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tindaklanjut"]
CMD ["serve"]
