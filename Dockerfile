# syntax=docker/dockerfile:1
# registry-controller: registryctl with a tmux client, as a non-root user, on Debian bookworm.
#
#   docker build --build-arg UID=$(id -u) --build-arg GID=$(id -g) -t registry-controller:0.1.0 .
#
# The uid MUST be the uid that owns the tmux server's socket (tmux refuses another uid's socket);
# Kubernetes' runAsUser can override it at run time. The root filesystem may be read-only: the
# program writes only to TMPDIR and HOME, both /tmp, which must then be a writable volume
# (an emptyDir in Kubernetes, --tmpfs /tmp or -v with docker run).
#
# Build: a native AOT publish (PublishAot is set in src/Registryctl/Registryctl.csproj): one native
# `registryctl` of about 42 MB beside two native libraries (SQLite, Mono.Posix), no .NET runtime. The
# native link needs a C toolchain, which the SDK image lacks: clang (Microsoft's documented
# prerequisite; the ILCompiler falls back to gcc when clang is missing). The binary is linked against
# the build image's glibc, so the check after the publish refuses a binary that bookworm's glibc (2.36)
# could not load. The test suite runs the very `dotnet publish` line below (DockerfilePublishTests
# parses it from this file), so the image's build cannot drift from what CI checks.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet publish src/Registryctl -c Release -r linux-x64 -p:DebugType=none -p:PublishDocumentationFiles=false -o /out
RUN newest=$(objdump -T /out/registryctl | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1) \
 && echo "registryctl needs glibc ${newest#GLIBC_}" \
 && [ "$(printf '%s\n' "$newest" GLIBC_2.36 | sort -V | tail -n 1)" = GLIBC_2.36 ]

# Debian bookworm rather than a .NET 10 runtime-deps image (those are Debian 13 or Ubuntu 24.04,
# with tmux 3.5a / 3.4): bookworm's tmux is 3.3a, the agents' hosts' version, and a tmux client
# must speak its server's protocol.
# What runtime-deps holds that a native AOT binary uses: libc (in the base), OpenSSL and the CA
# certificates (TLS to the Kubernetes API), tzdata (the orchestrator's naive local times); plus tmux.
FROM debian:bookworm-slim AS final
ARG UID=1000
ARG GID=1000
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 tmux tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid "$GID" agent \
 && useradd --uid "$UID" --gid "$GID" --no-create-home --home-dir /tmp --shell /usr/sbin/nologin agent
COPY --from=build /out /app
ENV HOME=/tmp \
    TMPDIR=/tmp
LABEL org.opencontainers.image.title="registry-controller" \
      org.opencontainers.image.description="Keeps tmux-based agent orchestrators' JSON registries true to tmux" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.created="$CREATED" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
USER $UID:$GID
WORKDIR /tmp
EXPOSE 8080
# registryctl is PID 1: SIGTERM reaches it directly and it finishes the write in flight. If it is
# killed outright, the kernel kills its whole PID namespace with it, the write guard included
# (docs/design.md, "What the guard cannot cover"): an init in front would not change that, since the
# container ends with its main process. sh and dd (the guard) come with the base image.
ENTRYPOINT ["/app/registryctl"]
CMD ["run", "--listen", "0.0.0.0:8080"]
