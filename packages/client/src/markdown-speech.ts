/**
 * LLM answers are markdown; speech is not. `MarkdownSpeechFilter` turns streamed markdown into
 * the words a person would say: code blocks are skipped (a short "code omitted" note would be
 * noise in a voice reply), inline code, emphasis, headings, list and quote markers, link targets,
 * table pipes and HTML tags are dropped, their text kept. It works on text that arrives in any
 * pieces and gives the same result as on the whole text: nothing is released until it cannot be
 * part of a construct that is still open.
 */

const FENCE = '```';
/** Longest text held back waiting for a link or inline code to close. */
const MAX_HOLD = 400;

function cleanInline(text: string): string {
  return (
    text
      // [text](url) → text; ![alt](src) → alt
      .replace(/!?\[([^\]\n]*)\]\([^)\n]*\)/g, '$1')
      // `code` → code
      .replace(/`([^`\n]*)`/g, '$1')
      // HTML tags
      .replace(/<\/?[A-Za-z][^>\n]*>/g, '')
      // **bold**, __bold__, *em*, _em_ (markers touching a word), ~~strike~~
      .replace(/(\*{1,3}|_{2,3}|~~)(?=\S)|(?<=\S)(\*{1,3}|_{2,3}|~~)/g, '')
      .replace(/(^|\s)_(?=\S)|(?<=\S)_(?=\s|[.,;:!?]|$)/g, '$1')
      // table pipes and rules
      .replace(/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$/gm, '')
      .replace(/^[ \t]*\|/gm, '')
      .replace(/\|[ \t]*$/gm, '.')
      .replace(/\s*\|\s*/g, ', ')
  );
}

function cleanLines(text: string, atLineStart: boolean): string {
  // A sentinel keeps "^" from matching where the previous piece ended mid-line.
  const input = atLineStart ? text : `\u0000${text}`;
  const out = input
    .replace(/^[ \t]*(#{1,6}[ \t]+|[-*+][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]?)/gm, '')
    .replace(/^[ \t]*([-*_][ \t]*){3,}$/gm, '');
  return cleanInline(atLineStart ? out : out.slice(1));
}

/** Streaming markdown → speakable text. */
export class MarkdownSpeechFilter {
  #buffer = '';
  #inFence = false;
  #atLineStart = true;

  /** Adds text; returns the speakable text it completed (possibly ''). */
  push(text: string): string {
    this.#buffer += text;
    return this.#drain(false);
  }

  /** Text held back until a construct closes or the input ends. */
  get pending(): string {
    return this.#buffer;
  }

  /** Ends the input: returns what is left. */
  end(): string {
    return this.#drain(true);
  }

  #drain(final: boolean): string {
    let out = '';
    for (;;) {
      if (this.#inFence) {
        const close = this.#buffer.indexOf(FENCE);
        if (close < 0) {
          // Everything but a possible start of the closing fence is code: dropped.
          this.#buffer = final ? '' : this.#buffer.slice(-2);
          return out;
        }
        const lineEnd = this.#buffer.indexOf('\n', close + FENCE.length);
        if (lineEnd < 0 && !final) {
          this.#buffer = this.#buffer.slice(close);
          return out;
        }
        this.#buffer = lineEnd < 0 ? '' : this.#buffer.slice(lineEnd + 1);
        this.#inFence = false;
        this.#atLineStart = true;
        out += ' ';
        continue;
      }
      const open = this.#buffer.indexOf(FENCE);
      const region = open < 0 ? this.#buffer : this.#buffer.slice(0, open);
      const cut = final || open >= 0 ? region.length : this.#safeCut(region);
      if (cut > 0) {
        const piece = region.slice(0, cut);
        out += cleanLines(piece, this.#atLineStart);
        this.#atLineStart = piece.endsWith('\n');
        this.#buffer = this.#buffer.slice(cut);
      }
      if (open >= 0 && cut === region.length) {
        this.#buffer = this.#buffer.slice(FENCE.length);
        this.#inFence = true;
        out += ' ';
        continue;
      }
      if (final) this.#buffer = '';
      return out;
    }
  }

  /** Where `region` can be cut: after its last whitespace outside an open link or inline code. */
  #safeCut(region: string): number {
    // A fence may be starting at the end.
    let end = region.length;
    while (end > 0 && region[end - 1] === '`' && region.length - end < 2) end--;
    for (let i = end; i > 0; i--) {
      if (!/\s/.test(region[i - 1] as string)) continue;
      const before = region.slice(0, i);
      const ticks = (before.match(/`/g) ?? []).length;
      const lastOpen = before.lastIndexOf('[');
      const linkOpen =
        lastOpen > before.lastIndexOf(')') && lastOpen >= 0 && /\[[^\]\n]*(\]\([^)\n]*)?$/.test(before.slice(lastOpen));
      if (ticks % 2 === 0 && !linkOpen) return i;
    }
    // Nothing closes what is open within a reasonable length: release it as it is.
    return region.length > MAX_HOLD ? region.length : 0;
  }
}

/** Cleans a whole markdown text for speech. */
export function markdownToSpeech(markdown: string): string {
  const filter = new MarkdownSpeechFilter();
  return filter.push(markdown) + filter.end();
}
