"""Transcribe audio files with Whisper base and score them against reference texts.

Input (stdin): a JSON array of {"audio": path, "reference": text} (optional per item: "language", a
Whisper code that overrides --language); the audio may be any format
FFmpeg reads (faster-whisper decodes it through PyAV).
Output (stdout): a JSON array, one object per input in the same order:
  {"text", "reference_normalized", "hypothesis_normalized", "errors", "words_in_reference", "wer",
   "words": [{"word", "start", "end"}]  (only with --words)}
Both texts go through Whisper's English normalizer before they are compared word by word, so
"$5.50" and "five dollars fifty" count as the same words; errors = substitutions + deletions +
insertions (Levenshtein distance over words), wer = errors / words_in_reference.
With --clock-times both normalized texts also get clock times and a.m./p.m. written one way
("7 30", "7.30" and "730" all become "730"; "p m" becomes "pm"): Whisper writes a spoken time in
any of these forms, and the normalizer keeps them apart.

The model is loaded once: from $FLASH_TTS_WHISPER_DIR, else .fixtures/whisper-base (made by
scripts/fixtures.sh). Run with the fixtures venv: .fixtures/venv/bin/python test/helpers/transcribe.py
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Fewest word substitutions, deletions and insertions that turn reference into hypothesis."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, start=1):
            current[j] = min(
                previous[j] + 1,  # reference word missing from the hypothesis
                current[j - 1] + 1,  # extra hypothesis word
                previous[j - 1] + (ref_word != hyp_word),  # same word, or a substitution
            )
        previous = current
    return previous[-1]


def clock_times(text: str) -> str:
    """Writes "7 30", "7.30", "7:30" as "730" and "a m", "p m" as "am", "pm" (on normalized text)."""
    text = re.sub(r"\b(\d{1,2})[ .:](\d{2})\b(?![.:]\d)", r"\1\2", text)
    return re.sub(r"\b([ap]) m\b", r"\1m", text)


def read_items() -> list[dict[str, str]]:
    items = json.load(sys.stdin)
    if not isinstance(items, list):
        raise SystemExit("transcribe.py: stdin must hold a JSON array of {audio, reference}")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("audio"), str) or not isinstance(item.get("reference"), str):
            raise SystemExit(f'transcribe.py: item {index} must be {{"audio": string, "reference": string}}')
        if not os.path.isfile(item["audio"]):
            raise SystemExit(f"transcribe.py: item {index}: no such file {item['audio']}")
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", action="store_true", help="also report each word with its start and end (s)")
    parser.add_argument("--clock-times", action="store_true", help="write clock times and am/pm one way on both sides")
    parser.add_argument(
        "--language", default="en", help="language spoken (default en); other languages are scored by character, unnormalized"
    )
    args = parser.parse_args()
    items = read_items()

    model_dir = os.environ.get("FLASH_TTS_WHISPER_DIR") or str(REPO / ".fixtures" / "whisper-base")
    if not os.path.isfile(os.path.join(model_dir, "model.bin")):
        raise SystemExit(f"transcribe.py: no Whisper model in {model_dir} (run scripts/fixtures.sh)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub; never try one

    # Libraries may print; stdout carries only the JSON answer.
    out = sys.stdout
    sys.stdout = sys.stderr
    from faster_whisper import WhisperModel
    from whisper_normalizer.english import EnglishTextNormalizer

    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    english = EnglishTextNormalizer()

    def normalize(text: str, language: str) -> str:
        if language != "en":
            # Characters (letters and digits) one by one: callers of other languages score the text themselves.
            return " ".join(ch for ch in text if ch.isalnum())
        return clock_times(english(text)) if args.clock_times else english(text)

    results = []
    for item in items:
        # An item may name its own language: one model load for many languages.
        language = item.get("language") or args.language
        segments, _info = model.transcribe(
            item["audio"],
            language=language,
            beam_size=5,
            word_timestamps=args.words,
            vad_filter=False,
        )
        segments = list(segments)  # the generator is where decoding happens
        text = "".join(segment.text for segment in segments).strip()
        reference = normalize(item["reference"], language).split()
        hypothesis = normalize(text, language).split()
        errors = word_errors(reference, hypothesis)
        result = {
            "text": text,
            "reference_normalized": " ".join(reference),
            "hypothesis_normalized": " ".join(hypothesis),
            "errors": errors,
            "words_in_reference": len(reference),
            # An empty reference: any word heard is wrong.
            "wer": errors / len(reference) if reference else float(errors > 0),
        }
        if args.words:
            result["words"] = [
                {"word": word.word.strip(), "start": round(word.start, 3), "end": round(word.end, 3)}
                for segment in segments
                for word in segment.words or []
            ]
        results.append(result)
    json.dump(results, out, ensure_ascii=False)
    out.write("\n")
    out.flush()


if __name__ == "__main__":
    main()
