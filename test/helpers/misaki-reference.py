"""Phonemes from misaki, the G2P Kokoro-82M was trained with, for comparing our front ends with it.

Input (stdin): a JSON object {"language": "zh", "texts": [text, ...]}.
Output (stdout): a JSON array with misaki's phoneme string for each text, in order.
zh: misaki's ZHG2P as Kokoro's pipeline calls it for Kokoro-82M v1.0 (no version: its first front
end, cn2an + jieba + pypinyin). Needs misaki[zh] in the fixtures venv (scripts/fixtures.sh).
es, fr-fr, it, pt-br, hi: misaki's EspeakG2P (no version) as Kokoro's pipeline calls it for the e…,
f…, i…, p… and h… voices: espeak-ng through phonemizer and espeakng-loader (its own espeak-ng
library and data), then misaki's rewrites. Needs misaki[en] extras phonemizer + espeakng-loader.
"""

ESPEAK_LANGUAGES = {"es", "fr-fr", "it", "pt-br", "hi"}

import contextlib
import io
import json
import sys


def main() -> None:
    request = json.load(sys.stdin)
    language = request["language"]
    texts = request["texts"]
    if language in ESPEAK_LANGUAGES:
        from misaki import espeak

        g2p = espeak.EspeakG2P(language=language)
        json.dump([g2p(text)[0] for text in texts], sys.stdout, ensure_ascii=False)
        return
    if language != "zh":
        raise SystemExit(f"misaki-reference.py: no reference for language {language!r}")
    # jieba prints its dictionary loading to stderr; keep stdout for the answer alone.
    with contextlib.redirect_stdout(io.StringIO()):
        from misaki import zh

        g2p = zh.ZHG2P()
        out = [g2p(text)[0] for text in texts]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
