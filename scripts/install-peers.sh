#!/usr/bin/env bash
# scripts/install-peers.sh — installs the real programs infertrace is tested against, pinned.
#
# Idempotent: each peer is built or installed once per pinned version into the peer home
# (${INFERTRACE_PEERS:-~/.cache/infertrace/peers}) and reused after; a cached re-run takes seconds.
# Debian packages (nginx, haproxy, prometheus, wrk, h2load, chromium) go to the system with apt-get.
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
# The Endpoint Picker: the Gateway API Inference Extension's cmd/epp, run against the real
# kube-apiserver below (it lists the InferencePool and its Pods there), and its InferencePool CRD.
# v1.6.0 no longer has cmd/epp; the llm-d router module is refused by the proxy (403). See
# src/docs/peers.md.
EPP_MODULE=sigs.k8s.io/gateway-api-inference-extension
EPP_VERSION=v1.5.0
INFERENCE_SIM_MODULE=github.com/llm-d/llm-d-inference-sim
INFERENCE_SIM_VERSION=v0.10.2
OPENAI_PY_VERSION=3.54.0
# LiteLLM proxy, for the benchmark (its own venv: its pins must not meet the SDK's). 1.100.5 is the
# newest whose [proxy] extra resolves on PyPI here (1.110.x asks for a litellm-proxy that is not served).
LITELLM_VERSION=1.100.5
GUIDELLM_VERSION=0.8.1
# Helm 3, for `helm lint` / `helm template` of deploy/helm/infertrace (HelmChartIT).
HELM_MODULE=helm.sh/helm/v3
HELM_VERSION=v3.21.4
# Kubernetes, for the tests against a real API server (src/docs/kubernetes.md): kube-apiserver
# and kube-controller-manager of k8s.io/kubernetes, built from scripts/peers/kubernetes (a module
# that requires it and pins each staging module it replaces, k8s.io/api ..., to the same release);
# etcd from scripts/peers/etcd. The versions are those modules' requirements; these say which.
KUBERNETES_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
# The OpenTelemetry Operator's CRDs (config/crd/bases of its Go module), for the Instrumentation
# resource the chart can create. v0.145.0 and newer answer 403 on the module proxy here.
OTEL_OPERATOR_MODULE=github.com/open-telemetry/opentelemetry-operator
OTEL_OPERATOR_VERSION=v0.144.0
DEBIAN_PACKAGES=(nginx haproxy prometheus wrk nghttp2-client chromium)
# llm-d-inference-sim v0.10.2 needs Go >= 1.25.7; k8s.io/kubernetes v1.37.2 and etcd v3.7.3 say go 1.26.0
# (built with GOTOOLCHAIN=local: no toolchain is downloaded behind your back).
MIN_GO=1.26.0
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
started=$SECONDS

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
  local s=$SECONDS
  run "$name" env -C "$work" GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$out" "$package"
  rm -rf "$work"
  stamp "$name" "$module@$version"
  say "$name $version: built in $((SECONDS - s)) s"
}

