"""The OpenAPI 3.1 document of a generated REST backend, built from the render context.

Built in Python rather than by the generated server so it is deterministic, reviewable in the
impact preview, and the same for every backend language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from webnova.generator.blueprint import Blueprint

_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"}, "text": {"type": "string"},
    "email": {"type": "string", "format": "email"}, "url": {"type": "string", "format": "uri"},
    "integer": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
    "decimal": {"type": "number", "minimum": -1e12, "maximum": 1e12},
    "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"}, "json": {},
}


def _field_schema(field: Mapping[str, Any]) -> dict[str, Any]:
    if field["type"] == "enum":
        schema: dict[str, Any] = {"type": "string", "enum": list(field["enum_values"])}
    else:
        schema = dict(_SCHEMA_TYPES[field["type"]])
    if field["max_length"] is not None:
        schema["maxLength"] = field["max_length"]
    if field["type"] == "string":
        schema["minLength"] = 1
    if not field["required"] and field["type"] != "json":
        schema = {"anyOf": [schema, {"type": "null"}]}
    schema["title"] = field["label_en"]
    return schema


def _entity_schemas(entity: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    props = {f["prop"]: _field_schema(f) for f in entity["fields"]}
    for fk in entity["foreign_keys"]:
        ref: dict[str, Any] = {"type": "integer", "minimum": 1}
        props[fk["prop"]] = ref if fk["required"] else {"anyOf": [ref, {"type": "null"}]}
    required = [f["prop"] for f in entity["fields"] if f["required"]]
    required += [fk["prop"] for fk in entity["foreign_keys"] if fk["required"]]
    meta = {"id": {"type": "integer"}, "createdAt": {"type": "string", "format": "date-time"},
            "updatedAt": {"type": "string", "format": "date-time"}}
    listed = {k: v for k, v in props.items() if k not in entity["sensitive_props"]}
    name = entity["pascal"]
    return {
        f"{name}Input": {"type": "object", "properties": props, "required": required,
                         "additionalProperties": False},
        f"{name}Patch": {"type": "object", "properties": props, "additionalProperties": False},
        name: {"type": "object", "properties": {**meta, **props},
               "required": ["id", "createdAt", "updatedAt"]},
        f"{name}Summary": {"type": "object", "properties": {**meta, **listed},
                           "required": ["id", "createdAt", "updatedAt"]},
        f"{name}Page": {"type": "object", "required": ["items", "page", "pageSize", "total"],
                        "properties": {
                            "items": {"type": "array",
                                      "items": {"$ref": f"#/components/schemas/{name}Summary"}},
                            "page": {"type": "integer"}, "pageSize": {"type": "integer"},
                            "total": {"type": "integer"}}},
    }


def _response(description: str, schema: str | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _errors(*codes: str) -> dict[str, Any]:
    text = {"400": "Bad request", "401": "Sign-in required", "404": "Not found",
            "409": "Conflicts with an existing record", "422": "Invalid input"}
    return {code: _response(text[code], "Error") for code in codes}


def _entity_paths(entity: Mapping[str, Any], secured: bool) -> dict[str, Any]:
    name, route, tag = entity["pascal"], entity["route"], entity["label_en"]
    security: dict[str, Any] = {"security": [{"bearerAuth": []}]} if secured else {}
    auth_errors = ("401",) if secured else ()
    id_param = [{"name": "id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1}}]
    body = {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}Input"}}}}
    patch = {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}Patch"}}}}
    paging = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
              {"name": "pageSize", "in": "query",
               "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]
    return {
        f"/api/{route}": {
            "get": {"operationId": f"list{name}", "tags": [tag], "parameters": paging, **security,
                    "responses": {"200": _response("A page of records", f"{name}Page"),
                                  **_errors("400", *auth_errors)}},
            "post": {"operationId": f"create{name}", "tags": [tag], "requestBody": body,
                     **security,
                     "responses": {"201": _response("Created", name),
                                   **_errors("400", *auth_errors, "409", "422")}},
        },
        f"/api/{route}/{{id}}": {
            "get": {"operationId": f"get{name}", "tags": [tag], "parameters": id_param,
                    **security,
                    "responses": {"200": _response("The record", name),
                                  **_errors(*auth_errors, "404")}},
            "patch": {"operationId": f"update{name}", "tags": [tag], "parameters": id_param,
                      "requestBody": patch, **security,
                      "responses": {"200": _response("Updated", name),
                                    **_errors("400", *auth_errors, "404", "409", "422")}},
            "delete": {"operationId": f"delete{name}", "tags": [tag], "parameters": id_param,
                       **security,
                       "responses": {"204": _response("Deleted"),
                                     **_errors(*auth_errors, "404", "409")}},
        },
    }


def _auth_paths(multi_tenant: bool) -> dict[str, Any]:
    credentials = _json_body("Credentials")
    paths: dict[str, Any] = {
        "/api/auth/register": {"post": {
            "operationId": "register", "tags": ["auth"],
            # Multi-tenant: the organisation is named at sign-up (a new one is founded).
            "requestBody": _json_body("Registration") if multi_tenant else credentials,
            "responses": {"201": _response("Signed up", "Token"), **_errors("400", "409", "422")}}},
        "/api/auth/login": {"post": {
            "operationId": "login", "tags": ["auth"], "requestBody": credentials,
            "responses": {"200": _response("Signed in", "Token"), **_errors("400", "401", "422")}}},
        "/api/auth/refresh": {"post": {
            "operationId": "refresh", "tags": ["auth"], "security": [{"bearerAuth": []}],
            "responses": {"200": _response("A renewed token", "Token"), **_errors("401")}}},
    }
    if multi_tenant:
        paths["/api/auth/members"] = {"post": {
            "operationId": "addMember", "tags": ["auth"], "security": [{"bearerAuth": []}],
            "requestBody": credentials,
            "responses": {"201": _response("A member of the caller's organisation",
                                           "AddedMember"),
                          **_errors("400", "401", "409", "422")}}}
    return paths


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _privacy_paths(context: Mapping[str, Any], secured: bool) -> dict[str, Any]:
    """GDPR consent records, export (Art. 20) and erasure (Art. 17) per personal entity."""
    security: dict[str, Any] = {"security": [{"bearerAuth": []}]} if secured else {}
    auth_errors = ("401",) if secured else ()
    id_param = [{"name": "id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1}}]
    subject = [{"name": "subject", "in": "query", "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 254}}]
    paths: dict[str, Any] = {"/api/privacy/consents": {
        "post": {"operationId": "recordConsent", "tags": ["privacy"],
                 "requestBody": _json_body("ConsentInput"), **security,
                 "responses": {"201": _response("Recorded", "Consent"),
                               **_errors("400", *auth_errors, "422")}},
        "get": {"operationId": "listConsents", "tags": ["privacy"], "parameters": subject,
                **security, "responses": {"200": _response("Consents of a subject", "Consents"),
                                          **_errors("400", *auth_errors)}}}}
    for entity in context["security"]["personal_entities"]:
        name, route = entity["pascal"], entity["route"]
        paths[f"/api/privacy/export/{route}/{{id}}"] = {"get": {
            "operationId": f"export{name}", "tags": ["privacy"], "parameters": id_param,
            **security, "responses": {"200": _response("A copy of the data", "DataExport"),
                                      **_errors(*auth_errors, "404")}}}
        paths[f"/api/privacy/erase/{route}/{{id}}"] = {"delete": {
            "operationId": f"erase{name}", "tags": ["privacy"], "parameters": id_param,
            **security, "responses": {"204": _response("Erased"),
                                      **_errors(*auth_errors, "404", "409")}}}
    return paths


PRIVACY_SCHEMAS: Final[dict[str, Any]] = {
    "ConsentInput": {
        "type": "object", "required": ["subject", "purpose", "granted"],
        "additionalProperties": False,
        "properties": {"subject": {"type": "string", "minLength": 1, "maxLength": 254},
                       "purpose": {"type": "string", "minLength": 1, "maxLength": 100},
                       "granted": {"type": "boolean"}}},
    "Consent": {
        "type": "object", "required": ["id", "subject", "purpose", "granted", "recordedAt"],
        "properties": {"id": {"type": "integer"}, "subject": {"type": "string"},
                       "purpose": {"type": "string"}, "granted": {"type": "boolean"},
                       "recordedAt": {"type": "string", "format": "date-time"}}},
    "Consents": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Consent"}}}},
    "DataExport": {"type": "object", "required": ["exportedAt", "entity", "record", "related"],
                   "properties": {"exportedAt": {"type": "string", "format": "date-time"},
                                  "entity": {"type": "string"}, "record": {"type": "object"},
                                  "related": {"type": "object"}}},
}
PAYMENT_SCHEMAS: Final[dict[str, Any]] = {
    "PaymentIntentInput": {
        "type": "object", "required": ["amount", "currency"], "additionalProperties": False,
        "properties": {"amount": {"type": "integer", "minimum": 1, "maximum": 99999999},
                       "currency": {"type": "string", "pattern": "^[a-z]{3}$"}}},
    "PaymentIntent": {"type": "object", "required": ["id", "clientSecret"], "properties": {
        "id": {"type": "string"}, "clientSecret": {"type": ["string", "null"]}}},
}


def _payment_paths(secured: bool) -> dict[str, Any]:
    security: dict[str, Any] = {"security": [{"bearerAuth": []}]} if secured else {}
    auth_errors = ("401",) if secured else ()
    return {"/api/payments/intents": {"post": {
        "operationId": "createPaymentIntent", "tags": ["payments"],
        "requestBody": _json_body("PaymentIntentInput"), **security,
        "responses": {"201": _response("A Stripe PaymentIntent", "PaymentIntent"),
                      "503": _response("Payments are not configured", "Error"),
                      **_errors("400", *auth_errors, "422")}}}}


def openapi_document(bp: Blueprint, context: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the backend `bp` describes (deterministic)."""
    secured = bool(context["auth"])
    paths: dict[str, Any] = {"/health": {"get": {
        "operationId": "health", "tags": ["system"],
        "responses": {"200": _response("The service is up", "Health")}}}}
    schemas: dict[str, Any] = {
        "Health": {"type": "object", "required": ["status"],
                   "properties": {"status": {"type": "string", "enum": ["ok"]},
                                  "database": {"type": "string"}}},
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                 "issues": {"type": "array", "items": {"type": "object"}}}},
    }
    if secured:
        multi_tenant = bool(context["multi_tenant"])
        paths.update(_auth_paths(multi_tenant))
        login = {"email": {"type": "string", "format": "email", "maxLength": 254},
                 "password": {"type": "string", "minLength": 8, "maxLength": 200}}
        schemas["Credentials"] = {"type": "object", "required": ["email", "password"],
                                  "additionalProperties": False, "properties": login}
        if multi_tenant:
            schemas["Registration"] = {
                "type": "object", "required": ["email", "password", "tenant"],
                "additionalProperties": False, "properties": {**login, "tenant": {
                    "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$"}}}
            # Not "Member": an entity of that name (saas-starter has one) would overwrite it.
            schemas["AddedMember"] = {"type": "object", "required": ["id", "email"], "properties": {
                "id": {"type": "integer"}, "email": {"type": "string"}}}
        schemas["Token"] = {"type": "object", "required": ["token"],
                            "properties": {"token": {"type": "string"}}}
    for entity in context["entities"]:
        paths.update(_entity_paths(entity, secured))
        schemas.update(_entity_schemas(entity))
    if context["security"]["gdpr"]:
        paths.update(_privacy_paths(context, secured))
        schemas.update(PRIVACY_SCHEMAS)
    if context["security"]["stripe"]:
        paths.update(_payment_paths(secured))
        schemas.update(PAYMENT_SCHEMAS)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": bp.name, "version": str(bp.version),
                 "description": bp.description or bp.name},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if secured:
        document["components"]["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    return document
