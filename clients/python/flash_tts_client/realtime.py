"""The realtime WebSocket client: contexts, pushed text, flush, cancel, audio and word events.

    client = await RealtimeClient.connect("ws://127.0.0.1:8000/v1/realtime", voice="female")
    reply = client.context()
    await reply.push_text("Hello ")
    await reply.push_text("there.")
    await reply.end()
    async for event in reply:
        if isinstance(event, AudioChunk):
            play(event.data)

The protocol is described in protocol/PROTOCOL.md of the server's repository.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Literal, Union
from urllib.parse import urlsplit, urlunsplit

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

PROTOCOL_VERSION = 1
REALTIME_PATH = "/v1/realtime"
Codec = Literal["msgpack", "json"]
Encoding = Literal["opus", "pcm_s16le", "mulaw"]


@dataclass(frozen=True)
class Word:
    """A spoken word and where it lies on the context's timeline (ms)."""

    word: str
    start_ms: float
    end_ms: float


@dataclass(frozen=True)
class AudioChunk:
    """One `audio` message: encoded audio (PCM s16le, µ-law, or one Opus packet)."""

    context_id: str
    segment_id: int
    seq: int
    pts_ms: float
    dur_ms: float
    data: bytes
    type: Literal["audio"] = "audio"


@dataclass(frozen=True)
class Words:
    """Word timestamps of a segment (with `timestamps=True`), before the audio they describe."""

    context_id: str
    segment_id: int
    words: list[Word]
    type: Literal["words"] = "words"


@dataclass(frozen=True)
class ContextEvent:
    """Any other message of a context: segment, segment_end, flushed, done, cancelled, error."""

    type: str
    context_id: str
    message: dict[str, Any] = field(default_factory=dict)


Event = Union[AudioChunk, Words, ContextEvent]


class RealtimeError(Exception):
    """An `error` message from the server (`code`, `message`, `fatal`)."""

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(f"{message.get('code')}: {message.get('message')}")
        self.code: str = str(message.get("code"))
        self.fatal: bool = bool(message.get("fatal"))
        self.message = message


class RealtimeClosedError(Exception):
    """The socket closed while a context or a request was still waiting."""

    def __init__(self, code: int | None, reason: str, error: dict[str, Any] | None = None) -> None:
        detail = f"{error.get('code')}: {error.get('message')}" if error else f"socket closed ({code} {reason})".strip()
        super().__init__(detail)
        self.code = code
        self.reason = reason
        self.error = error


