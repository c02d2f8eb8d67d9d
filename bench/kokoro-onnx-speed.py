"""kokoro-onnx, kept loaded, timing one text at a time for bench/kokoro-speed.ts.

It runs the same Kokoro graph as Flash-TTS (the installed model.onnx, unchanged) through
kokoro-onnx with its own espeak-ng front end, on an onnxruntime session built as bench/peers.py
builds it. Run with the fixtures venv:

  .fixtures/venv/bin/python bench/kokoro-onnx-speed.py <model.onnx> <voices dir> <voice> <threads>

Then one JSON line per job on stdin: {"texts": ["...", ...]}. Each text is synthesized alone, in
order, and the answer is one JSON line: {"results": [{"seconds", "cpu_seconds", "audio_seconds"},
...], "rss_mb"} (cpu_seconds: the process's CPU time, all its threads).
Before the first job it prints {"ready": true, "rss_mb"} (after one warm-up sentence).
"""

import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import VOICE_SHAPE, session  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    model, voices_dir, voice, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    from kokoro_onnx import Kokoro

    with tempfile.TemporaryDirectory(prefix="flash-tts-kokoro-speed-") as scratch:
        raw = np.fromfile(os.path.join(voices_dir, f"{voice}.bin"), dtype="<f4")
        npz = os.path.join(scratch, "voices.npz")
        np.savez(npz, **{voice: raw.reshape(VOICE_SHAPE)})
        kokoro = Kokoro.from_session(session(model, threads), npz)

    def speak(text: str) -> dict:
        started, cpu = time.perf_counter(), time.process_time()
        samples, rate = kokoro.create(text, voice=voice, speed=1.0, lang="en-us")
        return {
            "seconds": round(time.perf_counter() - started, 4),
            "cpu_seconds": round(time.process_time() - cpu, 4),
            "audio_seconds": round(len(samples) / rate, 4),
        }

    speak("Ready when you are.")
    print(json.dumps({"ready": True, "rss_mb": rss_mb()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        results = [speak(text) for text in job["texts"]]
        print(json.dumps({"results": results, "rss_mb": rss_mb()}), flush=True)


if __name__ == "__main__":
    main()
