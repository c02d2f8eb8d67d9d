"""Speak sentences with the Python peers that run the same weights as Flash-TTS, for bench/voices-wer.ts.

kokoro-onnx runs the same Kokoro graph (its own espeak-ng front end), piper-tts the same Piper voice.
Both get an ONNX session with the same thread count as our server. Run with the fixtures venv
(scripts/fixtures.sh --bench installs the peers):

  .fixtures/venv/bin/python bench/peers.py < job.json

Input (stdin), JSON:
  {"threads": 2,
   "kokoro": {"model": "<model.onnx>", "voices_dir": "<dir of <id>.bin>"},      (optional)
   "piper": {"model": "<model.onnx>", "config": "<model.onnx.json>"},         (optional)
   "items": [{"engine": "kokoro" | "piper", "voice": "af_heart", "lang": "en-us", "text": "...", "out": "<file.wav>"}]}
Output (stdout): a JSON array, per item {"out", "seconds" (synthesis wall time), "audio_seconds"}.
Progress goes to stderr.
"""

import json
import os
import sys
import tempfile
import time
import wave

import numpy as np
import onnxruntime as ort

VOICE_SHAPE = (510, 1, 256)  # Kokoro v1.0 voices: one 256-float style row per phoneme count


def session(model: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


def write_wav(path: str, samples: np.ndarray, rate: int) -> None:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


def kokoro_speaker(spec: dict, voices: set[str], threads: int, scratch: str):
    from kokoro_onnx import Kokoro

    # kokoro-onnx reads voices from one .npz of [510, 1, 256] arrays keyed by voice id.
    arrays = {}
    for voice in sorted(voices):
        raw = np.fromfile(os.path.join(spec["voices_dir"], f"{voice}.bin"), dtype="<f4")
        arrays[voice] = raw.reshape(VOICE_SHAPE)
    npz = os.path.join(scratch, "voices.npz")
    np.savez(npz, **arrays)
    kokoro = Kokoro.from_session(session(spec["model"], threads), npz)

    def speak(item: dict) -> float:
        samples, rate = kokoro.create(item["text"], voice=item["voice"], speed=1.0, lang=item["lang"])
        write_wav(item["out"], samples, rate)
        return len(samples) / rate

    return speak


def piper_speaker(spec: dict, threads: int):
    from piper import PiperVoice

    voice = PiperVoice.load(spec["model"], config_path=spec["config"])
    voice.session = session(spec["model"], threads)

    def speak(item: dict) -> float:
        with wave.open(item["out"], "wb") as out:
            voice.synthesize_wav(item["text"], out)
            return out.getnframes() / out.getframerate()

    return speak


def main() -> None:
    job = json.load(sys.stdin)
    threads = int(job.get("threads", 2))
    items = job["items"]
    with tempfile.TemporaryDirectory(prefix="flash-tts-peers-") as scratch:
        speakers = {}
        kokoro_voices = {item["voice"] for item in items if item["engine"] == "kokoro"}
        if kokoro_voices:
            speakers["kokoro"] = kokoro_speaker(job["kokoro"], kokoro_voices, threads, scratch)
        if any(item["engine"] == "piper" for item in items):
            speakers["piper"] = piper_speaker(job["piper"], threads)
        results = []
        for index, item in enumerate(items, start=1):
            os.makedirs(os.path.dirname(item["out"]) or ".", exist_ok=True)
            started = time.perf_counter()
            audio_seconds = speakers[item["engine"]](item)
            seconds = time.perf_counter() - started
            results.append({"out": item["out"], "seconds": round(seconds, 3), "audio_seconds": round(audio_seconds, 3)})
            print(f"peers: {index}/{len(items)} {item['engine']} {item['voice']} {seconds:.1f} s", file=sys.stderr, flush=True)
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
