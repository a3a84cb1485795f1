#!/usr/bin/env bash
# scripts/install-peers.sh — installs the real programs infertrace is tested against, pinned.
#
# Idempotent: each peer is built or installed once per pinned version into the peer home
# (${INFERTRACE_PEERS:-~/.cache/infertrace/peers}) and reused after; a cached re-run takes seconds.
# Debian packages (nginx, haproxy, prometheus, wrk, h2load) go to the system with apt-get.
# Nothing of the peers enters the repository: only these commands and versions.
#
# Usage: scripts/install-peers.sh [--help]
set -euo pipefail

# ---- Pinned versions -------------------------------------------------------------------------
# OpenTelemetry Collector Builder; the components themselves are pinned in
# collector-config/builder-config.yaml (all on the same release).
OCB_VERSION=v0.159.0
# Jaeger v2: the Go module has no /v2 path, v1.76.0 is the same code as v2.13.0.
JAEGER_MODULE=github.com/jaegertracing/jaeger
JAEGER_VERSION=v1.76.0
# The llm-d EPP (github.com/llm-d/llm-d-router/cmd/epp) is not installed: the Go module proxy
# refuses the module (403 "This module version is not available"), and the EPPs that can be had
# (gateway-api-inference-extension v1.5.0, llm-d-inference-scheduler v0.4.0) need a Kubernetes
# API server. See src/docs/peers.md.
INFERENCE_SIM_MODULE=github.com/llm-d/llm-d-inference-sim
INFERENCE_SIM_VERSION=v0.10.2
OPENAI_PY_VERSION=3.54.0
# LiteLLM proxy, for the benchmark (its own venv: its pins must not meet the SDK's). 1.100.5 is the
# newest whose [proxy] extra resolves on PyPI here (1.110.x asks for a litellm-proxy that is not served).
LITELLM_VERSION=1.100.5
GUIDELLM_VERSION=0.8.1
DEBIAN_PACKAGES=(nginx haproxy prometheus wrk nghttp2-client)
# llm-d-inference-sim v0.10.2 needs Go >= 1.25.7.
MIN_GO=1.25.7
# -----------------------------------------------------------------------------------------------

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
elif [ $# -gt 0 ]; then
  echo "install-peers: unknown argument '$1' (try --help)" >&2
  exit 2
fi

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
PEERS=${INFERTRACE_PEERS:-$HOME/.cache/infertrace/peers}
mkdir -p "$PEERS/bin" "$PEERS/stamps" "$PEERS/logs" "$PEERS/src"
started=$(date +%s)

say() { printf 'install-peers: %s\n' "$*"; }

# run NAME CMD... — runs CMD with its output in logs/NAME.log; on failure names the peer, the
# command and shows the end of the log, then stops the script.
run() {
  local name=$1
  shift
  local log="$PEERS/logs/$name.log"
  local rc=0
  "$@" >>"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    {
      echo "install-peers: FAILED to install $name"
      echo "  command: $*"
      echo "  exit status: $rc; log: $log; last lines:"
      tail -n 25 "$log" | sed 's/^/    /'
    } >&2
    exit 1
  fi
}

# fresh NAME KEY FILE — true when FILE exists and NAME was last installed with KEY.
fresh() {
  [ -e "$3" ] && [ "$(cat "$PEERS/stamps/$1" 2>/dev/null)" = "$2" ]
}
stamp() { printf '%s' "$2" >"$PEERS/stamps/$1"; }

require_go() {
  command -v go >/dev/null || { echo "install-peers: FAILED: Go is not installed (need >= $MIN_GO)" >&2; exit 1; }
  local have
  have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$MIN_GO" "$have" | sort -V | head -n1)" != "$MIN_GO" ]; then
    echo "install-peers: FAILED: Go $have is too old, the pinned peers need >= $MIN_GO" >&2
    exit 1
  fi
}

# go_build NAME MODULE VERSION PACKAGE — builds PACKAGE of MODULE@VERSION into bin/NAME.
# Built inside the downloaded module (not `go install`) so that the module's own replace
# directives apply and no version list is asked of the proxy.
go_build() {
  local name=$1 module=$2 version=$3 package=$4
  local out="$PEERS/bin/$name"
  if fresh "$name" "$module@$version" "$out"; then
    say "$name $version: cached"
    return
  fi
  say "$name: building $module@$version $package (a few minutes on 2 cores) ..."
  rm -f "$PEERS/logs/$name.log"
  local dir
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ]; then
    run "$name" go mod download "$module@$version"
  fi
  local work="$PEERS/src/$name"
  rm -rf "$work"
  cp -r "$dir" "$work"
  chmod -R u+w "$work"
  run "$name" env -C "$work" GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$out" "$package"
  rm -rf "$work"
  stamp "$name" "$module@$version"
  say "$name $version: built"
}

