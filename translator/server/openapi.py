"""The OpenAPI pieces the routes share: a request body that may be JSON, a form or an upload."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def request_body(model: type[BaseModel], multipart: bool = False) -> dict[str, Any]:
    schema = model.model_json_schema()
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if multipart:
        properties = {**schema.get("properties", {}), "file": {"type": "string", "format": "binary"}}
        content["multipart/form-data"] = {"schema": {"type": "object", "properties": properties}}
    else:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}
