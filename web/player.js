/**
 * Realtime speech in the browser: one WebSocket (JSON codec) per utterance to /v1/realtime, PCM
 * 16-bit at 24 kHz, each frame scheduled on an AudioContext at its `pts_ms` so frames play
 * back to back with no gap, while later ones are still being synthesized.
 */

/** The rate the page asks the server for. */
export const PLAYBACK_RATE = 24000;
/** How far ahead of "now" the first frame is scheduled, in seconds (absorbs jitter). */
const LEAD_S = 0.08;

/**
 * Counters tests read (window.__flashTts): frames and samples scheduled, and anything that came or
 * was scheduled after a stop.
 */
export const stats = {
  audioMessages: 0,
  samplesScheduled: 0,
  audioIgnoredAfterStop: 0,
  playing: 0,
  audioAfterCancelled: 0,
  wordsMessages: 0,
  utterances: 0,
  state: 'idle',
};

/** Base64 to bytes. */
function bytesOf(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Little-endian 16-bit PCM to floats. */
function floatsOf(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** A realtime error the server sent, or a close before the end. */
export class RealtimeError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Plays one utterance at a time through `audio` (an AudioContext). */
export class RealtimePlayer {
  /**
   * @param {AudioContext} audio the context to play on
   * @param {{ onSegment?: Function, onWords?: Function }} handlers what the page shows
   */
  constructor(audio, handlers = {}) {
    this.audio = audio;
    this.handlers = handlers;
    /** @type {WebSocket | undefined} */
    this.socket = undefined;
    this.sources = new Set();
    this.base = 0;
    this.stopped = false;
    this.contextId = '';
  }

  /** Milliseconds of the current utterance's timeline being heard now (−Infinity before its first audio). */
  positionMs() {
    if (this.base === 0) return Number.NEGATIVE_INFINITY;
    return (this.audio.currentTime - this.base) * 1000;
  }

  /**
   * Speaks `text`; resolves once the last audio has played, or once stopped.
   * @param {{ text: string, voice: string, speed: number, pitch: number, token?: string }} request
   */
  speak(request) {
    this.stop();
    this.stopped = false;
    this.base = 0;
    this.contextId = `page-${++stats.utterances}`;
    stats.state = 'connecting';
    const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${protocol}//${location.host}/v1/realtime`, 'flash-tts.v1.json');
    this.socket = socket;
    return new Promise((resolve, reject) => {
      let settled = false;
      let pendingDone = false;
      let cancelled = false;
      const finish = (error) => {
        if (settled) return;
        settled = true;
        stats.state = error ? 'error' : cancelled ? 'cancelled' : this.stopped ? 'stopped' : 'done';
        if (socket.readyState === WebSocket.OPEN) socket.close(1000);
        if (error) reject(error);
        else resolve();
      };
      const finishWhenPlayed = () => {
        pendingDone = true;
        if (this.sources.size === 0) finish();
      };
      this.onSourceEnded = () => {
        if (pendingDone && this.sources.size === 0) finish();
      };
      this.onStop = () => finish();
      socket.onopen = () => {
        socket.send(
          JSON.stringify({
            type: 'init',
            version: 1,
            voice: request.voice,
            speed: request.speed,
            pitch: request.pitch,
            timestamps: true,
            format: { encoding: 'pcm_s16le', sample_rate: PLAYBACK_RATE, channels: 1, frame_ms: 40 },
            ...(request.token ? { token: request.token } : {}),
          }),
        );
      };
      socket.onmessage = (event) => {
        if (typeof event.data !== 'string') return;
        const message = JSON.parse(event.data);
        switch (message.type) {
          case 'ready':
            stats.state = 'speaking';
            socket.send(JSON.stringify({ type: 'speak', context_id: this.contextId, text: request.text }));
            break;
          case 'segment':
            if (!this.stopped) this.handlers.onSegment?.(message);
            break;
          case 'words':
            stats.wordsMessages++;
            if (!this.stopped) this.handlers.onWords?.(message);
            break;
          case 'audio':
            stats.audioMessages++;
            if (cancelled) stats.audioAfterCancelled++;
            if (this.stopped) stats.audioIgnoredAfterStop++;
            else this.#schedule(message);
            break;
          case 'done':
            finishWhenPlayed();
            break;
          case 'cancelled':
            cancelled = true;
            finish();
            break;
          case 'error':
            if (message.fatal || message.context_id === this.contextId) finish(new RealtimeError(message.code, message.message));
            break;
          default:
            break;
        }
      };
      socket.onerror = () => finish(new RealtimeError('socket_error', 'The realtime connection failed.'));
      socket.onclose = (event) => {
        if (!settled && !pendingDone) {
          finish(
            new RealtimeError(
              'closed',
              `The realtime connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).`,
            ),
          );
        }
      };
    });
  }

  /** Schedules one PCM frame at its place on the timeline. */
  #schedule(message) {
    const samples = floatsOf(bytesOf(message.data));
    if (samples.length === 0) return;
    const buffer = this.audio.createBuffer(1, samples.length, PLAYBACK_RATE);
    buffer.copyToChannel(samples, 0);
    const now = this.audio.currentTime;
    if (this.base === 0) this.base = now + LEAD_S - message.pts_ms / 1000;
    let at = this.base + message.pts_ms / 1000;
    if (at < now + 0.01) {
      // Synthesis fell behind playback: move the whole timeline, so what follows stays seamless.
      this.base += now + LEAD_S - at;
      at = this.base + message.pts_ms / 1000;
    }
    const source = this.audio.createBufferSource();
    source.buffer = buffer;
    source.connect(this.audio.destination);
    source.onended = () => {
      this.sources.delete(source);
      stats.playing = this.sources.size;
      this.onSourceEnded?.();
    };
    this.sources.add(source);
    stats.playing = this.sources.size;
    source.start(at);
    stats.samplesScheduled += samples.length;
  }

  /** Stops now: cancels the context on the server and silences what is scheduled. */
  stop() {
    if (this.stopped || !this.socket) return;
    this.stopped = true;
    for (const source of this.sources) {
      source.onended = null;
      source.stop();
    }
    this.sources.clear();
    stats.playing = 0;
    if (this.socket.readyState === WebSocket.OPEN && stats.state === 'speaking') {
      this.socket.send(JSON.stringify({ type: 'cancel', context_id: this.contextId }));
    } else {
      this.onStop?.();
    }
  }
}
