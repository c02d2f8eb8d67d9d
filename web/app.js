/**
 * The page: voices and server facts from the server's own endpoints, realtime playback with word
 * highlighting, downloads, cloning and saved speakers. Plain JS modules, served as they are.
 */
import { ApiError, auth, getJson, post } from './api.js';
import { RealtimePlayer, stats } from './player.js';
import { encodeWav, monoOf } from './wav.js';

const $ = (id) => /** @type {any} */ (document.getElementById(id));

/** What tests read: the player's counters, the last clone and the downloads. */
const hook = { stats, player: undefined, clone: { samples: 0, sampleRate: 0 }, downloads: [], recordedChunks: 0, ready: false };
Object.assign(window, { __flashTts: hook });

let info;
/** @type {Map<string, any>} */
const voices = new Map();
/** @type {AudioContext | undefined} */
let audio;
/** @type {RealtimePlayer | undefined} */
let player;
/** @type {Blob | undefined} */
let reference;

// ---------- messages ----------

function message(kind, text) {
  const p = document.createElement('p');
  p.className = kind;
  p.textContent = text;
  $('messages').replaceChildren(p);
}
const showError = (error) => message('error', error instanceof Error ? error.message : String(error));
const showInfo = (text) => message('info', text);
const clearMessages = () => $('messages').replaceChildren();

// ---------- server facts and voices ----------

function engineLabel(id) {
  return info?.engines.find((e) => e.id === id)?.label ?? id;
}

async function loadVoices(select) {
  const list = (await getJson('/v1/audio/voices')).voices;
  voices.clear();
  const keep = select ?? $('voice').value;
  const groups = new Map();
  for (const v of list) {
    voices.set(v.id, v);
    const group = v.type === 'role' ? 'Built-in roles' : v.type === 'speaker' ? 'Saved speakers (cloned)' : engineLabel(v.engine);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(v);
  }
  const options = [...groups].map(([label, entries]) => {
    const group = document.createElement('optgroup');
    group.label = label;
    for (const v of entries) {
      const option = new Option(`${v.name} — ${v.language}, ${v.type === 'role' ? v.description : v.engine}`, v.id);
      group.append(option);
    }
    return group;
  });
  $('voice').replaceChildren(...options);
  if (keep && voices.has(keep)) $('voice').value = keep;
  showVoice();
  const speakers = list.filter((v) => v.type === 'speaker');
  $('speakers').replaceChildren(
    ...(speakers.length === 0
      ? [Object.assign(document.createElement('li'), { textContent: 'None saved yet.' })]
      : speakers.map((v) => {
          const li = document.createElement('li');
          const name = document.createElement('span');
          name.textContent = v.name;
          const remove = document.createElement('button');
          remove.type = 'button';
          remove.textContent = 'Delete';
          remove.setAttribute('aria-label', `Delete speaker ${v.name}`);
          remove.addEventListener('click', () => deleteSpeaker(v.name));
          li.append(name, remove);
          return li;
        })),
  );
}

function showVoice() {
  const v = voices.get($('voice').value);
  $('voice-info').textContent = v ? `${v.description} · language ${v.language} · engine ${engineLabel(v.engine)}` : '';
}

function showServer() {
  $('server-summary').textContent = `${info.name} ${info.version} · ${info.engines.length} engine(s) · cloning ${
    info.cloning ? 'available' : 'not installed'
  }${info.auth ? ' · API key required' : ''}`;
  $('engines').replaceChildren(
    ...info.engines.map((e) => {
      const li = document.createElement('li');
      li.textContent = `${e.label} (${e.id}) — ${e.sample_rate / 1000} kHz, ${e.voices.length} voice(s), ${e.licence}`;
      return li;
    }),
  );
  const limits = {
    'Text per request': `${info.limits.max_text_chars} characters`,
    'Request body': `${Math.round(info.limits.max_body_bytes / 1024 / 1024)} MB`,
    'Engine workers': info.limits.workers,
    'Streams at once': info.limits.max_streams,
    'API key': info.auth ? 'required' : 'not required',
  };
  $('limits').replaceChildren(
    ...Object.entries(limits).flatMap(([k, v]) => [
      Object.assign(document.createElement('dt'), { textContent: k }),
      Object.assign(document.createElement('dd'), { textContent: String(v) }),
    ]),
  );
  $('text-max').textContent = String(info.limits.max_text_chars);
  $('text').maxLength = info.limits.max_text_chars;
  $('format').replaceChildren(...info.formats.map((f) => new Option(f, f)));
  $('format').value = info.formats.includes('mp3') ? 'mp3' : info.formats[0];
  $('sample-rate').replaceChildren(
    new Option('server default', ''),
    ...info.sample_rates.map((r) => new Option(`${r / 1000} kHz`, String(r))),
  );
  $('clone-unavailable').hidden = info.cloning;
  $('clone-unavailable').textContent = info.cloning
    ? ''
    : 'Voice cloning needs the Pocket-TTS model, which is not installed on this server. Install it with `npx flash-tts models pull pocket-tts-int8` and restart the server.';
  $('clone-fields').disabled = !info.cloning;
}

