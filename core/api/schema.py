"""The schema says every answer the API can give, errors included, so that it stays exact:
a postprocessing hook for drf-spectacular adds the one error shape (core.api.errors) to every
operation, with the statuses that operation can answer."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Messages by field path, e.g. `rows.1.price`.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
DESCRIPTIONS = {
    "400": "The request is not valid: see `error.fields`.",
    "401": "No credentials, or a token that is unknown or revoked.",
    "403": "The user's roles do not allow this.",
    "404": "Not found, or out of the user's sight.",
    "409": "A business rule refused the change: see `error.code`.",
    "415": "The body is not in a media type this operation reads (or cannot be read as one).",
    "429": "Too many requests for this token: wait and retry.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            # 404 everywhere: a collection's filter or body may name an item out of sight
            statuses = ["400", "401", "403", "404", "429"]
            if method in ("post", "put", "patch", "delete"):
                statuses.append("409")
            if method in ("post", "put", "patch"):
                statuses.append("415")
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(
                    status, {"description": DESCRIPTIONS[status], "content": reference}
                )
    return result
