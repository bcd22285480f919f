# syntax=docker/dockerfile:1
# Clockroom in two stages: build with the Go toolchain, run from a minimal
# image as a non-root user. The same image also carries stripe-mock (pinned in
# go.mod as a tool), which docker-compose.yml runs as the local Stripe.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/clockroom ./cmd/clockroom \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/stripe-mock github.com/stripe/stripe-mock

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/clockroom /out/stripe-mock /usr/local/bin/
ENV ADDR=:8080
EXPOSE 8080
USER nonroot
HEALTHCHECK --interval=10s --timeout=5s --retries=6 CMD ["/usr/local/bin/clockroom", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/clockroom"]
CMD ["serve"]
