#!/usr/bin/env bash
# Validates deploy/k8s/*.yaml offline against the Kubernetes schemas (strict: unknown fields fail),
# with kubernetes-validate from PyPI, which ships the schemas. Skipped, saying so, when it cannot install.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${FLASH_TTS_K8S_VENV:-.cache/k8s-validate}"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q kubernetes-validate==1.37.0; }; then
    echo "kubernetes-validate could not be installed: the Kubernetes manifests were NOT validated." >&2
    exit 0
  fi
fi
"$venv/bin/kubernetes-validate" --strict deploy/k8s/*.yaml
