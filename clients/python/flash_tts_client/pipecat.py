"""A Pipecat TTS service that streams text into Flash-TTS over the realtime WebSocket.

    from flash_tts_client.pipecat import FlashTTSService
    tts = FlashTTSService(url="http://127.0.0.1:8000", voice="female", sample_rate=24000)

Each Pipecat turn (one LLM reply, or one ``TTSSpeakFrame``) is one protocol context: text goes in
as Pipecat hands it over, ``TTSAudioRawFrame``s come out as the server speaks, word timestamps
become ``TTSTextFrame``s, the end of the turn sends ``end``, and an interruption sends ``cancel``.
Needs the ``pipecat`` extra (``pip install flash-tts-client[pipecat]``).
"""

from __future__ import annotations

import asyncio
from typing import AsyncGenerator

from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    StartFrame,
    TTSAudioRawFrame,
    TTSStoppedFrame,
)
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TextAggregationMode, TTSService

from .realtime import AudioChunk, RealtimeClient, RealtimeContext, Words


class FlashTTSService(TTSService):
    """Flash-TTS over its realtime WebSocket: streamed text in, PCM out, cancel on interruption."""

    def __init__(
        self,
        *,
        url: str = "http://127.0.0.1:8000",
        voice: str | None = None,
        api_key: str | None = None,
        sample_rate: int | None = None,
        **kwargs: object,
    ) -> None:
        """``url``: the server's base URL. ``voice``: a voice id (default: the server's).
        ``sample_rate``: PCM rate asked of the server (default: the pipeline's output rate)."""
        # The server segments text into sentences itself (the same segments however the text is cut),
        # so tokens go straight through: the first audio starts with the first sentence's end.
        kwargs.setdefault("text_aggregation_mode", TextAggregationMode.TOKEN)
        super().__init__(
            push_text_frames=False,
            push_start_frame=True,
            sample_rate=sample_rate,
            settings=TTSSettings(model=None, voice=voice, language=None),
            **kwargs,  # type: ignore[arg-type]
        )
        self._url = url
        self._voice = voice
        self._api_key = api_key
        self._client: RealtimeClient | None = None
        self._contexts: dict[str, RealtimeContext] = {}
        self._readers: set[asyncio.Task[None]] = set()

    def can_generate_metrics(self) -> bool:
        return True

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self._connect()

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        await self._disconnect()

    async def cancel(self, frame: CancelFrame) -> None:
        await super().cancel(frame)
        await self._disconnect()

    async def _connect(self) -> None:
        if self._client is None or self._client.closed is not None:
            self._client = await RealtimeClient.connect(
                self._url, voice=self._voice, sample_rate=self.sample_rate, timestamps=True, api_key=self._api_key
            )

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        for task in list(self._readers):
            task.cancel()
        self._contexts.clear()

    # Pipecat declares run_tts as a coroutine returning a generator; its services are generators.
    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:  # type: ignore[override]
        """Sends `text` into the turn's context; its audio arrives through the context's reader."""
        try:
            await self._connect()
            assert self._client is not None
            context = self._contexts.get(context_id)
            if context is None or context.over:
                context = self._client.context(context_id)
                self._contexts[context_id] = context
                reader = asyncio.get_running_loop().create_task(self._read(context))
                self._readers.add(reader)
                reader.add_done_callback(self._readers.discard)
            await context.push_text(text)
            await self.start_tts_usage_metrics(text)
            yield None
        except Exception as error:  # noqa: BLE001 — reported as a Pipecat error frame
            yield ErrorFrame(error=f"Flash-TTS: {error}")
            yield TTSStoppedFrame(context_id=context_id)

    async def flush_audio(self, context_id: str | None = None) -> None:
        """End of the turn: the server speaks what is left, then `done` closes the context."""
        context = self._contexts.get(context_id or self.get_active_audio_context_id() or "")
        if context is not None and not context.over:
            await context.end()

    async def on_audio_context_interrupted(self, context_id: str) -> None:
        """Barge-in: cancel the context on the server; nothing of it is heard after `cancelled`."""
        await self.stop_all_metrics()
        context = self._contexts.pop(context_id, None) if context_id else None
        if context is not None and not context.over:
            await context.cancel()
        await super().on_audio_context_interrupted(context_id)

    async def _read(self, context: RealtimeContext) -> None:
        context_id = context.id
        try:
            async for event in context:
                if not self.audio_context_available(context_id):
                    continue
                if isinstance(event, AudioChunk):
                    await self.stop_ttfb_metrics()
                    frame = TTSAudioRawFrame(
                        audio=event.data,
                        sample_rate=self.sample_rate,
                        num_channels=1,
                        context_id=context_id,
                    )
                    await self.append_to_audio_context(context_id, frame)
                elif isinstance(event, Words):
                    await self.add_word_timestamps([(w.word, w.start_ms / 1000) for w in event.words], context_id)
                elif event.type == "done":
                    await self.append_to_audio_context(context_id, TTSStoppedFrame(context_id=context_id))
                    await self.remove_audio_context(context_id)
                elif event.type == "error":
                    await self.push_error(error_msg=f"Flash-TTS: {event.message.get('code')}: {event.message.get('message')}")
        except Exception as error:  # noqa: BLE001 — the socket closed under the context
            await self.push_error(error_msg=f"Flash-TTS: {error}")
        finally:
            if self._contexts.get(context_id) is context:
                del self._contexts[context_id]
