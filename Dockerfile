# syntax=docker/dockerfile:1
#
# nimbus-bot in a container (README, "Deploying"). Two stages: the binary is built with the
# same locked release command CI runs (.ci/run; tests/it/packaging.rs fails if they drift),
# then copied into a distroless image that runs it as a non-root user. The sentence encoder's
# model is compiled into the binary, so the image needs nothing beside it but the bank.
#
#   docker build -t nimbus-bot .
#   printf '%s' 'YOUR-BOT-TOKEN' > discord_token && chmod 600 discord_token
#   docker run -d --name nimbus-bot \
#     -v "$PWD/discord_token:/run/secrets/discord_token:ro" \
#     -v nimbus-state:/var/lib/nimbus-bot nimbus-bot
#
# The bank is baked in at /app/responses; mount your own there (-v "$PWD/responses:/app/responses")
# to update it without rebuilding, or to edit it from Discord (the mount must be writable by
# uid 65532). There is no git in the image, so edits made from Discord are recorded in
# history.jsonl in the state volume (README, "Deploying").

# Any Rust 1.85 or later builds it; pin a version here for reproducible images.
ARG RUST_IMAGE=rust:1-bookworm

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked
# A bank with errors fails the image build rather than the first start.
RUN ./target/release/nimbus-bot check --bank responses \
 && mkdir -p /out/state \
 && cp target/release/nimbus-bot /out/nimbus-bot

# glibc and libgcc (what a Rust binary links), CA certificates, a `nonroot` user (65532);
# no shell, no package manager, no curl: the health check is the binary itself.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/nimbus-bot /usr/local/bin/nimbus-bot
COPY --from=build /src/config.toml /app/config.toml
COPY --from=build --chown=65532:65532 /src/responses /app/responses
# Owned by the runtime user, so a named volume mounted here starts out writable by it.
COPY --from=build --chown=65532:65532 /out/state /var/lib/nimbus-bot
WORKDIR /app
# The token is read from a secret file, never from the image or the environment. The
# listener serves /healthz and /metrics on loopback inside the container: the HEALTHCHECK
# below runs there too. Set NIMBUS_OPS_LISTEN=0.0.0.0:9464 to let Prometheus scrape it.
ENV NIMBUS_CONFIG=/app/config.toml \
    NIMBUS_STATE_DIR=/var/lib/nimbus-bot \
    NIMBUS_OPS_LISTEN=127.0.0.1:9464 \
    DISCORD_TOKEN_FILE=/run/secrets/discord_token
USER nonroot:nonroot
VOLUME ["/var/lib/nimbus-bot"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/nimbus-bot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/nimbus-bot"]
CMD ["run"]
