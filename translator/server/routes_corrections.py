"""Corrections through the service: LibreTranslate's /suggest, and translator's /v1/corrections
(list, add, delete). A correction goes into the translation memory of the profile's pipeline and
is used from then on by every request, and by the CLI and batches on the same memory file.

Unlike LibreTranslate, /suggest needs an API key when the server uses keys, and has a rate limit of
its own (``suggest_limit`` a minute per caller), so that a public instance is not filled with noise.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..memory.corrections import LOCAL, Correction, CorrectionRefused, CorrectionStore
from .access import Limiter
from .bodies import CorrectionRequest, SuggestRequest, parse, request_body
from .service import ApiError, Service, api_router, read_fields, text_field

SUGGEST_LIMIT = 30  # suggestions a minute per caller


def router(service: Service) -> APIRouter:
    routes = api_router()
    limiter = service.limit(service.settings.suggest_limit or SUGGEST_LIMIT, "corrections")

    @routes.post(
        "/suggest",
        summary="Suggest a better translation (LibreTranslate); used from then on",
        openapi_extra=request_body(SuggestRequest),
    )
    async def suggest(request: Request) -> dict[str, bool]:
        data = await _caller(service, limiter, request)
        fields = parse(SuggestRequest, data)
        if fields.source != "id" or fields.target != "en":
            raise ApiError(400, f"{fields.source} -> {fields.target} is not supported")
        await _add(service, fields.q, fields.s, _who(service, request), fields.force, None)
        return {"success": True}

    @routes.get("/v1/corrections", summary="People's corrections, newest first")
    async def listed(
        request: Request, history: bool = False, profile: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        await service.check_access_of_get(request)
        corrections = _corrections(service, profile)
        found = await service.pools.run("memory", corrections.all, history)
        return {"corrections": [c.to_dict() for c in found]}

    @routes.post(
        "/v1/corrections",
        summary="Add a correction of a sentence",
        status_code=201,
        openapi_extra=request_body(CorrectionRequest),
    )
    async def add(request: Request) -> dict[str, Any]:
        data = await _caller(service, limiter, request)
        fields = parse(CorrectionRequest, data)
        made = await _add(
            service,
            fields.source,
            fields.translation,
            _who(service, request),
            fields.force,
            fields.profile,
        )
        return made.to_dict()

    @routes.delete("/v1/corrections/{correction_id}", summary="Delete a correction")
    async def delete(request: Request, correction_id: int, profile: str | None = None) -> dict[str, int]:
        await service.check_access_of_get(request)
        if not await service.pools.run("memory", _corrections(service, profile).delete, correction_id):
            raise ApiError(404, f"no correction {correction_id}")
        return {"deleted": correction_id}

    return routes


async def _caller(service: Service, limiter: Limiter, request: Request) -> dict[str, Any]:
    """The body of a correction's request, once its caller may make one (403/429)."""
    data = await read_fields(request)
    caller = await service.check_access(request, text_field(data.get("api_key")))
    if not await service.allowed(limiter, caller):
        raise ApiError(429, "Too many corrections: try again in a minute", {"Retry-After": "60"})
    return data


async def _add(
    service: Service, source: str, translation: str, who: str, force: bool, profile: str | None
) -> Correction:
    corrections = _corrections(service, profile)
    try:
        return await service.pools.run("memory", corrections.add, source, translation, who, force)
    except CorrectionRefused as e:
        raise ApiError(400, str(e)) from None


def _corrections(service: Service, profile: str | None) -> CorrectionStore:
    name, pipeline = service.pipeline(profile)
    memory = pipeline.translator.memory if pipeline.translator else None
    if memory is None:
        raise ApiError(
            409,
            f"profile {name!r} has no translation memory to keep corrections in (cache is null in its "
            "models.yaml)",
        )
    return memory.corrections()


def _who(service: Service, request: Request) -> str:
    """Who made a correction: the short fingerprint of the API key that check_access found (never
    the key), else 'local'."""
    if service.settings.api_keys is None:
        return LOCAL
    return f"key:{request.state.key_hash}"
