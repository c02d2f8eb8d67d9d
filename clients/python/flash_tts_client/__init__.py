"""Asyncio client of the Flash-TTS server: realtime WebSocket (:class:`RealtimeClient`) and REST (:class:`RestClient`).

Framework plugins: ``flash_tts_client.pipecat.FlashTTSService`` (Pipecat) and
``flash_tts_client.livekit.TTS`` (LiveKit Agents).
"""

from .realtime import (
    AudioChunk,
    ContextEvent,
    Event,
    RealtimeClient,
    RealtimeClosedError,
    RealtimeContext,
    RealtimeError,
    Word,
    Words,
    realtime_url,
)
from .rest import RestClient, RestError

__all__ = [
    "AudioChunk",
    "ContextEvent",
    "Event",
    "RealtimeClient",
    "RealtimeClosedError",
    "RealtimeContext",
    "RealtimeError",
    "RestClient",
    "RestError",
    "Word",
    "Words",
    "realtime_url",
]
__version__ = "0.1.0"
