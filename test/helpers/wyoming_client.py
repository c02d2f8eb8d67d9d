"""Speak to the server's Wyoming endpoint with the real `wyoming` package, as Home Assistant does.

Usage: .fixtures/venv/bin/python test/helpers/wyoming_client.py SCENARIO HOST PORT < request.json
Prints one JSON object (the scenario's findings) on stdout. Scenarios:

  describe     {}  -> the TTS programs of `info`, parsed by wyoming.info.Info
  synthesize   {"text", "voice"?, "wav"}  -> the events of one `synthesize`; the audio as a WAV file
  stream       {"chunks": [...], "voice"?, "wav"}  -> synthesize-start, every chunk but the last; then
               waits for the first audio-chunk before it sends the last chunk, the full text as a
               `synthesize` (as Home Assistant does for older servers) and synthesize-stop. The
               `log` lists what was sent and received, in order.
  errors       {"max_event_bytes"}  -> requests that fail (unknown voice, missing text, a stream with
               an unknown voice), each on its own connection: the reply and whether the server then
               ended it; then a line that is not JSON, an event larger than the server reads, an
               over-long header line and an unknown event type on one connection, and `describe` on
               it; then a `synthesize` on a new connection
  disconnect   {"text"}  -> a `synthesize` and a text stream on two connections, each closed as
               soon as its first audio arrives
Every read waits at most READ_TIMEOUT seconds: a server that does not answer fails the scenario.
"""

import asyncio
import json
import sys
import wave

from wyoming.audio import AudioChunk, AudioStart
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

READ_TIMEOUT = 30.0


def voice_of(request):
    name = request.get("voice")
    return SynthesizeVoice(name=name) if name else None


async def read(client):
    event = await asyncio.wait_for(client.read_event(), READ_TIMEOUT)
    if event is None:
        raise RuntimeError("the server closed the connection")
    return event


def write_wav(path, start, audio):
    with wave.open(path, "wb") as wav:
        wav.setframerate(start.rate)
        wav.setsampwidth(start.width)
        wav.setnchannels(start.channels)
        wav.writeframes(bytes(audio))


def error_of(event):
    error = Error.from_event(event)
    return {"code": error.code, "text": error.text}


async def describe(host, port, _request):
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        event = await read(client)
        info = Info.from_event(event)
        return {
            "type": event.type,
            "tts": [
                {
                    "name": program.name,
                    "installed": program.installed,
                    "supports_synthesize_streaming": program.supports_synthesize_streaming,
                    "voices": [
                        {
                            "name": voice.name,
                            "languages": voice.languages,
                            "speakers": None if voice.speakers is None else [s.name for s in voice.speakers],
                            "attribution": {"name": voice.attribution.name, "url": voice.attribution.url},
                            "installed": voice.installed,
                            "description": voice.description,
                        }
                        for voice in program.voices
                    ],
                }
                for program in info.tts
            ],
        }


async def collect_audio(client, log, until):
    """Reads events until one of type `until` (or an error); returns the format, audio and counts."""
    start = None
    audio = bytearray()
    formats = set()
    counts = {"audio-start": 0, "audio-chunk": 0, "audio-stop": 0}
    error = None
    while True:
        event = await read(client)
        log.append(event.type)
        if event.type in counts:
            counts[event.type] += 1
        if AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            formats.add((start.rate, start.width, start.channels))
        elif AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            formats.add((chunk.rate, chunk.width, chunk.channels))
            audio.extend(chunk.audio)
        elif Error.is_type(event.type):
            error = error_of(event)
            break
        if event.type == until:
            break
    return start, audio, formats, counts, error


def audio_result(request, start, audio, formats, counts, error, log):
    if start is not None:
        write_wav(request["wav"], start, audio)
    return {
        "log": log,
        "counts": counts,
        "formats": sorted(list(f) for f in formats),
        "rate": None if start is None else start.rate,
        "width": None if start is None else start.width,
        "channels": None if start is None else start.channels,
        "bytes": len(audio),
        "error": error,
    }


async def synthesize(host, port, request):
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Synthesize(text=request["text"], voice=voice_of(request)).event())
        log = []
        found = await collect_audio(client, log, "audio-stop")
        return audio_result(request, *found, log)