def realtime_url(url: str) -> str:
    """A server's base URL (http, https, ws, wss) as its realtime endpoint."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path not in ("", "/") else REALTIME_PATH
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def _to_event(message: dict[str, Any]) -> Event:
    kind = message["type"]
    if kind == "audio":
        data = message["data"]
        if isinstance(data, str):
            data = base64.b64decode(data)
        return AudioChunk(
            context_id=message["context_id"],
            segment_id=int(message["segment_id"]),
            seq=int(message["seq"]),
            pts_ms=float(message["pts_ms"]),
            dur_ms=float(message["dur_ms"]),
            data=bytes(data),
        )
    if kind == "words":
        return Words(
            context_id=message["context_id"],
            segment_id=int(message["segment_id"]),
            words=[Word(w["word"], float(w["start_ms"]), float(w["end_ms"])) for w in message["words"]],
        )
    return ContextEvent(type=kind, context_id=message["context_id"], message=message)


class RealtimeContext:
    """One context: push text in, iterate its events out (ends after `done` or `cancelled`)."""

    def __init__(self, client: RealtimeClient, context_id: str, *, one_shot: bool = False) -> None:
        self.id = context_id
        self._client = client
        # Opened by `speak()` (text and end in one message): its refusal ends the context.
        self._one_shot = one_shot
        self._heard = False
        self._queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()
        self._finished: asyncio.Future[ContextEvent] = asyncio.get_running_loop().create_future()
        self._over = False

    @property
    def over(self) -> bool:
        """True once `done` or `cancelled` arrived (or the socket closed)."""
        return self._over

    async def push_text(self, text: str, *, flush: bool = False, voice: str | None = None) -> None:
        """Sends text; the server segments it into sentences. `flush` speaks everything sent so far now."""
        self._assert_open()
        message: dict[str, Any] = {"type": "text", "context_id": self.id, "text": text}
        if flush:
            message["flush"] = True
        if voice is not None:
            message["voice"] = voice
        await self._client.send(message)

    async def flush(self, flush_id: str | int | None = None) -> None:
        """Asks the server to speak everything sent so far (it answers `flushed` after its last audio)."""
        self._assert_open()
        message: dict[str, Any] = {"type": "flush", "context_id": self.id}
        if flush_id is not None:
            message["flush_id"] = flush_id
        await self._client.send(message)

    async def end(self) -> None:
        """No more text: the server speaks the rest, then sends `done`."""
        if not self._over:
            await self._client.send({"type": "end", "context_id": self.id})

    async def cancel(self) -> None:
        """Stops now (barge-in); `cancelled` is the last event, no audio follows it."""
        if not self._over:
            await self._client.send({"type": "cancel", "context_id": self.id})

    async def finished(self) -> ContextEvent:
        """Waits for `done` or `cancelled`."""
        return await asyncio.shield(self._finished)

    def _assert_open(self) -> None:
        if self._over:
            raise RuntimeError(f'context "{self.id}" is over (done or cancelled); open a new one for more text')

    def _deliver(self, message: dict[str, Any]) -> None:
        if self._over:
            return
        event = _to_event(message)
        self._queue.put_nowait(event)
        if message["type"] == "error" and self._one_shot and not self._heard:
            # The server refused the one `speak` message (an unknown voice, say): the error is the
            # last event, and `finished()` raises it; nothing else will come.
            self._over = True
            self._queue.put_nowait(None)
            if not self._finished.done():
                self._finished.set_exception(RealtimeError(message))
                self._finished.exception()  # nobody may await it
            return
        self._heard = True
        if message["type"] in ("done", "cancelled"):
            self._over = True
            self._queue.put_nowait(None)
            assert isinstance(event, ContextEvent)
            if not self._finished.done():
                self._finished.set_result(event)

    def _abort(self, error: BaseException) -> None:
        if self._over:
            return
        self._over = True
        self._queue.put_nowait(error)
        if not self._finished.done():
            self._finished.set_exception(error)
            self._finished.exception()  # nobody may await it

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


class RealtimeClient:
    """A connected realtime session; create it with :meth:`connect`."""

    def __init__(self, ws: ClientConnection, codec: Codec, ready: dict[str, Any]) -> None:
        self.ready = ready
        """The server's `ready`: resolved `format`, `voice`, `limits`."""
        self._ws = ws
        self._codec = codec
        self._contexts: dict[str, RealtimeContext] = {}
        self._ids = itertools.count(1)
        self._fatal: dict[str, Any] | None = None
        self.closed: RealtimeClosedError | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        voice: str | None = None,
        encoding: Encoding = "pcm_s16le",
        sample_rate: int | None = None,
        channels: int | None = None,
        frame_ms: int | None = None,
        timestamps: bool = False,
        segmentation: bool | None = None,
        speed: float | None = None,
        pitch: float | None = None,
        idle_flush_ms: int | None = None,
        codec: Codec = "msgpack",
        api_key: str | None = None,
        open_timeout: float = 10.0,
    ) -> RealtimeClient:
        """Connects to a server (its base URL or `/v1/realtime` URL) and returns once it is `ready`.

        Defaults: PCM s16le at the server's PCM default (24 kHz), mono, 20 ms frames; msgpack frames.
        Raises :class:`RealtimeClosedError` when the server refuses (wrong key, bad format, unknown voice).
        """
        headers = {"Authorization": f"Bearer {api_key}"} if api_key is not None else None
        ws = await connect(
            realtime_url(url),
            subprotocols=[Subprotocol(f"flash-tts.v1.{codec}")],
            additional_headers=headers,
            max_size=None,
            compression=None,
            open_timeout=open_timeout,
        )
        fmt: dict[str, Any] = {"encoding": encoding}
        for key, value in (("sample_rate", sample_rate), ("channels", channels), ("frame_ms", frame_ms)):
            if value is not None:
                fmt[key] = value
        init: dict[str, Any] = {"type": "init", "version": PROTOCOL_VERSION, "format": fmt, "timestamps": timestamps}
        options: tuple[tuple[str, object], ...] = (
            ("voice", voice),
            ("segmentation", segmentation),
            ("speed", speed),
            ("pitch", pitch),
            ("idle_flush_ms", idle_flush_ms),
        )
        for key, option in options:
            if option is not None:
                init[key] = option
        await ws.send(_encode(codec, init))
        error: dict[str, Any] | None = None
        try:
            async with asyncio.timeout(open_timeout):
                while True:
                    message = _decode(await ws.recv())
                    if message.get("type") == "error":
                        error = message
                    if message.get("type") == "ready":
                        return cls(ws, codec, message)
        except ConnectionClosed as closed:
            raise RealtimeClosedError(closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else "", error) from None

    @property
    def sample_rate(self) -> int:
        """The session's sample rate."""
        return int(self.ready["format"]["sample_rate"])

    @property
    def channels(self) -> int:
        return int(self.ready["format"]["channels"])

    def context(self, context_id: str | None = None) -> RealtimeContext:
        """Opens a context (the server creates it with its first message)."""
        return self._open(context_id, one_shot=False)

    def _open(self, context_id: str | None, *, one_shot: bool) -> RealtimeContext:
        context_id = context_id or f"ctx-{next(self._ids)}"
        existing = self._contexts.get(context_id)
        if existing and not existing.over:
            return existing
        context = RealtimeContext(self, context_id, one_shot=one_shot)
        self._contexts[context_id] = context
        return context

    async def speak(self, text: str, *, voice: str | None = None, context_id: str | None = None) -> RealtimeContext:
        """Speaks `text` in a new context (text and end in one message). If the server refuses it
        (an unknown voice), the `error` event is the context's last and `finished()` raises
        `RealtimeError`."""
        context = self._open(context_id, one_shot=True)
        message: dict[str, Any] = {"type": "speak", "context_id": context.id, "text": text}
        if voice is not None:
            message["voice"] = voice
        await self.send(message)
        return context

    async def send(self, message: dict[str, Any]) -> None:
        """Sends a raw protocol message."""
        if self.closed:
            raise self.closed
        await self._ws.send(_encode(self._codec, message))

    async def close(self) -> None:
        """Closes the socket; open contexts end with :class:`RealtimeClosedError`."""
        await self._ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)

    async def __aenter__(self) -> RealtimeClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _read(self) -> None:
        code: int | None = None
        reason = ""
        try:
            async for frame in self._ws:
                self._receive(_decode(frame))
        except ConnectionClosed:
            pass
        finally:
            if self._ws.close_code is not None:
                code, reason = self._ws.close_code, self._ws.close_reason or ""
            self.closed = RealtimeClosedError(code, reason, self._fatal)
            for context in self._contexts.values():
                context._abort(self.closed)
            self._contexts.clear()

    def _receive(self, message: dict[str, Any]) -> None:
        if message.get("type") == "error" and message.get("fatal"):
            self._fatal = message
        context_id = message.get("context_id")
        if context_id is None:
            return
        context = self._contexts.get(context_id)
        if context is None:
            return
        context._deliver(message)
        if context.over:
            self._contexts.pop(context_id, None)


def _encode(codec: Codec, message: dict[str, Any]) -> bytes | str:
    if codec == "msgpack":
        packed = msgpack.packb(message, use_bin_type=True)
        assert isinstance(packed, bytes)
        return packed
    return json.dumps(message)


def _decode(frame: bytes | str) -> dict[str, Any]:
    if isinstance(frame, str):
        value = json.loads(frame)
    else:
        value = msgpack.unpackb(frame, raw=False)
    if not isinstance(value, dict):
        raise ValueError("a server frame that is not an object")
    return value
