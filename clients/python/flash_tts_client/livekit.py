"""A LiveKit Agents TTS plugin that streams text into Flash-TTS over the realtime WebSocket.

    from flash_tts_client.livekit import TTS
    session = AgentSession(stt=..., llm=..., tts=TTS(url="http://127.0.0.1:8000", voice="female"))

``stream()`` is true streaming: each LLM token goes to the server as it comes (the server cuts
sentences itself, so the first sentence is spoken while the reply is still being written), audio
comes back as 16-bit PCM frames, word timestamps come back as aligned transcripts, and closing
the stream early (an interruption) cancels the context on the server. ``synthesize()`` speaks one
text over the same connection. One WebSocket per ``TTS`` carries all its streams (one protocol
context each). Needs the ``livekit`` extra (``pip install flash-tts-client[livekit]``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace

from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APIError,
    APITimeoutError,
    tts,
    utils,
)
from livekit.agents.types import TimedString

from .realtime import AudioChunk, RealtimeClient, RealtimeClosedError, RealtimeContext, Words

__all__ = ["TTS", "ChunkedStream", "SynthesizeStream"]


@dataclass(frozen=True)
class _Options:
    url: str
    voice: str | None
    api_key: str | None
    sample_rate: int
    speed: float | None
    word_timestamps: bool


class TTS(tts.TTS):
    """Flash-TTS for LiveKit Agents: streamed text in, PCM frames and word times out."""

    def __init__(
        self,
        *,
        url: str = "http://127.0.0.1:8000",
        voice: str | None = None,
        api_key: str | None = None,
        sample_rate: int = 24000,
        speed: float | None = None,
        word_timestamps: bool = True,
    ) -> None:
        """``url``: the server's base URL (http, https, ws or wss). ``voice``: a voice id (default:
        the server's). ``sample_rate``: PCM rate asked of the server. ``speed``: speaking rate for
        the session. ``word_timestamps``: ask for word times and hand them to LiveKit as aligned
        transcripts (synchronised captions)."""
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=True, aligned_transcript=word_timestamps),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self._opts = _Options(url, voice, api_key, sample_rate, speed, word_timestamps)
        self._client: RealtimeClient | None = None
        self._connecting: asyncio.Lock | None = None
        self._prewarm: asyncio.Task[None] | None = None

    @property
    def model(self) -> str:
        return "flash-tts"

    @property
    def provider(self) -> str:
        return "Flash-TTS"

    def update_options(self, *, voice: str | None = None) -> None:
        """Speaks the next streams with another voice (sent with their text; the session stays)."""
        if voice is not None:
            self._opts = replace(self._opts, voice=voice)

    def prewarm(self) -> None:
        """Opens the WebSocket now, so the first reply does not wait for it."""

        async def warm() -> None:
            with contextlib.suppress(Exception):
                await self._connection(DEFAULT_API_CONNECT_OPTIONS.timeout)

        with contextlib.suppress(RuntimeError):  # no running loop: the first stream connects
            self._prewarm = asyncio.get_running_loop().create_task(warm())

    async def _connection(self, timeout: float) -> RealtimeClient:
        """The shared realtime session, opened again if it closed."""
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            client = self._client
            if client is None or client.closed is not None:
                opts = self._opts
                try:
                    client = await RealtimeClient.connect(
                        opts.url,
                        voice=opts.voice,
                        api_key=opts.api_key,
                        sample_rate=opts.sample_rate,
                        speed=opts.speed,
                        timestamps=opts.word_timestamps,
                        open_timeout=timeout,
                    )
                except RealtimeClosedError as error:
                    # The server refused the session (key, format, voice): retrying will not help.
                    raise APIError(f"Flash-TTS refused the session: {error}", retryable=False) from error
                except (asyncio.TimeoutError, TimeoutError) as error:
                    raise APITimeoutError(f"Flash-TTS: no session within {timeout} s") from error
                except OSError as error:
                    raise APIConnectionError(f"Flash-TTS: cannot connect to {opts.url}: {error}") from error
                if client.sample_rate != opts.sample_rate or client.channels != 1:
                    await client.close()
                    raise APIError(
                        f"Flash-TTS answered {client.sample_rate} Hz x{client.channels}, "
                        f"asked {opts.sample_rate} Hz mono",
                        retryable=False,
                    )
                self._client = client
            return client

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> ChunkedStream:
        return ChunkedStream(tts=self, input_text=text, conn_options=conn_options)

    def stream(self, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS) -> SynthesizeStream:
        return SynthesizeStream(tts=self, conn_options=conn_options)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()


def _timed(words: Words) -> list[TimedString]:
    """Word times (ms on the context's timeline) as LiveKit's aligned transcript (s)."""
    return [TimedString(f"{w.word} ", start_time=w.start_ms / 1000, end_time=w.end_ms / 1000) for w in words.words]


async def _relay(context: RealtimeContext, output_emitter: tts.AudioEmitter) -> None:
    """Forwards a context's audio and words to the emitter until `done`; fails on `error`."""
    async for event in context:
        if isinstance(event, AudioChunk):
            output_emitter.push(event.data)
        elif isinstance(event, Words):
            output_emitter.push_timed_transcript(_timed(event))
        elif event.type == "error":
            message = event.message
            raise APIError(
                f"Flash-TTS: {message.get('code')}: {message.get('message')}",
                body=message,
                retryable=message.get("code") == "server_busy",
            )
        elif event.type == "cancelled":
            raise APIError("Flash-TTS cancelled the context", retryable=False)


async def _cancel_unless_over(context: RealtimeContext | None) -> None:
    """Barge-in: the server stops the context; nothing of it is sent after `cancelled`."""
    if context is not None and not context.over:
        with contextlib.suppress(Exception):
            await context.cancel()


class ChunkedStream(tts.ChunkedStream):
    """One text spoken in one context (``speak``: text and end in one message)."""

    def __init__(self, *, tts: TTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._flash: TTS = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._flash.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        client = await self._flash._connection(self._conn_options.timeout)
        context: RealtimeContext | None = None
        try:
            context = await client.speak(self._input_text, voice=self._flash._opts.voice)
            await _relay(context, output_emitter)
        except RealtimeClosedError as error:
            raise APIConnectionError(f"Flash-TTS: {error}") from error
        finally:
            await _cancel_unless_over(context)
        output_emitter.flush()


class SynthesizeStream(tts.SynthesizeStream):
    """Streamed text: each push goes to the server at once; a flush (or the end of input) ends
    the segment's context, so the server speaks the rest and says `done`."""

    def __init__(self, *, tts: TTS, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, conn_options=conn_options)
        self._flash: TTS = tts
        self._contexts: list[RealtimeContext] = []
        """The protocol contexts this stream opened (one per segment), in order."""

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._flash.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
            stream=True,
        )
        client = await self._flash._connection(self._conn_options.timeout)
        voice = self._flash._opts.voice
        # Contexts in the order their text came; the relay speaks them one after another.
        segments: asyncio.Queue[RealtimeContext | None] = asyncio.Queue()
        opened: list[RealtimeContext] = []  # this attempt's (a retry opens new ones)

        async def send_text() -> None:
            context: RealtimeContext | None = None
            async for item in self._input_ch:
                if isinstance(item, self._FlushSentinel):
                    if context is not None:
                        await context.end()
                        context = None
                    continue
                if context is None:
                    context = client.context(f"lk-{utils.shortuuid()}")
                    opened.append(context)
                    self._contexts.append(context)
                    segments.put_nowait(context)
                    self._mark_started()
                    await context.push_text(item, voice=voice)
                else:
                    await context.push_text(item)
            if context is not None:
                await context.end()
            segments.put_nowait(None)

        async def receive_audio() -> None:
            while (context := await segments.get()) is not None:
                output_emitter.start_segment(segment_id=context.id)
                await _relay(context, output_emitter)
                output_emitter.end_segment()

        sender = asyncio.create_task(send_text(), name="flash-tts.send_text")
        receiver = asyncio.create_task(receive_audio(), name="flash-tts.receive_audio")
        try:
            # The receiver ends after the last segment's `done`; the sender fails first if the
            # socket does, and the receiver then fails with the contexts it was waiting on.
            await asyncio.gather(sender, receiver)
        except RealtimeClosedError as error:
            raise APIConnectionError(f"Flash-TTS: {error}") from error
        finally:
            await utils.aio.cancel_and_wait(sender, receiver)
            # An interruption closes the stream mid-reply: cancel what the server still speaks.
            for context in opened:
                await _cancel_unless_over(context)