async function load() {
  try {
    info = await getJson('/server_info');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      $('key-form').hidden = false;
      $('app').hidden = true;
      $('server-summary').textContent = 'This server needs an API key.';
      if (auth.key) showError(error);
      $('api-key').focus();
      return;
    }
    showError(error);
    return;
  }
  $('key-form').hidden = true;
  $('app').hidden = false;
  showServer();
  await loadVoices();
  countText();
  hook.ready = true;
}

// ---------- speaking ----------

/** Spans of the current utterance's words, with their times, for highlighting. */
let timeline = [];
let frame = 0;

function onSegment(segment) {
  const span = document.createElement('span');
  span.className = 'segment';
  span.dataset.segment = String(segment.segment_id);
  span.textContent = `${segment.text} `;
  $('transcript').append(span);
  timeline.push({ element: span, start: segment.start_ms, end: Number.POSITIVE_INFINITY, segment: true });
}

const plain = (s) => s.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');

/** Wraps the segment's written words in spans, matching the spoken words (as spoken: "21" → "twenty one"). */
function onWords(message) {
  const span = $('transcript').querySelector(`[data-segment="${message.segment_id}"]`);
  if (!span) return;
  const tokens = span.textContent.split(/(\s+)/);
  const elements = tokens.map((t) => {
    if (/^\s*$/.test(t)) return document.createTextNode(t);
    const w = document.createElement('span');
    w.className = 'word';
    w.textContent = t;
    return w;
  });
  const words = elements.filter((e) => e instanceof HTMLElement);
  let cursor = 0;
  for (const word of message.words) {
    const spoken = plain(word.word);
    let found = -1;
    for (let i = cursor; i < Math.min(words.length, cursor + 3); i++) {
      if (plain(words[i].textContent).startsWith(spoken) && spoken !== '') {
        found = i;
        break;
      }
    }
    // A word the text wrote otherwise ("21", "$5.50") stays on the written token it came from.
    const index = found >= 0 ? found : Math.min(cursor, words.length - 1);
    if (found >= 0) cursor = found + 1;
    const target = words[index];
    if (target) timeline.push({ element: target, start: word.start_ms, end: word.end_ms, segment: false });
  }
  span.replaceChildren(...elements);
}

function highlight() {
  if (!player) return;
  const now = player.positionMs();
  for (const entry of timeline) {
    const on = now >= entry.start && now < entry.end;
    if (entry.segment) entry.element.classList.toggle('current', on);
  }
  const words = timeline.filter((e) => !e.segment && now >= e.start && now < e.end + 60);
  const current = words.at(-1)?.element;
  for (const e of $('transcript').querySelectorAll('.word.current')) if (e !== current) e.classList.remove('current');
  current?.classList.add('current');
  frame = requestAnimationFrame(highlight);
}

function audioContext() {
  audio ??= new AudioContext();
  if (audio.state === 'suspended') audio.resume();
  return audio;
}

async function speak() {
  const text = $('text').value;
  if (text.trim() === '') {
    showError('Type some text to speak.');
    $('text').focus();
    return;
  }
  clearMessages();
  player ??= new RealtimePlayer(audioContext(), { onSegment, onWords });
  hook.player = player;
  audioContext();
  timeline = [];
  $('transcript').replaceChildren();
  $('speak').disabled = true;
  $('stop').disabled = false;
  $('play-status').textContent = 'Speaking…';
  cancelAnimationFrame(frame);
  frame = requestAnimationFrame(highlight);
  try {
    await player.speak({
      text,
      voice: $('voice').value,
      speed: Number($('speed').value),
      pitch: Number($('pitch').value),
      ...(auth.key ? { token: auth.key } : {}),
    });
    $('play-status').textContent = stats.state === 'done' ? 'Done.' : 'Stopped.';
  } catch (error) {
    $('play-status').textContent = '';
    showError(error);
  } finally {
    cancelAnimationFrame(frame);
    for (const e of $('transcript').querySelectorAll('.current')) e.classList.remove('current');
    $('speak').disabled = false;
    $('stop').disabled = true;
  }
}

function stop() {
  player?.stop();
}

