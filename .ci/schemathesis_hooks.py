"""Rules of the MockBird contract that JSON Schema cannot state, taught to
schemathesis's data generation (loaded by .ci/schemathesis)."""
from datetime import datetime, timezone

import schemathesis


def _in_past(value):
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) <= datetime.now(timezone.utc)
    except (AttributeError, ValueError):
        return False


@schemathesis.hook("filter_body").apply_to(name="POST /api/keys")
def key_expiry_in_future(context, body):
    """`expiresAt` must be in the future: a key born expired is refused (400)."""
    return not (isinstance(body, dict) and _in_past(body.get("expiresAt")))


def _has_repeated_parameter(path):
    """`/{a}/{a}`: a mock path's parameter names must be unique, which the
    path's pattern cannot say (400 `parameter "a" appears twice`)."""
    if not isinstance(path, str):
        return False
    names = [s.strip("{}*") for s in path.split("/") if s.startswith("{") and s.endswith("}")]
    return len(names) != len(set(names))


def _paths(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "path":
                yield inner
            yield from _paths(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _paths(inner)


@schemathesis.hook("filter_body")
def unique_path_parameters(context, body):
    """Every mock path in a body (a mock, a route check, an import's mocks)."""
    return not any(_has_repeated_parameter(p) for p in _paths(body))


@schemathesis.hook("filter_query").apply_to(name="GET /api/projects/{id}/verify")
def verify_path_parameters_unique(context, query):
    """The verification's `path` is a mock path pattern too."""
    return not (isinstance(query, dict) and _has_repeated_parameter(query.get("path")))


@schemathesis.hook("filter_query").apply_to(name="POST /api/projects/import")
def import_format_names_the_body(context, query):
    """`format=` names what the file is; the JSON body the schema describes is
    MockBird's own document, so another named format is a different file (a
    MockBird document named `wiremock` is 400 "the file is not WireMock")."""
    return not (isinstance(query, dict) and query.get("format") not in (None, "mockbird"))


@schemathesis.hook("filter_case").apply_to(name="POST /api/projects/import")
def import_as_json(context, case):
    """The fuzzer writes YAML 1.1 (PyYAML), the server reads YAML 1.2: a plain
    scalar 1.1 takes for text is a number in 1.2 (`4707E11`), so a schema-valid
    document in PyYAML's YAML is not always the same document to the server.
    YAML reading has its own tests (mockbird-import/tests/import.rs); here the
    document goes as JSON."""
    return case.media_type != "application/yaml"
