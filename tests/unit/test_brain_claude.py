"""ClaudeBrain against recorded Messages API event streams served by an httpx2 MockTransport
(never the network; the anthropic SDK installed here runs on httpx2, the renamed httpx fork).

Every call streams, so the recorded responses are `text/event-stream` bodies in the documented
order: message_start, content_block_start (tool_use), input_json_delta chunks, content_block_stop,
message_delta (stop reason and usage), message_stop; pings in between, and `error` events the way
the API sends an overload inside a started stream. Each test asserts what was sent, too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import pytest

from webnova.adapters.brains.claude import BrainError, ClaudeBrain, make_claude_brain
from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.brains.port import (
    BrainDelta,
    CustomSlot,
    FillRequest,
    IntentAnalysis,
    RepairRequest,
    reporting_progress,
)

KEY = "sk-ant-test-not-a-real-key"
CLINIC = "A booking platform for our dental clinic; patients book appointments with dentists."
TOOL_ID = "toolu_01A09q90qw90lq917835lq9"

Event = tuple[str, dict[str, Any]]


def _start(cache_read: int = 0) -> Event:
    return ("message_start", {"type": "message_start", "message": {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-6", "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 812, "output_tokens": 1,
                  "cache_creation_input_tokens": 0 if cache_read else 1400,
                  "cache_read_input_tokens": cache_read}}})


def _tool_events(tool: str, arguments: dict[str, Any] | str, index: int = 0,
                 pieces: int = 4) -> list[Event]:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    size = max(1, len(raw) // pieces + 1)
    chunks = [raw[i:i + size] for i in range(0, len(raw), size)]
    return [("content_block_start", {"type": "content_block_start", "index": index,
                                     "content_block": {"type": "tool_use", "id": TOOL_ID,
                                                       "name": tool, "input": {}}}),
            ("ping", {"type": "ping"}),
            *[("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {
                "type": "input_json_delta", "partial_json": chunk}}) for chunk in chunks],
            ("content_block_stop", {"type": "content_block_stop", "index": index})]


def _text_events(text: str) -> list[Event]:
    return [("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            *[("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": word + " "}})
              for word in text.split()],
            ("content_block_stop", {"type": "content_block_stop", "index": 0})]


def _end() -> list[Event]:
    return [("message_delta", {"type": "message_delta",
                               "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                               "usage": {"output_tokens": 455}}),
            ("message_stop", {"type": "message_stop"})]


def _sse(events: list[Event]) -> httpx.Response:
    body = "".join(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
                   for name, data in events)
    return httpx.Response(200, headers={"content-type": "text/event-stream"},
                          content=body.encode("utf-8"))


def _streamed(tool: str, arguments: dict[str, Any] | str, *, cache_read: int = 0,
              preface: str = "") -> httpx.Response:
    text = _text_events(preface) if preface else []
    return _sse([_start(cache_read), *text,
                 *_tool_events(tool, arguments, index=1 if preface else 0), *_end()])


def _overloaded_midway() -> httpx.Response:
    return _sse([_start(), ("ping", {"type": "ping"}), ("error", {
        "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})])


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


def _brain(recorder: Callable[[httpx.Request], httpx.Response], max_retries: int = 0,
           sleeps: list[float] | None = None) -> ClaudeBrain:
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    brain = make_claude_brain(KEY, "claude-sonnet-4-6", http_client=client,
                              max_retries=max_retries)
    brain.sleep = (sleeps if sleeps is not None else []).append
    return brain


def test_analysis_streams_a_forced_tool_call_with_a_cached_system_prompt() -> None:
    recorder = Recorder(_streamed("record_intent", _analysis()))
    analysis = _brain(recorder).analyze(CLINIC, "en")
    assert analysis.domain == "healthcare" and analysis.template == "saas-starter"
    (body,) = recorder.bodies
    assert body["stream"] is True
    assert body["tool_choice"] == {"type": "tool", "name": "record_intent"}
    assert body["tools"][0]["input_schema"]["properties"].keys() == \
        IntentAnalysis.model_json_schema()["properties"].keys()
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "saas-starter" in body["system"][0]["text"]
    assert CLINIC in body["messages"][0]["content"]


def test_text_and_tool_input_deltas_reach_the_progress_callback() -> None:
    arguments = _analysis()
    recorder = Recorder(_streamed("record_intent", arguments, preface="Reading the description"))
    seen: list[BrainDelta] = []
    with reporting_progress(seen.append):
        assert _brain(recorder).analyze(CLINIC).status == "ok"
    texts = [d.text for d in seen if d.kind == "text"]
    assert "".join(texts) == "Reading the description "
    pieces = [d.text for d in seen if d.kind == "tool_input"]
    assert len(pieces) >= 4
    assert json.loads("".join(pieces)) == arguments
    # Outside the block nobody listens: a second call reports nothing more.
    more = Recorder(_streamed("record_intent", arguments, preface="Again"))
    _brain(more).analyze(CLINIC)
    assert len(seen) == len(texts) + len(pieces)


def test_tokens_and_cost_are_accounted_per_call_from_the_stream_usage() -> None:
    recorder = Recorder(_streamed("record_intent", _analysis()),
                        _streamed("record_intent", _analysis(), cache_read=1400))
    brain = _brain(recorder)
    brain.analyze(CLINIC)
    brain.analyze(CLINIC)
    assert brain.usage.calls == 2
    # Input from message_start, output from message_delta (cumulative, replaces the start's 1).
    assert brain.usage.input_tokens == 1624 and brain.usage.output_tokens == 910
    assert brain.usage.cache_read_tokens == 1400 and brain.usage.cache_write_tokens == 1400
    assert brain.usage.per_call[1]["cost_usd"] < brain.usage.per_call[0]["cost_usd"]


def test_invalid_structured_output_is_sent_back_and_repaired() -> None:
    wrong = {**_analysis(), "domain": "medical"}
    recorder = Recorder(_streamed("record_intent", wrong), _streamed("record_intent", _analysis()))
    assert _brain(recorder).analyze(CLINIC).domain == "healthcare"
    assistant, repair_turn = recorder.bodies[1]["messages"][-2:]
    assert assistant["content"][0]["input"]["domain"] == "medical"
    repair = repair_turn["content"][0]
    assert repair["type"] == "tool_result" and repair["is_error"] is True
    assert repair["tool_use_id"] == TOOL_ID and "domain" in repair["content"]


def test_output_that_stays_invalid_is_a_clear_error() -> None:
    wrong = {**_analysis(), "domain": "medical"}
    recorder = Recorder(*[_streamed("record_intent", wrong) for _ in range(3)])
    with pytest.raises(BrainError, match="valid answer after 3 attempts"):
        _brain(recorder).analyze(CLINIC)


def test_streamed_tool_input_that_is_not_json_is_asked_again() -> None:
    recorder = Recorder(_streamed("record_intent", '{"status": "ok", "text": ]'),
                        _streamed("record_intent", _analysis()))
    assert _brain(recorder).analyze(CLINIC).status == "ok"
    assert recorder.bodies[0]["messages"] == recorder.bodies[1]["messages"]


def test_designed_blueprint_is_validated_like_an_upload() -> None:
    blueprint = OfflineBrain().design(IntentAnalysis.model_validate(_analysis()))
    recorder = Recorder(_streamed("record_blueprint", blueprint.model_dump(mode="json")))
    designed = _brain(recorder).design(IntentAnalysis.model_validate(_analysis()))
    assert designed == blueprint
    assert recorder.bodies[0]["tools"][0]["input_schema"]["title"] == "Blueprint"


def test_a_blueprint_the_generator_cannot_build_is_sent_back() -> None:
    blueprint = OfflineBrain().design(IntentAnalysis.model_validate(_analysis()))
    data = blueprint.model_dump(mode="json")
    graphql_with_a_frontend = {**data, "stack": {**data["stack"], "api": "graphql"}}
    recorder = Recorder(_streamed("record_blueprint", graphql_with_a_frontend),
                        _streamed("record_blueprint", data))
    assert _brain(recorder).design(IntentAnalysis.model_validate(_analysis())) == blueprint
    refusal = recorder.bodies[1]["messages"][-1]["content"][0]
    assert refusal["is_error"] and "stack.api: GraphQL projects are API-only" in refusal["content"]


def test_an_overload_inside_the_stream_is_retried_with_backoff() -> None:
    recorder = Recorder(_overloaded_midway(), _overloaded_midway(),
                        _streamed("record_intent", _analysis()))
    sleeps: list[float] = []
    brain = _brain(recorder, sleeps=sleeps)
    assert brain.analyze(CLINIC).status == "ok"
    assert len(recorder.bodies) == 3
    assert sleeps == [1.0, 2.0]
    assert brain.usage.calls == 1


def test_an_overload_that_persists_is_a_clear_error() -> None:
    recorder = Recorder(*[_overloaded_midway() for _ in range(3)])
    sleeps: list[float] = []
    with pytest.raises(BrainError, match="overloaded") as raised:
        _brain(recorder, sleeps=sleeps).analyze(CLINIC)
    assert sleeps == [1.0, 2.0]
    assert KEY not in str(raised.value)


def test_a_refused_key_is_a_clear_error_without_the_key() -> None:
    recorder = Recorder(httpx.Response(401, json={"type": "error", "error": {
        "type": "authentication_error", "message": "invalid x-api-key"}}))
    with pytest.raises(BrainError) as raised:
        _brain(recorder).analyze(CLINIC)
    assert "API key" in str(raised.value)
    assert KEY not in str(raised.value)
    assert len(recorder.bodies) == 1  # an auth error is not retried


def test_an_overloaded_status_before_the_stream_is_retried_by_the_sdk() -> None:
    overloaded = httpx.Response(529, headers={"retry-after-ms": "1"}, json={
        "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    recorder = Recorder(overloaded, _streamed("record_intent", _analysis()))
    assert _brain(recorder, max_retries=2).analyze(CLINIC).status == "ok"
    assert len(recorder.bodies) == 2


def test_rate_limit_after_retries_is_a_clear_error() -> None:
    limited = httpx.Response(429, headers={"retry-after-ms": "1"}, json={
        "type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    with pytest.raises(BrainError, match="rate limit"):
        _brain(Recorder(limited, limited), max_retries=1).analyze(CLINIC)


def _repair_request() -> RepairRequest:
    return RepairRequest(failure="tests/test_custom.py::test_total FAILED: assert 9 == 10",
                         blueprint_name="Clinic", slots=[CustomSlot(
                             file="app/custom.py", name="total", code="    return a + b - 1\n")])


def test_a_repair_is_a_tool_call_restricted_to_the_offered_slots() -> None:
    stray = {"edits": [{"file": "tests/test_custom.py", "name": "total", "code": "pass"}]}
    fixed = {"edits": [{"file": "app/custom.py", "name": "total", "code": "    return a + b\n"}],
             "explanation": "off by one"}
    recorder = Recorder(_streamed("record_repair", stray), _streamed("record_repair", fixed))
    plan = _brain(recorder).repair(_repair_request())
    assert [(e.file, e.name, e.code) for e in plan.edits] == \
        [("app/custom.py", "total", "    return a + b\n")]
    first = recorder.bodies[0]
    assert first["tool_choice"] == {"type": "tool", "name": "record_repair"}
    assert "assert 9 == 10" in first["messages"][0]["content"]
    assert "return a + b - 1" in first["messages"][0]["content"]
    refusal = recorder.bodies[1]["messages"][-1]["content"][0]
    assert refusal["is_error"] and "not offered" in refusal["content"]


def test_custom_logic_is_asked_with_the_description_and_an_answer_for_another_tool_is_refused(
        ) -> None:
    request = FillRequest(description="Orders over 10,000 SAR need a manager.",
                          blueprint='{"entities": [{"name": "order"}]}', blueprint_name="Shop",
                          slots=[CustomSlot(file="server/src/hooks/order.ts",
                                            name="beforeCreate", code="  return input;\n")])
    rule = {"edits": [{"file": "server/src/hooks/order.ts", "name": "beforeCreate",
                       "code": "  if (input.total > 10000) throw new HttpError(422, 'x', 'y');\n"
                               "  return input;\n"}], "explanation": "manager rule"}
    recorder = Recorder(_streamed("record_repair", rule), _streamed("record_custom_logic", rule))
    plan = _brain(recorder).fill(request)
    assert plan.explanation == "manager rule" and plan.edits[0].name == "beforeCreate"
    first, second = recorder.bodies
    assert first["tool_choice"] == {"type": "tool", "name": "record_custom_logic"}
    prompt = first["messages"][0]["content"]
    assert "Orders over 10,000 SAR" in prompt and '"order"' in prompt
    assert "return input;" in prompt.split("<slots>")[1]
    assert second["messages"][-1]["content"] == "call the record_custom_logic tool"


def test_a_real_request_is_refused_in_tests() -> None:
    brain = make_claude_brain(KEY, "claude-sonnet-4-6", max_retries=0)
    with pytest.raises(BrainError, match="could not be reached"):
        brain.analyze(CLINIC)