async def stream(host, port, request):
    chunks = request["chunks"]
    voice = voice_of(request)
    log = []
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(SynthesizeStart(voice=voice).event())
        for index, text in enumerate(chunks[:-1]):
            await client.write_event(SynthesizeChunk(text=text).event())
            log.append(f"sent chunk {index}")
        start = None
        audio = bytearray()
        formats = set()
        # The last chunk is held back until the server has spoken: proof that it speaks as text comes.
        while True:
            event = await read(client)
            log.append(event.type)
            if AudioStart.is_type(event.type):
                start = AudioStart.from_event(event)
                formats.add((start.rate, start.width, start.channels))
            if Error.is_type(event.type):
                return {"log": log, "error": error_of(event)}
            if AudioChunk.is_type(event.type):
                chunk = AudioChunk.from_event(event)
                formats.add((chunk.rate, chunk.width, chunk.channels))
                audio.extend(chunk.audio)
                break
        await client.write_event(SynthesizeChunk(text=chunks[-1]).event())
        log.append(f"sent chunk {len(chunks) - 1}")
        await client.write_event(Synthesize(text="".join(chunks), voice=voice).event())
        log.append("sent synthesize")
        await client.write_event(SynthesizeStop().event())
        log.append("sent synthesize-stop")
        rest_start, rest, rest_formats, _counts, error = await collect_audio(client, log, SynthesizeStopped().event().type)
        audio.extend(rest)
        counts = {kind: log.count(kind) for kind in ("audio-start", "audio-chunk", "audio-stop", "synthesize-stopped")}
        return audio_result(request, start or rest_start, audio, formats | rest_formats, counts, error, log)


async def reply(client):
    event = await read(client)
    return {"type": event.type, **(error_of(event) if Error.is_type(event.type) else {})}


async def ends(client):
    """True once the server has ended the connection (nothing more comes)."""
    return await asyncio.wait_for(client.read_event(), READ_TIMEOUT) is None


async def errors(host, port, request):
    limit = request["max_event_bytes"]
    replies = {}

    # Requests that fail: the error, then the connection ends (a client waiting for audio is not left hanging).
    failing = {
        "unknown voice": [Synthesize(text="Hello there.", voice=SynthesizeVoice(name="nobody")).event()],
        "no text": [Event(type="synthesize", data={"txt": "hi"})],
        "stream with unknown voice": [
            SynthesizeStart(voice=SynthesizeVoice(name="nobody")).event(),
            SynthesizeChunk(text="Hello there.").event(),
            SynthesizeStop().event(),
        ],
        "chinese for an english voice": [Synthesize(text="你好，今天天气很好。", voice=SynthesizeVoice(name="female")).event()],
        "chinese chunk in a stream": [
            SynthesizeStart(voice=SynthesizeVoice(name="female")).event(),
            SynthesizeChunk(text="你好，今天天气很好。").event(),
            SynthesizeStop().event(),
        ],
    }
    for name, events in failing.items():
        async with AsyncTcpClient(host, port) as client:
            for event in events:
                await client.write_event(event)
            replies[name] = {**(await reply(client)), "ended": await ends(client)}

    # Bytes no well-behaved client sends: an error for each, and the connection goes on.
    async with AsyncTcpClient(host, port) as client:
        writer = client._writer

        writer.write(b"this is not json\n")
        await writer.drain()
        replies["not json"] = await reply(client)

        big = b"x" * (limit + 1)
        writer.write(json.dumps({"type": "audio-chunk", "payload_length": len(big)}).encode() + b"\n" + big)
        await writer.drain()
        replies["payload too large"] = await reply(client)

        writer.write(b"{" + b" " * (limit + 10) + b"\n")
        await writer.drain()
        replies["header too long"] = await reply(client)

        await client.write_event(Event(type="no-such-event", data={"x": 1}))
        await client.write_event(Describe().event())
        replies["describe after"] = await reply(client)

    # Another connection is served as usual.
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Synthesize(text="Still serving.").event())
        log = []
        start, audio, formats, counts, error = await collect_audio(client, log, "audio-stop")
        replies["new connection"] = {"bytes": len(audio), "error": error, "rate": None if start is None else start.rate}
    return replies


async def first_audio(client):
    while True:
        event = await read(client)
        if AudioChunk.is_type(event.type):
            return True
        if Error.is_type(event.type):
            raise RuntimeError(f"error instead of audio: {error_of(event)}")


async def disconnect(host, port, request):
    text = request["text"]
    one = AsyncTcpClient(host, port)
    two = AsyncTcpClient(host, port)
    await one.connect()
    await two.connect()
    await one.write_event(Synthesize(text=text).event())
    await two.write_event(SynthesizeStart().event())
    await two.write_event(SynthesizeChunk(text=text).event())
    await first_audio(one)
    await first_audio(two)
    await one.disconnect()
    await two.disconnect()
    return {"closed": 2}


SCENARIOS = {
    "describe": describe,
    "synthesize": synthesize,
    "stream": stream,
    "errors": errors,
    "disconnect": disconnect,
}


def main():
    scenario, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    request = json.load(sys.stdin)
    result = asyncio.run(SCENARIOS[scenario](host, port, request))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
