"""PESQ (ITU-T P.862.2, wide band) of degraded speech against its reference, for bench/encoders.ts.

Reads a JSON list of {"id", "ref", "deg"} (16 kHz mono 16-bit WAV paths) from the file named by the
first argument; prints one JSON object {id: mean score} once all are scored. P.862 is meant for
utterances of about 8-12 s, so each pair is scored in 8 s pieces and the pieces are averaged.
Needs the venv of bench/quality-venv.sh.
"""

import json
import sys
import wave

import numpy as np
from pesq import pesq

RATE = 16000
PIECE = 8 * RATE


def read(path):
    with wave.open(path) as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise SystemExit(f"{path}: expected 16 kHz mono 16-bit")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def score(ref, deg):
    n = min(len(ref), len(deg))
    starts = range(0, max(1, n - PIECE // 2), PIECE)
    scores = [pesq(RATE, ref[s : s + PIECE], deg[s : s + PIECE], "wb") for s in starts]
    return float(np.mean(scores))


def main():
    with open(sys.argv[1]) as f:
        pairs = json.load(f)
    refs = {}
    out = {}
    for pair in pairs:
        ref = refs.setdefault(pair["ref"], read(pair["ref"]))
        out[pair["id"]] = round(score(ref, read(pair["deg"])), 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
