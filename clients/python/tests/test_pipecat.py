"""The Pipecat service driven the way a Pipecat pipeline drives it: an LLM reply streamed in as
text frames, audio frames out, an interruption cancelling the turn on the server."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pipecat")

from pipecat.frames.frames import (  # noqa: E402
    EndFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    StartFrame,
    TTSAudioRawFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402
from pipecat.workers.runner import WorkerRunner  # noqa: E402

from conftest import pcm_seconds, rms  # noqa: E402
from flash_tts_client.pipecat import FlashTTSService  # noqa: E402

REPLY = "Sure! Here is what I found. The weather today is sunny, with a high of twenty one degrees and a light breeze from the west."


class Sink(FrameProcessor):
    """Records every downstream frame; `first_audio` is set by the first audio frame."""

    def __init__(self) -> None:
        super().__init__(enable_direct_mode=True)
        self.frames: list[Frame] = []
        self.first_audio = asyncio.Event()
        self.stopped = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM and not isinstance(frame, StartFrame):
            self.frames.append(frame)
            if isinstance(frame, TTSAudioRawFrame):
                self.first_audio.set()
            if isinstance(frame, TTSStoppedFrame):
                self.stopped.set()
        await self.push_frame(frame, direction)


async def start_pipeline(tts: FlashTTSService, sink: Sink) -> tuple[PipelineWorker, asyncio.Task[None]]:
    worker = PipelineWorker(
        Pipeline([tts, sink]),
        cancel_on_idle_timeout=False,
        params=PipelineParams(audio_out_sample_rate=24000),
    )
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    return worker, asyncio.get_running_loop().create_task(runner.run())


async def test_llm_reply_streams_to_audio_with_word_frames(server_url: str) -> None:
    tts = FlashTTSService(url=server_url, voice="female", sample_rate=24000)
    sink = Sink()
    worker, running = await start_pipeline(tts, sink)
    tokens = REPLY.split(" ")
    await worker.queue_frame(LLMFullResponseStartFrame())
    sent = 0
    # Token by token, as an LLM writes; the rest waits until the first audio frame is out.
    for token in tokens:
        await worker.queue_frame(LLMTextFrame(token + " "))
        sent += 1
        if token.endswith((".", "!")):
            await asyncio.wait_for(sink.first_audio.wait(), 30)
            break
    assert sink.first_audio.is_set() and sent < len(tokens)
    for token in tokens[sent:]:
        await worker.queue_frame(LLMTextFrame(token + " "))
    await worker.queue_frame(LLMFullResponseEndFrame())
    await asyncio.wait_for(sink.stopped.wait(), 60)
    await worker.queue_frame(EndFrame())
    await asyncio.wait_for(running, 60)

    audio = [f for f in sink.frames if isinstance(f, TTSAudioRawFrame)]
    assert {(f.sample_rate, f.num_channels) for f in audio} == {(24000, 1)}
    pcm = b"".join(f.audio for f in audio)
    assert 5 < pcm_seconds(pcm, 24000) < 16
    assert rms(pcm) > 300
    words = [f.text for f in sink.frames if isinstance(f, TTSTextFrame)]
    assert len(words) >= 15
    assert "weather" in " ".join(words)


async def test_interruption_cancels_the_turn_on_the_server(server_url: str) -> None:
    tts = FlashTTSService(url=server_url, voice="female", sample_rate=24000)
    sink = Sink()
    worker, running = await start_pipeline(tts, sink)
    await worker.queue_frame(LLMFullResponseStartFrame())
    await worker.queue_frame(LLMTextFrame("This is a very long answer that the user will interrupt. " * 15))
    await asyncio.wait_for(sink.first_audio.wait(), 30)
    context = next(iter(tts._contexts.values()))
    await worker.queue_frame(InterruptionFrame())
    # The server answers the cancel with `cancelled`, the context's last message.
    finished = await asyncio.wait_for(context.finished(), 30)
    assert finished.type == "cancelled"
    heard = pcm_seconds(b"".join(f.audio for f in sink.frames if isinstance(f, TTSAudioRawFrame)), 24000)
    assert heard < 30  # of ~50 s
    # The next turn speaks on the same service.
    sink.stopped.clear()
    before = len(sink.frames)
    await worker.queue_frame(LLMFullResponseStartFrame())
    await worker.queue_frame(LLMTextFrame("Okay, stopping."))
    await worker.queue_frame(LLMFullResponseEndFrame())
    await asyncio.wait_for(sink.stopped.wait(), 60)
    assert any(isinstance(f, TTSAudioRawFrame) for f in sink.frames[before:])
    await worker.queue_frame(EndFrame())
    await asyncio.wait_for(running, 60)
