#!/usr/bin/env bash
# Makes the Python venv bench/encoders.ts scores Opus with: PESQ (ITU-T P.862, wide band) from PyPI's
# `pesq` package. Prints the venv's python. Run once; later runs only check it.
set -euo pipefail
venv="${FLASH_TTS_BENCH_VENV:-$HOME/.cache/flash-tts-bench/venv}"
if ! "$venv/bin/python" -c 'import pesq, numpy' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'numpy<3' 'pesq==0.0.4' >&2
fi
echo "$venv/bin/python"
