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