install_collector() {
  local manifest="$root/collector-config/builder-config.yaml"
  local key
  key="$OCB_VERSION $(sha256sum "$manifest" | cut -c1-16)"
  local out="$PEERS/bin/otelcol-infertrace"
  if fresh collector "$key" "$out"; then
    say "collector (OCB $OCB_VERSION, manifest ${key#* }): cached"
    return
  fi
  say "collector: building with OCB $OCB_VERSION from collector-config/builder-config.yaml (several minutes) ..."
  rm -f "$PEERS/logs/collector.log"
  if ! fresh ocb "$OCB_VERSION" "$PEERS/bin/builder"; then
    run collector env GOBIN="$PEERS/bin" go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
    stamp ocb "$OCB_VERSION"
  fi
  local work="$PEERS/src/collector"
  rm -rf "$work"
  mkdir -p "$work"
  run collector env -C "$work" GOWORK=off CGO_ENABLED=0 "$PEERS/bin/builder" --config "$manifest"
  cp "$work/_build/otelcol-infertrace" "$out"
  rm -rf "$work"
  stamp collector "$key"
  say "collector: built"
}

install_python() {
  local venv="$PEERS/venv"
  local key="openai==$OPENAI_PY_VERSION guidellm==$GUIDELLM_VERSION"
  if fresh python "$key" "$venv/bin/python"; then
    say "python venv ($key): cached"
    return
  fi
  say "python venv: installing openai==$OPENAI_PY_VERSION ..."
  rm -f "$PEERS/logs/python.log"
  rm -rf "$venv"
  run python python3 -m venv "$venv"
  run python "$venv/bin/pip" install --disable-pip-version-check -q "openai==$OPENAI_PY_VERSION"
  # guidellm is a nice-to-have load generator: a failure to install it is reported, not fatal.
  if "$venv/bin/pip" install --disable-pip-version-check -q "guidellm==$GUIDELLM_VERSION" \
    >>"$PEERS/logs/python.log" 2>&1; then
    say "python venv: guidellm==$GUIDELLM_VERSION installed"
  else
    say "python venv: WARNING guidellm==$GUIDELLM_VERSION did not install (see $PEERS/logs/python.log); continuing without it"
  fi
  stamp python "$key"
  say "python venv: installed"
}

install_litellm() {
  local venv="$PEERS/litellm-venv"
  local key="litellm[proxy]==$LITELLM_VERSION"
  if fresh litellm "$key" "$venv/bin/litellm"; then
    say "litellm venv ($key): cached"
    return
  fi
  say "litellm venv: installing $key (a few minutes) ..."
  rm -f "$PEERS/logs/litellm.log"
  rm -rf "$venv"
  run litellm python3 -m venv "$venv"
  run litellm "$venv/bin/pip" install --disable-pip-version-check -q "$key"
  stamp litellm "$key"
  say "litellm venv: installed"
}

install_debian() {
  local missing=()
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "debian packages (${DEBIAN_PACKAGES[*]}): installed"
    return
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  say "debian packages: installing ${missing[*]} ..."
  rm -f "$PEERS/logs/debian.log"
  run debian "${sudo[@]}" apt-get update -q
  run debian "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

write_versions() {
  local file="$PEERS/versions.txt"
  {
    printf 'collector\t%s\n' "$("$PEERS/bin/otelcol-infertrace" --version 2>&1 | head -n1)"
    printf 'jaeger\t%s (Jaeger v2)\n' "$JAEGER_VERSION"
    printf 'inference-sim\t%s@%s\n' "$INFERENCE_SIM_MODULE" "$INFERENCE_SIM_VERSION"
    printf 'openai-python\t%s\n' "$("$PEERS/venv/bin/python" -c 'import openai; print("openai " + openai.__version__)')"
    printf 'guidellm\t%s\n' "$("$PEERS/venv/bin/python" -c 'import importlib.metadata as m; print("guidellm " + m.version("guidellm"))' 2>/dev/null || echo 'not installed')"
    printf 'litellm\t%s\n' "$("$PEERS/litellm-venv/bin/python" -c 'import importlib.metadata as m; print("litellm " + m.version("litellm"))')"
    printf 'nginx\t%s\n' "$(dpkg-query -W -f='${Version}' nginx)"
    printf 'haproxy\t%s\n' "$(dpkg-query -W -f='${Version}' haproxy)"
    printf 'prometheus\t%s\n' "$(dpkg-query -W -f='${Version}' prometheus)"
    printf 'wrk\t%s\n' "$(dpkg-query -W -f='${Version}' wrk)"
    printf 'h2load\t%s\n' "$(dpkg-query -W -f='${Version}' nghttp2-client)"
  } >"$file"
  say "versions ($file):"
  sed 's/^/  /; s/\t/  /' "$file"
}

say "peer home: $PEERS"
install_debian
install_python
install_litellm
require_go
go_build llm-d-inference-sim "$INFERENCE_SIM_MODULE" "$INFERENCE_SIM_VERSION" ./cmd/llm-d-inference-sim
go_build jaeger "$JAEGER_MODULE" "$JAEGER_VERSION" ./cmd/jaeger
install_collector
write_versions
say "done in $(($(date +%s) - started)) s"
