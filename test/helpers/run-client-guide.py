"""Runs every Python snippet of the original service's client guide against a server.

Usage: run-client-guide.py GUIDE.md BASE_URL WORKDIR

Each ```python block of the guide is executed as written, in one namespace (so the guide's own
setup block runs too), then BASE_URL is pointed at the server under test and every function the
block defines is called, in order. Two things are supplied, as a reader of the guide would:
the files the snippets open (made by the test in WORKDIR), and `pyaudio`, which here writes what
the guide would play to pyaudio-out.raw (PyAudio has no wheel for Linux and no sound card is
needed). The one placeholder of the guide, the text "..." of the streaming example, is filled in.
After each call, the files it wrote are copied to results/<n>-<function>-<name> and the outcome is
printed as JSON lines: {"block", "function", "ok", "stdout", "error", "files"}.
"""

import contextlib
import io
import json
import os
import re
import shutil
import sys
import textwrap
import traceback
import types

STREAM_TEXT = "This sentence streams to the player while the rest of it is still being spoken."


class _Stream:
    def __init__(self, settings):
        with open("pyaudio-open.json", "w") as f:
            json.dump(settings, f)
        self._file = open("pyaudio-out.raw", "wb")

    def write(self, data):
        self._file.write(data)

    def stop_stream(self):
        pass

    def close(self):
        self._file.close()


class _PyAudio:
    def open(self, **settings):
        return _Stream(settings)

    def terminate(self):
        pass


def _install_pyaudio():
    module = types.ModuleType("pyaudio")
    module.PyAudio = _PyAudio
    module.paInt16 = 8
    sys.modules["pyaudio"] = module


def _snapshot():
    return {
        name: os.stat(name).st_mtime_ns
        for name in os.listdir(".")
        if os.path.isfile(name) and name not in ("pyaudio-open.json",)
    }


def main():
    guide, base_url, workdir = sys.argv[1:4]
    text = open(guide, encoding="utf-8").read()
    os.chdir(workdir)
    os.makedirs("results", exist_ok=True)
    _install_pyaudio()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    namespace = {"__name__": "client_guide"}
    count = 0
    for index, code in enumerate(blocks):
        # A block inside a list item is indented as a whole in the markdown.
        code = textwrap.dedent(code)
        code = code.replace('"text": "...",', f'"text": "{STREAM_TEXT}",')
        exec(compile(code, f"client-guide block {index}", "exec"), namespace)
        namespace["BASE_URL"] = base_url
        for name in re.findall(r"^def (\w+)\(", code, re.M):
            count += 1
            before = _snapshot()
            out = io.StringIO()
            error = None
            with contextlib.redirect_stdout(out):
                try:
                    namespace[name]()
                except Exception:
                    error = traceback.format_exc()
            after = _snapshot()
            files = sorted(n for n, t in after.items() if before.get(n) != t)
            for n in files:
                shutil.copy(n, os.path.join("results", f"{count}-{name}-{n}"))
            print(
                json.dumps(
                    {
                        "block": index,
                        "function": name,
                        "ok": error is None,
                        "stdout": out.getvalue(),
                        "error": error,
                        "files": [f"{count}-{name}-{n}" for n in files],
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
