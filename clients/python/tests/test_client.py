"""The Python client against the real server: streamed text, word times, barge-in, both codecs, REST, CLI."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from conftest import pcm_seconds, rms
from flash_tts_client import AudioChunk, ContextEvent, RealtimeClient, RealtimeError, RestClient, RestError, Words

FIRST = "Hello there, this is the Python client. "
REST = "It sends its text in pieces, while the audio of the first sentence is already coming back."


async def test_first_audio_before_the_text_ends_with_words_and_the_right_length(server_url: str) -> None:
    client = await RealtimeClient.connect(server_url, voice="female", sample_rate=16000, timestamps=True)
    try:
        assert client.sample_rate == 16000
        reply = client.context()
        await reply.push_text(FIRST, flush=True)
        events = aiter(reply)
        pcm = bytearray()
        words: list[str] = []
        # Nothing else is sent until the first audio is back: speech starts before the text ends.
        while True:
            event = await anext(events)
            if isinstance(event, Words):
                words += [w.word for w in event.words]
            if isinstance(event, AudioChunk):
                pcm += event.data
                break
        for piece in REST.split(" "):
            await reply.push_text(piece + " ")
        await reply.end()
        last: ContextEvent | None = None
        async for event in events:
            if isinstance(event, AudioChunk):
                pcm += event.data
            elif isinstance(event, Words):
                words += [w.word for w in event.words]
            else:
                last = event
        assert last is not None and last.type == "done"
        seconds = pcm_seconds(bytes(pcm), 16000)
        # ~130 characters of speech.
        assert 4 < seconds < 16
        assert last.message["duration_ms"] == pytest.approx(seconds * 1000, abs=25)
        assert rms(bytes(pcm)) > 300
        assert "Python" in " ".join(words) or "python" in " ".join(words).lower()
        assert len(words) >= 20
    finally:
        await client.close()


async def test_cancel_is_the_last_event_and_no_audio_follows(server_url: str) -> None:
    async with await RealtimeClient.connect(server_url, voice="female") as client:
        reply = client.context()
        await reply.push_text("This is a long reply that the user interrupts. " * 20)
        await reply.end()
        seen = []
        async for event in reply:
            seen.append(event)
            if isinstance(event, AudioChunk) and len([e for e in seen if isinstance(e, AudioChunk)]) == 3:
                await reply.cancel()
        assert isinstance(seen[-1], ContextEvent) and seen[-1].type == "cancelled"
        audio = [e for e in seen if isinstance(e, AudioChunk)]
        # Far less than the ~100 s of the full text.
        assert sum(a.dur_ms for a in audio) < 20_000
        # The session goes on: a new context speaks.
        again = [e async for e in await client.speak("Still here.")]
        assert any(isinstance(e, AudioChunk) for e in again) and again[-1].type == "done"


async def test_a_refused_speak_ends_with_its_error_and_the_session_goes_on(server_url: str) -> None:
    async with await RealtimeClient.connect(server_url, voice="female") as client:
        refused = await client.speak("Hello.", voice="nobody")
        events = [e async for e in refused]  # ends: the error is its last event
        assert [e.type for e in events] == ["error"]
        assert events[0].message["code"] == "voice_not_found"
        with pytest.raises(RealtimeError, match="voice_not_found"):
            await refused.finished()
        again = [e async for e in await client.speak("Still here.")]
        assert any(isinstance(e, AudioChunk) for e in again) and again[-1].type == "done"


@pytest.mark.parametrize("codec", ["msgpack", "json"])
async def test_both_codecs_carry_the_same_audio(server_url: str, codec: str) -> None:
    async with await RealtimeClient.connect(server_url, voice="male", codec=codec, sample_rate=24000) as client:  # type: ignore[arg-type]
        events = [e async for e in await client.speak("One codec or the other.")]
        pcm = b"".join(e.data for e in events if isinstance(e, AudioChunk))
        assert 0.8 < pcm_seconds(pcm, 24000) < 5
        assert rms(pcm) > 300


async def test_rest_speech_is_a_wav_of_the_asked_rate(server_url: str) -> None:
    async with RestClient(server_url) as rest:
        body = await rest.speech("A whole file over REST.", voice="female", response_format="wav", sample_rate=16000)
        with wave.open(io.BytesIO(body)) as wav:
            assert wav.getframerate() == 16000
            assert 1 < wav.getnframes() / 16000 < 5
        streamed = b"".join([chunk async for chunk in rest.speech_stream("Streamed PCM.", voice="female")])
        assert 0.5 < pcm_seconds(streamed, 24000) < 4
        assert any(v["id"] == "female" for v in await rest.voices())
        with pytest.raises(RestError) as refused:
            await rest.speech("x", voice="nobody-by-this-name")
        assert refused.value.status == 404


def test_cli_speak_writes_a_wav_and_prints_the_first_audio_latency(server_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = subprocess.run(
        [sys.executable, "-m", "flash_tts_client", "speak", "--url", server_url, "--voice", "female", "--output", str(out), "Hello from the command line."],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    latency = re.fullmatch(r"first audio: (\d+(?:\.\d+)?) ms", last)
    assert latency is not None, done.stdout
    assert 0 < float(latency.group(1)) < 10_000
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 24000
        assert 1 < wav.getnframes() / 24000 < 5


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--voice", "nobody"], r"^error: voice_not_found: .*nobody"),
        (["--sample-rate", "12345"], r"^error: .*sample_rate"),
    ],
)
def test_cli_says_what_the_server_refused_without_a_traceback(server_url: str, tmp_path: Path, args: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flash_tts_client", "speak", "--url", server_url, *args, "--output", str(tmp_path / "x.wav"), "Hi."],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert re.search(said, done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_cli_says_when_no_server_answers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flash_tts_client", "speak", "--url", "http://127.0.0.1:9", "--output", str(tmp_path / "x.wav"), "Hi."],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach a Flash-TTS server at http://127.0.0.1:9"), done.stderr
    assert "Traceback" not in done.stderr