# module_build NAME VERSION MODULE_DIR LDFLAGS BIN=PACKAGE... — builds each PACKAGE, with the
# requirements of the repository's module MODULE_DIR (its go.mod and go.sum pin everything), into
# bin/BIN, all in one go build. Cached by VERSION and the hash of go.mod and go.sum: a changed pin
# rebuilds.
module_build() {
  local name=$1 version=$2 dir=$3 ldflags=$4
  shift 4
  local key
  key="$version $(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)"
  local pair bins=() pkgs=() missing=0
  for pair in "$@"; do
    bins+=("${pair%%=*}")
    pkgs+=("${pair#*=}")
    [ -x "$PEERS/bin/${pair%%=*}" ] || missing=1
  done
  if [ "$missing" -eq 0 ] && fresh "$name" "$key" "$PEERS/bin/${bins[0]}"; then
    say "$name $version: cached"
    return
  fi
  say "$name $version: building ${bins[*]} from ${dir#"$root"/} (kube-apiserver: ~5 min cold on 2 cores) ..."
  rm -f "$PEERS/logs/$name.log"
  local out="$PEERS/src/$name-bin"
  rm -rf "$out"
  mkdir -p "$out"
  local s=$SECONDS i default
  run "$name" env -C "$dir" GOWORK=off CGO_ENABLED=0 GOTOOLCHAIN=local \
    go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$out/" "${pkgs[@]}"
  for i in "${!pkgs[@]}"; do
    # go build names a binary after its package path's last element that is not a /vN suffix.
    default=${pkgs[$i]##*/}
    if [[ $default =~ ^v[0-9]+$ ]]; then
      default=${pkgs[$i]%/*}
      default=${default##*/}
    fi
    mv "$out/$default" "$PEERS/bin/${bins[$i]}"
  done
  rm -rf "$out"
  stamp "$name" "$key"
  say "$name $version: built in $((SECONDS - s)) s"
}

install_kubernetes() {
  local dir="$root/scripts/peers/kubernetes"
  local have
  have=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$dir/go.mod")
  if [ "$have" != "$KUBERNETES_VERSION" ]; then
    echo "install-peers: FAILED: $dir/go.mod requires k8s.io/kubernetes $have, the pin is $KUBERNETES_VERSION" >&2
    exit 1
  fi
  # What hack/lib/version.sh stamps into a release: without it the binaries call themselves
  # v0.0.0-master, and Helm's kubeVersion check (>= 1.29) refuses the server.
  local minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean"
  done
  # One go build for both: the controller manager shares most packages with the API server.
  module_build kubernetes "$KUBERNETES_VERSION" "$dir" "$ldflags" \
    kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
    kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager
}

install_etcd() {
  local dir="$root/scripts/peers/etcd"
  local have
  have=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$dir/go.mod")
  if [ "$have" != "$ETCD_VERSION" ]; then
    echo "install-peers: FAILED: $dir/go.mod requires go.etcd.io/etcd/server/v3 $have, the pin is $ETCD_VERSION" >&2
    exit 1
  fi
  module_build etcd "$ETCD_VERSION" "$dir" "-s -w" etcd=go.etcd.io/etcd/server/v3
}

# install_crds NAME MODULE VERSION CHECK — the CRDs of a Go module (its config/crd/bases),
# fetched through the module proxy into crds/NAME (never committed); CHECK is one of the files.
install_crds() {
  local name=$1 module=$2 version=$3 check=$4
  local out="$PEERS/crds/$name"
  local key="$module@$version"
  if fresh "$name-crds" "$key" "$out/$check"; then
    say "$name CRDs $version: cached"
    return
  fi
  rm -f "$PEERS/logs/$name-crds.log"
  local dir
  dir=$(go mod download -json "$key" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ]; then
    run "$name-crds" go mod download "$key"
  fi
  rm -rf "$out"
  mkdir -p "$out"
  cp "$dir"/config/crd/bases/*.yaml "$out/"
  chmod -R u+w "$out"
  stamp "$name-crds" "$key"
  say "$name CRDs $version: $(ls "$out" | tr '\n' ' ')"
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
  local s=$SECONDS
  run collector env -C "$work" GOWORK=off CGO_ENABLED=0 "$PEERS/bin/builder" --config "$manifest"
  cp "$work/_build/otelcol-infertrace" "$out"
  rm -rf "$work"
  stamp collector "$key"
  say "collector: built in $((SECONDS - s)) s"
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
    printf 'helm\t%s\n' "$("$PEERS/bin/helm" version --short 2>&1 | head -n1)"
    printf 'etcd\t%s\n' "$("$PEERS/bin/etcd" --version 2>&1 | head -n1)"
    printf 'kube-apiserver\t%s\n' "$("$PEERS/bin/kube-apiserver" --version 2>&1 | head -n1)"
    printf 'kube-controller-manager\t%s\n' "$("$PEERS/bin/kube-controller-manager" --version 2>&1 | head -n1)"
    printf 'otel-operator-crds\t%s@%s\n' "$OTEL_OPERATOR_MODULE" "$OTEL_OPERATOR_VERSION"
    printf 'epp\t%s@%s\n' "$EPP_MODULE" "$EPP_VERSION"
    printf 'inference-pool-crds\t%s@%s\n' "$EPP_MODULE" "$EPP_VERSION"
    printf 'openai-python\t%s\n' "$("$PEERS/venv/bin/python" -c 'import openai; print("openai " + openai.__version__)')"
    printf 'guidellm\t%s\n' "$("$PEERS/venv/bin/python" -c 'import importlib.metadata as m; print("guidellm " + m.version("guidellm"))' 2>/dev/null || echo 'not installed')"
    printf 'litellm\t%s\n' "$("$PEERS/litellm-venv/bin/python" -c 'import importlib.metadata as m; print("litellm " + m.version("litellm"))')"
    printf 'nginx\t%s\n' "$(dpkg-query -W -f='${Version}' nginx)"
    printf 'haproxy\t%s\n' "$(dpkg-query -W -f='${Version}' haproxy)"
    printf 'prometheus\t%s\n' "$(dpkg-query -W -f='${Version}' prometheus)"
    printf 'wrk\t%s\n' "$(dpkg-query -W -f='${Version}' wrk)"
    printf 'h2load\t%s\n' "$(dpkg-query -W -f='${Version}' nghttp2-client)"
    printf 'chromium\t%s\n' "$(dpkg-query -W -f='${Version}' chromium)"
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
go_build helm "$HELM_MODULE" "$HELM_VERSION" ./cmd/helm
install_etcd
install_kubernetes
install_crds opentelemetry-operator "$OTEL_OPERATOR_MODULE" "$OTEL_OPERATOR_VERSION" opentelemetry.io_instrumentations.yaml
go_build epp "$EPP_MODULE" "$EPP_VERSION" ./cmd/epp
install_crds gateway-api-inference-extension "$EPP_MODULE" "$EPP_VERSION" inference.networking.k8s.io_inferencepools.yaml
install_collector
write_versions
say "done in $((SECONDS - started)) s"