async function download() {
  const text = $('text').value;
  if (text.trim() === '') {
    showError('Type some text to download.');
    return;
  }
  clearMessages();
  $('download').disabled = true;
  const format = $('format').value;
  const rate = $('sample-rate').value;
  try {
    const res = await post('/v1/audio/speech', {
      model: 'tts-1',
      input: text,
      voice: $('voice').value,
      response_format: format,
      speed: Number($('speed').value),
      pitch: Number($('pitch').value),
      stream: false,
      ...(rate ? { sample_rate: Number(rate) } : {}),
    });
    const blob = await res.blob();
    hook.downloads.push({ format, type: blob.type, bytes: blob.size });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `speech.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    showInfo(`Downloaded speech.${format} (${Math.round(blob.size / 1024)} KB).`);
  } catch (error) {
    showError(error);
  } finally {
    $('download').disabled = false;
  }
}

function countText() {
  $('text-count').textContent = String($('text').value.length);
}

// ---------- cloning ----------

function setReference(blob, label) {
  reference = blob;
  $('reference-status').textContent = label;
  const el = $('reference-audio');
  if (el.src) URL.revokeObjectURL(el.src);
  el.src = URL.createObjectURL(blob);
  el.hidden = false;
  $('clone').disabled = false;
  $('save-speaker').disabled = false;
}

let recorder;

async function record() {
  clearMessages();
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
    showError('This browser cannot record here (recording needs a secure page: https or localhost).');
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => {
      chunks.push(e.data);
      hook.recordedChunks++;
    };
    recorder.onstop = async () => {
      for (const track of stream.getTracks()) track.stop();
      try {
        // MediaRecorder makes WebM or MP4; the server reads WAV, so the page decodes and re-encodes it.
        const decoded = await audioContext().decodeAudioData(await new Blob(chunks).arrayBuffer());
        setReference(encodeWav(monoOf(decoded), decoded.sampleRate), `Recorded ${decoded.duration.toFixed(1)} s.`);
      } catch (error) {
        showError(`The recording could not be read: ${error.message}`);
      }
      $('record').disabled = false;
      $('record-stop').disabled = true;
    };
    hook.recordedChunks = 0;
    // Pieces every 250 ms: the recording survives a tab that is closed mid-way, and shows progress.
    recorder.start(250);
    $('record').disabled = true;
    $('record-stop').disabled = false;
    $('record-stop').focus();
    $('reference-status').textContent = 'Recording… speak now, then press Stop recording.';
  } catch (error) {
    showError(`The microphone is not available: ${error.message}`);
  }
}

async function clone() {
  if (!reference) return;
  clearMessages();
  $('clone').disabled = true;
  try {
    const form = new FormData();
    form.append('text', $('clone-text').value);
    form.append('response_format', 'wav');
    form.append('reference_audio_file', reference, 'reference.wav');
    const blob = await (await post('/clone_voice', form)).blob();
    const decoded = await audioContext().decodeAudioData(await blob.arrayBuffer());
    hook.clone = { samples: decoded.length, sampleRate: decoded.sampleRate };
    const el = $('clone-audio');
    if (el.src) URL.revokeObjectURL(el.src);
    el.src = URL.createObjectURL(blob);
    el.hidden = false;
    el.play().catch(() => {});
    showInfo(`Cloned: ${decoded.duration.toFixed(1)} s of speech.`);
  } catch (error) {
    showError(error);
  } finally {
    $('clone').disabled = false;
  }
}

async function saveSpeaker() {
  const name = $('speaker-name').value.trim();
  if (!reference) return;
  if (name === '') {
    showError('Type a name for the speaker.');
    $('speaker-name').focus();
    return;
  }
  clearMessages();
  try {
    const form = new FormData();
    form.append('name', name);
    form.append('audio_file', reference, 'reference.wav');
    const body = await (await post('/add_speaker', form)).json();
    await loadVoices(name);
    showInfo(body.message);
  } catch (error) {
    showError(error);
  }
}

async function deleteSpeaker(name) {
  clearMessages();
  try {
    const form = new FormData();
    form.append('name', name);
    const body = await (await post('/delete_speaker', form)).json();
    await loadVoices();
    showInfo(body.message);
  } catch (error) {
    showError(error);
  }
}

// ---------- wiring ----------

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  auth.key = $('api-key').value.trim();
  $('api-key').value = '';
  clearMessages();
  load();
});
$('voice').addEventListener('change', showVoice);
$('text').addEventListener('input', countText);
$('speed').addEventListener('input', () => {
  $('speed-value').textContent = `${Number($('speed').value).toFixed(2)}×`;
});
$('pitch').addEventListener('input', () => {
  $('pitch-value').textContent = `${$('pitch').value} semitones`;
});
$('speak').addEventListener('click', speak);
$('stop').addEventListener('click', stop);
$('download').addEventListener('click', download);
$('reference-file').addEventListener('change', () => {
  const file = $('reference-file').files[0];
  if (file) setReference(file, `File: ${file.name} (${Math.round(file.size / 1024)} KB).`);
});
$('record').addEventListener('click', record);
$('record-stop').addEventListener('click', () => recorder?.stop());
$('clone').addEventListener('click', clone);
$('save-speaker').addEventListener('click', saveSpeaker);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !$('stop').disabled) {
    event.preventDefault();
    stop();
  } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && event.target === $('text')) {
    event.preventDefault();
    if (!$('speak').disabled) speak();
  }
});

load();
