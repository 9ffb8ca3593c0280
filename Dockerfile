# syntax=docker/dockerfile:1
# The npa image: the one executable, for the node agent (`npa agent`), the controller (`npa controller`)
# and the operator verbs (`npa explain`, `npa ebpf ...`, `npa flows ...`), used by helm/network-policy-agent.
#
#   docker build -t REGISTRY/npa:0.1.0 .
#
# Build for another architecture with `docker buildx build --platform linux/arm64 ...` (the build stage runs
# under emulation; the BPF objects are architecture-neutral but compiled against that platform's headers).
ARG DOTNET_VERSION=10.0

# ---- build: .NET SDK plus the BPF toolchain ----------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
# clang and llvm compile bpf/*.c to BPF objects during the build; libbpf-dev provides bpf_helpers.h and
# the other libbpf headers, linux-libc-dev the kernel UAPI headers (linux/bpf.h, asm/types.h).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev linux-libc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole tree before restoring: project files import build logic from elsewhere in the tree (the BPF
# build), so a restore from the project files alone could fail. The cache mount keeps NuGet downloads
# between builds instead.
COPY . .
RUN --mount=type=cache,id=npa-nuget,target=/root/.nuget/packages \
    dotnet publish Host/Npa.Host.csproj -c Release -o /app -nologo \
 && test -x /app/npa

# ---- runtime: ASP.NET Core runtime (Kestrel serves health, metrics and the CNI gRPC socket) ----------
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
# libbpf1: the agent's P/Invoke target (libbpf.so.1). iproute2: `ip` and `tc` for operators who exec in.
# The bpffs init container of the chart uses `stat` and `mount`, which the base image already has.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
RUN ln -s /app/npa /usr/local/bin/npa
# The base image makes Kestrel listen on 8080 unless told otherwise; npa binds only the addresses its
# flags name (--metrics-bind-addr, --health-probe-bind-addr), so clear that default.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
LABEL org.opencontainers.image.title="npa" \
      org.opencontainers.image.description="Kubernetes NetworkPolicy for Linux nodes, enforced with eBPF"
# Root by default: the agent needs it for bpffs and its capabilities. The chart runs the controller as
# UID 65532 with no capabilities.
ENTRYPOINT ["/usr/local/bin/npa"]
CMD ["--help"]
