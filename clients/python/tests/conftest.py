"""Fixtures: the real server (`node dist/src/cli/main.js serve --port 0`), started once per session,
or the one at FLASH_TTS_URL when it is set (test/clients/python-client.test.ts starts it)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(os.environ.get("FLASH_TTS_REPO", Path(__file__).resolve().parents[3]))
CLI = REPO / "dist" / "src" / "cli" / "main.js"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """Base URL of a real server on a free port (its log line carries the URL)."""
    external = os.environ.get("FLASH_TTS_URL")
    if external:
        yield external
        return
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: build the server first (npm run build)")
    child = subprocess.Popen(
        [os.environ.get("FLASH_TTS_NODE", "node"), str(CLI), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "LOG_LEVEL": "info"},
        text=True,
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 60
    output = []
    url = None
    for line in child.stdout:
        output.append(line)
        match = re.search(r'"url":"(http://[^"]+)"', line)
        if match:
            url = match.group(1)
            break
        if time.monotonic() > deadline:
            break
    if url is None:
        child.kill()
        pytest.fail("server did not start:\n" + "".join(output))
    # Keep draining its log so it never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [None for _ in child.stdout], daemon=True).start()  # type: ignore[union-attr]
    yield url
    child.terminate()
    child.wait(timeout=30)


def pcm_seconds(pcm: bytes, sample_rate: int, channels: int = 1) -> float:
    return len(pcm) / 2 / channels / sample_rate


def rms(pcm: bytes) -> float:
    import array

    samples = array.array("h", pcm)
    if not samples:
        return 0.0
    return (sum(s * s for s in samples) / len(samples)) ** 0.5


__all__ = ["pcm_seconds", "rms", "json", "sys"]
