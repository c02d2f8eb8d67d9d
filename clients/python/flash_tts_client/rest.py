"""REST helpers over the server's HTTP API (httpx, asyncio)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Literal

import httpx

ResponseFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]


class RestError(Exception):
    """A non-2xx answer: `status`, `code` (see the server's protocol/errors.ts) and its message."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.param = param


class RestClient:
    """`POST /v1/audio/speech`, voices, server info and health of one server."""

    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key is not None else {}
        base = base_url.rstrip("/").replace("ws://", "http://", 1).replace("wss://", "https://", 1)
        self._http = httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout)

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @staticmethod
    def _body(text: str, voice: str, response_format: ResponseFormat, sample_rate: int | None, speed: float | None, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": "flash-tts", "input": text, "voice": voice, "response_format": response_format, "stream": stream}
        if sample_rate is not None:
            body["sample_rate"] = sample_rate
        if speed is not None:
            body["speed"] = speed
        return body

    async def speech(
        self,
        text: str,
        *,
        voice: str = "female",
        response_format: ResponseFormat = "wav",
        sample_rate: int | None = None,
        speed: float | None = None,
    ) -> bytes:
        """Synthesizes `text` whole and returns the encoded audio."""
        response = await self._http.post("/v1/audio/speech", json=self._body(text, voice, response_format, sample_rate, speed, False))
        await _raise_for_error(response)
        return response.content

    async def speech_stream(
        self,
        text: str,
        *,
        voice: str = "female",
        response_format: ResponseFormat = "pcm",
        sample_rate: int | None = None,
        speed: float | None = None,
    ) -> AsyncIterator[bytes]:
        """Audio chunks as the server synthesizes them (raw 24 kHz s16le mono for `pcm` by default)."""
        body = self._body(text, voice, response_format, sample_rate, speed, True)
        async with self._http.stream("POST", "/v1/audio/speech", json=body) as response:
            if response.status_code >= 400:
                await response.aread()
                await _raise_for_error(response)
            async for chunk in response.aiter_bytes():
                yield chunk

    async def voices(self) -> list[dict[str, Any]]:
        """`GET /v1/audio/voices`."""
        response = await self._http.get("/v1/audio/voices")
        await _raise_for_error(response)
        return list(response.json()["voices"])

    async def server_info(self) -> dict[str, Any]:
        """`GET /server_info`: engines, formats, limits."""
        response = await self._http.get("/server_info")
        await _raise_for_error(response)
        return dict(response.json())

    async def health(self) -> dict[str, Any]:
        """`GET /healthz`."""
        response = await self._http.get("/healthz")
        await _raise_for_error(response)
        return dict(response.json())


async def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    raise RestError(response.status_code, str(error.get("code", f"http_{response.status_code}")), str(error.get("message", response.text)), error.get("param"))
