"""Writes data/pypinyin-tone3.tsv.gz: pypinyin's dictionaries (MIT: its phrase dictionary and its
character dictionary, from mozillazg's phrase-pinyin-data and pinyin-data) as the Mandarin front end
reads them, each entry already in the form misaki's v1.0 path asks pypinyin for
(`lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)`, first reading), ü written ü.

Run with the fixtures venv, which has the pinned pypinyin (scripts/requirements-reference.txt):
  .fixtures/venv/bin/python scripts/pypinyin-data.py
Lines: `P<TAB>phrase<TAB>syllables` (space-separated) and `C<TAB>character<TAB>syllable`, sorted;
the gzip header carries no time, so the same pypinyin gives the same bytes.
"""

import gzip
import io
import pathlib

import pypinyin
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "pypinyin-tone3.tsv.gz"


def tone3(text: str) -> list[str]:
    return [p.replace("v", "ü") for p in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)]


def main() -> None:
    lines = [f"# pypinyin {pypinyin.__version__} (MIT), first readings in TONE3 with 5 for the neutral tone"]
    for phrase in sorted(PHRASES_DICT):
        syllables = tone3(phrase)
        if len(syllables) == len(phrase):
            lines.append(f"P\t{phrase}\t{' '.join(syllables)}")
    for code in sorted(PINYIN_DICT):
        char = chr(code)
        syllables = tone3(char)
        if len(syllables) == 1 and syllables[0] != char:
            lines.append(f"C\t{char}\t{syllables[0]}")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as archive:
        archive.write(("\n".join(lines) + "\n").encode("utf-8"))
    OUT.write_bytes(buffer.getvalue())
    print(f"{OUT}: {len(lines) - 1} entries, {len(buffer.getvalue())} bytes")


if __name__ == "__main__":
    main()
