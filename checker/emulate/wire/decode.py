"""Turn wire values back into API parameters, guided by the operation's input shape in botocore.

Covers the protocols of the lab services: query (form-encoded, flattened names), JSON and CBOR
bodies, and the REST bindings (URI labels, query string, headers, XML or JSON payload).
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from botocore.model import Shape, StructureShape

MAX_DEPTH = 30


class DecodeError(Exception):
    pass


def scalar(shape: Shape, text: str) -> Any:
    """A string from a query string, header or URI, as the shape's type."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise DecodeError(f"{text!r} is not an integer") from None
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            raise DecodeError(f"{text!r} is not a number") from None
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "blob":
        try:
            return base64.b64decode(text)
        except ValueError:
            return text.encode()
    return text


# -- query protocol ------------------------------------------------------------------------------


def from_query(shape: StructureShape | None, form: Mapping[str, str]) -> dict[str, Any]:
    """Params from flattened form names such as Tags.member.1.Key (the query protocol)."""
    if shape is None:
        return {}
    value = _query_value(shape, "", form, 0)
    return value if isinstance(value, dict) else {}


def _query_value(shape: Shape, prefix: str, form: Mapping[str, str], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise DecodeError("the request nests too deeply")
    kind = shape.type_name
    if kind == "structure":
        result: dict[str, Any] = {}
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            wire = member.serialization.get("name", name)
            key = f"{prefix}.{wire}" if prefix else wire
            if key in form or any(k.startswith(key + ".") for k in form):
                result[name] = _query_value(member, key, form, depth + 1)
        return result
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        flattened = shape.serialization.get("flattened", False)
        base = prefix if flattened else f"{prefix}.{shape.member.serialization.get('name', 'member')}"  # type: ignore[attr-defined]
        items = []
        index = 1
        while f"{base}.{index}" in form or any(k.startswith(f"{base}.{index}.") for k in form):
            items.append(_query_value(member, f"{base}.{index}", form, depth + 1))
            index += 1
        return items
    if kind == "map":
        items_map: dict[str, Any] = {}
        index = 1
        flattened = shape.serialization.get("flattened", False)
        base = prefix if flattened else f"{prefix}.entry"
        key_name = shape.key.serialization.get("name", "key")  # type: ignore[attr-defined]
        value_name = shape.value.serialization.get("name", "value")  # type: ignore[attr-defined]
        while f"{base}.{index}.{key_name}" in form:
            value_shape: Shape = shape.value  # type: ignore[attr-defined]
            items_map[form[f"{base}.{index}.{key_name}"]] = _query_value(
                value_shape, f"{base}.{index}.{value_name}", form, depth + 1
            )
            index += 1
        return items_map
    text = form.get(prefix)
    return None if text is None else scalar(shape, text)


# -- JSON and CBOR bodies --------------------------------------------------------------------------


def from_json_document(shape: Shape | None, data: Any, depth: int = 0) -> Any:
    """A decoded JSON (or CBOR) value with blobs turned back into bytes."""
    if shape is None or depth > MAX_DEPTH:
        return data
    kind = shape.type_name
    if kind == "structure" and isinstance(data, dict):
        members = shape.members  # type: ignore[attr-defined]
        by_wire = {m.serialization.get("name", n): (n, m) for n, m in members.items()}
        result = {}
        for key, value in data.items():
            name, member = by_wire.get(key, (key, None))
            result[name] = from_json_document(member, value, depth + 1)
        return result
    if kind == "list" and isinstance(data, list):
        return [from_json_document(shape.member, item, depth + 1) for item in data]  # type: ignore[attr-defined]
    if kind == "map" and isinstance(data, dict):
        return {k: from_json_document(shape.value, v, depth + 1) for k, v in data.items()}  # type: ignore[attr-defined]
    if kind == "blob" and isinstance(data, str):
        try:
            return base64.b64decode(data)
        except ValueError:
            return data.encode()
    return data


def parse_json_body(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecodeError(f"the JSON body is malformed: {exc}") from None


# -- REST bindings ---------------------------------------------------------------------------------


def from_rest(
    shape: StructureShape | None,
    labels: Mapping[str, str],
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    xml: bool,
) -> dict[str, Any]:
    """Params of a REST call: URI labels, query string, headers, then the payload (XML or JSON)."""
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    query_map: dict[str, list[str]] = {}
    for key, value in query:
        query_map.setdefault(key, []).append(value)
    payload_name = shape.serialization.get("payload")
    body_members: dict[str, Shape] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in labels:
                params[name] = scalar(member, unquote(labels[wire]))
        elif location == "querystring":
            if member.type_name == "map":
                params[name] = {k: v[0] for k, v in query_map.items()}
            elif wire in query_map:
                values = query_map[wire]
                params[name] = (
                    [scalar(member.member, v) for v in values]  # type: ignore[attr-defined]
                    if member.type_name == "list"
                    else scalar(member, values[0])
                )
        elif location == "header":
            header_value = headers.get(wire.lower())
            if header_value is not None:
                params[name] = (
                    [v.strip() for v in header_value.split(",")]
                    if member.type_name == "list"
                    else scalar(member, header_value)
                )
        elif location == "headers":
            prefix = wire.lower()
            found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
        elif location is None and name != payload_name:
            body_members[name] = member
    if payload_name:
        member = shape.members[payload_name]
        if member.type_name == "blob":
            pass  # streaming payloads (object bodies) are forwarded, never decoded
        elif member.type_name == "string":
            params[payload_name] = body.decode("utf-8", errors="replace")
        elif body.strip():
            params[payload_name] = (
                _xml_payload(member, body) if xml else from_json_document(member, parse_json_body(body))
            )
    elif body_members and body.strip() and not xml:
        data = parse_json_body(body)
        if isinstance(data, dict):
            decoded = from_json_document(shape, data)
            params.update({k: v for k, v in decoded.items() if k in body_members})
    return params


def _xml_payload(shape: Shape, body: bytes) -> Any:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise DecodeError(f"the XML body is malformed: {exc}") from None
    return _xml_value(shape, root, 0)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_value(shape: Shape, element: ElementTree.Element, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise DecodeError("the XML body nests too deeply")
    kind = shape.type_name
    if kind == "structure":
        result: dict[str, Any] = {}
        children = list(element)
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            wire = member.serialization.get("name", name)
            if member.type_name == "list" and member.serialization.get("flattened"):
                matches = [c for c in children if _local(c.tag) == wire]
                if matches:
                    result[name] = [_xml_value(member.member, c, depth + 1) for c in matches]
                continue
            found = next((c for c in children if _local(c.tag) == wire), None)
            if found is not None:
                result[name] = _xml_value(member, found, depth + 1)
        return result
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        return [_xml_value(member, child, depth + 1) for child in element]
    return scalar(shape, element.text or "")
