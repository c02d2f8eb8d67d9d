"""The LiveKit Agents plugin driven the way LiveKit's default ``tts_node`` drives a streaming TTS:
``async with tts.stream()``, a task pushing the LLM's text pieces then ``end_input()``, the
``SynthesizedAudio`` frames read as they come, and an interruption closing the stream mid-reply."""

from __future__ import annotations

import asyncio
import os
import time
import wave
from pathlib import Path

import pytest

pytest.importorskip("livekit.agents")

from livekit import rtc  # noqa: E402
from livekit.agents import tts as lk_tts  # noqa: E402
from livekit.agents.types import USERDATA_TIMED_TRANSCRIPT, TimedString  # noqa: E402

from conftest import pcm_seconds, rms  # noqa: E402
from flash_tts_client.livekit import TTS, SynthesizeStream  # noqa: E402

REPLY = "Sure! Here is what I found. The weather today is sunny, with a high of twenty one degrees and a light breeze from the west."
RATE = 24000


def write_wav(name: str, pcm: bytes) -> None:
    """Keeps the audio for the recogniser when FLASH_TTS_PYTEST_OUT names a folder."""
    folder = os.environ.get("FLASH_TTS_PYTEST_OUT")
    if not folder:
        return
    with wave.open(str(Path(folder) / name), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)


class Listener:
    """Reads a stream like LiveKit's audio output does, noting when each frame came."""

    def __init__(self, stream: lk_tts.SynthesizeStream) -> None:
        self.events: list[lk_tts.SynthesizedAudio] = []
        self.first_audio = asyncio.Event()
        self.first_audio_at = 0.0
        self.task = asyncio.get_running_loop().create_task(self._read(stream))

    async def _read(self, stream: lk_tts.SynthesizeStream) -> None:
        async for event in stream:
            self.events.append(event)
            if not self.first_audio.is_set():
                self.first_audio_at = time.perf_counter()
                self.first_audio.set()

    @property
    def frames(self) -> list[rtc.AudioFrame]:
        return [e.frame for e in self.events]

    @property
    def pcm(self) -> bytes:
        return b"".join(bytes(f.data) for f in self.frames)

    @property
    def words(self) -> list[TimedString]:
        return [w for f in self.frames for w in f.userdata.get(USERDATA_TIMED_TRANSCRIPT, [])]


async def test_stream_speaks_llm_tokens_as_they_come_with_word_times(server_url: str) -> None:
    tts = TTS(url=server_url, voice="female", sample_rate=RATE)
    assert tts.capabilities.streaming and tts.capabilities.aligned_transcript
    try:
        async with tts.stream() as stream:
            listener = Listener(stream)
            tokens = REPLY.split(" ")
            sent = 0
            # Token by token, as an LLM writes; after the first sentence the rest waits for audio.
            for token in tokens:
                stream.push_text(token + " ")
                sent += 1
                if token.endswith((".", "!")):
                    await asyncio.wait_for(listener.first_audio.wait(), 30)
                    break
            assert listener.first_audio.is_set() and sent < len(tokens)
            for token in tokens[sent:]:
                stream.push_text(token + " ")
            stream.flush()
            stream.end_input()
            await asyncio.wait_for(listener.task, 60)
    finally:
        await tts.aclose()

    frames = listener.frames
    assert {(f.sample_rate, f.num_channels) for f in frames} == {(RATE, 1)}
    pcm = listener.pcm
    seconds = pcm_seconds(pcm, RATE)
    assert 5 < seconds < 16
    assert abs(sum(f.duration for f in frames) - seconds) < 0.01
    assert rms(pcm) > 300
    # One segment, its last frame marked final, as LiveKit's playout expects.
    assert len({e.segment_id for e in listener.events}) == 1
    assert listener.events[-1].is_final and not any(e.is_final for e in listener.events[:-1])
    words = listener.words
    assert len(words) >= 15
    assert "weather" in "".join(words).lower()
    starts = [w.start_time for w in words]
    assert starts == sorted(starts)
    assert all(isinstance(s, float) and 0 <= s < seconds for s in starts)
    write_wav("livekit-stream.wav", pcm)


async def test_prewarm_then_synthesize_speaks_one_text_on_that_socket(server_url: str) -> None:
    async with TTS(url=server_url, voice="female", sample_rate=RATE) as tts:
        tts.prewarm()
        assert tts._prewarm is not None
        await asyncio.wait_for(tts._prewarm, 10)
        client = tts._client
        assert client is not None and client.closed is None
        frame = await tts.synthesize("Hello from the LiveKit plugin.").collect()
        assert tts._client is client
    assert (frame.sample_rate, frame.num_channels) == (RATE, 1)
    assert 0.8 < frame.duration < 5
    assert rms(bytes(frame.data)) > 300


async def test_interruption_cancels_the_context_on_the_server(server_url: str) -> None:
    tts = TTS(url=server_url, voice="female", sample_rate=RATE)
    first_audio = asyncio.Event()
    heard: list[rtc.AudioFrame] = []
    streams: list[lk_tts.SynthesizeStream] = []

    async def reply() -> None:
        # LiveKit's tts_node: the stream lives in `async with`; the playout task reading it is
        # cancelled when the user barges in, which closes the stream.
        async with tts.stream() as stream:
            streams.append(stream)
            stream.push_text("This is a very long answer that the user will interrupt. " * 15)
            stream.end_input()
            async for event in stream:
                heard.append(event.frame)
                first_audio.set()

    try:
        playout = asyncio.get_running_loop().create_task(reply())
        await asyncio.wait_for(first_audio.wait(), 30)
        playout.cancel()
        with pytest.raises(asyncio.CancelledError):
            await playout
        stream = streams[0]
        assert isinstance(stream, SynthesizeStream)
        (context,) = stream._contexts
        # The server answers the cancel with `cancelled`, the context's last message.
        finished = await asyncio.wait_for(context.finished(), 30)
        assert finished.type == "cancelled"
        assert sum(f.duration for f in heard) < 30  # of ~50 s
        # The next reply speaks on the same TTS (and the same socket).
        client = tts._client
        frame = await tts.synthesize("Okay, stopping.").collect()
        assert frame.duration > 0.4
        assert tts._client is client
    finally:
        await tts.aclose()
