"""Command line: ``python -m flash_tts_client speak --url URL --voice VOICE --output out.wav "TEXT"``.

Speaks over the realtime WebSocket, writes a 16-bit mono WAV and prints the first-audio latency
(from sending the text to the first audio message) in ms on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import wave

from websockets.exceptions import InvalidHandshake, InvalidURI

from .realtime import AudioChunk, RealtimeClient, RealtimeClosedError, RealtimeError, Words


async def speak(url: str, voice: str | None, output: str, text: str, sample_rate: int, api_key: str | None) -> float:
    client = await RealtimeClient.connect(url, voice=voice, sample_rate=sample_rate, timestamps=True, api_key=api_key)
    try:
        started = time.perf_counter()
        first_audio_ms: float | None = None
        pcm = bytearray()
        words = 0
        async for event in await client.speak(text):
            if isinstance(event, AudioChunk):
                if first_audio_ms is None:
                    first_audio_ms = (time.perf_counter() - started) * 1000
                pcm += event.data
            elif isinstance(event, Words):
                words += len(event.words)
            elif event.type == "error":
                raise SystemExit(f"error: {event.message.get('code')}: {event.message.get('message')}")
    finally:
        await client.close()
    with wave.open(output, "wb") as out:
        out.setnchannels(client.channels)
        out.setsampwidth(2)
        out.setframerate(client.sample_rate)
        out.writeframes(bytes(pcm))
    seconds = len(pcm) / 2 / client.channels / client.sample_rate
    print(f"wrote {output}: {seconds:.2f} s at {client.sample_rate} Hz, {words} words")
    if first_audio_ms is None:
        raise SystemExit("error: no audio came back")
    return first_audio_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flash_tts_client", description="Flash-TTS client")
    commands = parser.add_subparsers(dest="command", required=True)
    say = commands.add_parser("speak", help="speak TEXT over the realtime WebSocket into a WAV file")
    say.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL (default %(default)s)")
    say.add_argument("--voice", default=None, help="voice id (default: the server's)")
    say.add_argument("--output", "-o", default="out.wav", help="WAV file to write (default %(default)s)")
    say.add_argument("--sample-rate", type=int, default=24000, help="PCM sample rate (default %(default)s)")
    say.add_argument("--api-key", default=None, help="the server's API key, if it has one")
    say.add_argument("text")
    args = parser.parse_args(argv)
    try:
        latency = asyncio.run(speak(args.url, args.voice, args.output, args.text, args.sample_rate, args.api_key))
    except (RealtimeClosedError, RealtimeError) as error:
        # The server said what is wrong (an unknown voice, a wrong key): that, not a traceback.
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (OSError, InvalidURI, InvalidHandshake) as error:
        print(f"error: cannot reach a Flash-TTS server at {args.url}: {error}", file=sys.stderr)
        return 1
    print(f"first audio: {latency:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
