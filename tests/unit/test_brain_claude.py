"""ClaudeBrain against Messages API responses served by an httpx2 MockTransport (never the network;
the anthropic SDK installed here runs on httpx2, the renamed httpx fork).

The responses follow the documented Messages API shape (tool_use content blocks, usage with cache
counters); each test asserts what was sent, too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import pytest

from webnova.adapters.brains.claude import BrainError, ClaudeBrain, make_claude_brain
from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.brains.port import IntentAnalysis

KEY = "sk-ant-test-not-a-real-key"
CLINIC = "A booking platform for our dental clinic; patients book appointments with dentists."


def _message(tool: str, arguments: dict[str, Any], *, cache_read: int = 0) -> dict[str, Any]:
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-6", "stop_reason": "tool_use", "stop_sequence": None,
        "content": [{"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": tool,
                     "input": arguments}],
        "usage": {"input_tokens": 812, "output_tokens": 455,
                  "cache_creation_input_tokens": 0 if cache_read else 1400,
                  "cache_read_input_tokens": cache_read},
    }


def _analysis() -> dict[str, Any]:
    return OfflineBrain().analyze(CLINIC).model_dump(mode="json")


class Recorder:
    """Serves queued responses and keeps every request body; anything unexpected fails."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.anthropic.com"
        assert request.url.path == "/v1/messages"
        self.bodies.append(json.loads(request.content))
        assert self.responses, "unexpected extra request"
        return self.responses.pop(0)


def _brain(recorder: Callable[[httpx.Request], httpx.Response],
           max_retries: int = 0) -> ClaudeBrain:
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    return make_claude_brain(KEY, "claude-sonnet-4-6", http_client=client,
                             max_retries=max_retries)


def test_analysis_comes_from_a_forced_tool_call_with_a_cached_system_prompt() -> None:
    recorder = Recorder(httpx.Response(200, json=_message("record_intent", _analysis())))
    analysis = _brain(recorder).analyze(CLINIC, "en")
    assert analysis.domain == "healthcare" and analysis.template == "saas-starter"
    (body,) = recorder.bodies
    assert body["tool_choice"] == {"type": "tool", "name": "record_intent"}
    assert body["tools"][0]["input_schema"]["properties"].keys() == \
        IntentAnalysis.model_json_schema()["properties"].keys()
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "saas-starter" in body["system"][0]["text"]
    assert CLINIC in body["messages"][0]["content"]


def test_tokens_and_cost_are_accounted_per_call() -> None:
    recorder = Recorder(httpx.Response(200, json=_message("record_intent", _analysis())),
                        httpx.Response(200, json=_message("record_intent", _analysis(),
                                                          cache_read=1400)))
    brain = _brain(recorder)
    brain.analyze(CLINIC)
    brain.analyze(CLINIC)
    assert brain.usage.calls == 2
    assert brain.usage.input_tokens == 1624 and brain.usage.output_tokens == 910
    assert brain.usage.cache_read_tokens == 1400 and brain.usage.cache_write_tokens == 1400
    assert brain.usage.per_call[1]["cost_usd"] < brain.usage.per_call[0]["cost_usd"]


def test_invalid_structured_output_is_sent_back_and_repaired() -> None:
    wrong = {**_analysis(), "domain": "medical"}
    recorder = Recorder(httpx.Response(200, json=_message("record_intent", wrong)),
                        httpx.Response(200, json=_message("record_intent", _analysis())))
    assert _brain(recorder).analyze(CLINIC).domain == "healthcare"
    repair = recorder.bodies[1]["messages"][-1]["content"][0]
    assert repair["type"] == "tool_result" and repair["is_error"] is True
    assert "domain" in repair["content"]


def test_output_that_stays_invalid_is_a_clear_error() -> None:
    wrong = {**_analysis(), "domain": "medical"}
    recorder = Recorder(*[httpx.Response(200, json=_message("record_intent", wrong))] * 3)
    with pytest.raises(BrainError, match="valid answer after 3 attempts"):
        _brain(recorder).analyze(CLINIC)


def test_designed_blueprint_is_validated_like_an_upload() -> None:
    blueprint = OfflineBrain().design(IntentAnalysis.model_validate(_analysis()))
    recorder = Recorder(httpx.Response(200, json=_message(
        "record_blueprint", blueprint.model_dump(mode="json"))))
    designed = _brain(recorder).design(IntentAnalysis.model_validate(_analysis()))
    assert designed == blueprint
    assert recorder.bodies[0]["tools"][0]["input_schema"]["title"] == "Blueprint"


def test_a_refused_key_is_a_clear_error_without_the_key() -> None:
    recorder = Recorder(httpx.Response(401, json={"type": "error", "error": {
        "type": "authentication_error", "message": "invalid x-api-key"}}))
    with pytest.raises(BrainError) as raised:
        _brain(recorder).analyze(CLINIC)
    assert "API key" in str(raised.value)
    assert KEY not in str(raised.value)


def test_overload_is_retried_then_succeeds() -> None:
    overloaded = httpx.Response(529, headers={"retry-after-ms": "1"}, json={
        "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    recorder = Recorder(overloaded, httpx.Response(200, json=_message("record_intent",
                                                                      _analysis())))
    assert _brain(recorder, max_retries=2).analyze(CLINIC).status == "ok"
    assert len(recorder.bodies) == 2


def test_rate_limit_after_retries_is_a_clear_error() -> None:
    limited = httpx.Response(429, headers={"retry-after-ms": "1"}, json={
        "type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    with pytest.raises(BrainError, match="rate limit"):
        _brain(Recorder(limited, limited), max_retries=1).analyze(CLINIC)


def test_a_real_request_is_refused_in_tests() -> None:
    brain = make_claude_brain(KEY, "claude-sonnet-4-6", max_retries=0)
    with pytest.raises(BrainError, match="could not be reached"):
        brain.analyze(CLINIC)
