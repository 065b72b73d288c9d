"""ClaudeBrain: the brain port over the Anthropic Messages API, streamed.

Structured output goes through tool use: the tool's `input_schema` is the JSON Schema of the same
pydantic model that validates the answer (`IntentAnalysis`, `Blueprint`, `RepairPlan` for both
the custom logic and repairs). An invalid answer is sent back as an error `tool_result` and Claude
repairs it, a bounded number of times. The stable system prompt (rules and catalog) carries
`cache_control`, so repeated calls read it from the prompt cache.

Every call streams (`messages.stream`): text and tool-input deltas go to the progress callback of
`webnova.adapters.brains.port.reporting_progress` (the graph shows them as they arrive), and the
final message is assembled by the SDK. Failures before the stream starts (429, 5xx, 529) are
retried with backoff by the SDK (`max_retries`); an `error` event inside a started stream
(`overloaded_error`, `api_error`) is retried here with exponential backoff. What still fails
becomes a `BrainError` with a clear message and no secret. Token use and cost are added to a
`Usage` per call, for the run's and tenant's accounting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import anthropic
from pydantic import BaseModel, ValidationError

from webnova.adapters.brains.port import (
    BrainDelta,
    BrainProgress,
    CustomSlot,
    FillRequest,
    IntentAnalysis,
    RepairPlan,
    RepairRequest,
    progress_callback,
)
from webnova.generator.blueprint import Blueprint, blueprint_json_schema
from webnova.generator.catalog import load_catalog
from webnova.generator.support import GENERATABLE, unsupported
from webnova.generator.validation import validate_blueprint
from webnova.i18n import _
from webnova.prompts import load_prompt

Model = TypeVar("Model", bound=BaseModel)

# USD per million tokens: input, output, cache write, cache read (Sonnet-class list prices).
PRICES: Final[dict[str, tuple[float, float, float, float]]] = {
    "default": (3.0, 15.0, 3.75, 0.30),
}
MAX_TOKENS: Final = 8192
# Error types of an `error` event inside a started stream that are worth another try.
_RETRYABLE_STREAM_ERRORS: Final = frozenset({"overloaded_error", "api_error"})


class BrainError(RuntimeError):
    """The model could not answer (auth, rate limit, overload, invalid output); state is kept."""


class _Malformed(ValueError):
    """The streamed tool input was not JSON; the call is made again."""


@dataclass
class Usage:
    """Tokens and cost of the calls made so far."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    calls: int = 0
    cost_usd: float = 0.0
    per_call: list[dict[str, Any]] = field(default_factory=list)

    def add(self, model: str, usage: anthropic.types.Usage) -> None:
        """Add one response's usage, priced for `model`."""
        written = usage.cache_creation_input_tokens or 0
        read = usage.cache_read_input_tokens or 0
        price = PRICES.get(model, PRICES["default"])
        cost = (usage.input_tokens * price[0] + usage.output_tokens * price[1]
                + written * price[2] + read * price[3]) / 1_000_000
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_write_tokens += written
        self.cache_read_tokens += read
        self.calls += 1
        self.cost_usd += cost
        self.per_call.append({"model": model, "input": usage.input_tokens,
                              "output": usage.output_tokens, "cache_read": read,
                              "cost_usd": round(cost, 6)})


def _catalog_text() -> str:
    return "\n".join(f"- {t.id}: {t.description.en}" for t in load_catalog().templates
                     if t.generatable)


class ClaudeBrain:
    """The brain port over Claude; give it an `anthropic.Anthropic` client."""

    name = "claude"

    def __init__(self, client: anthropic.Anthropic, model: str, *, max_repairs: int = 2,
                 usage: Usage | None = None, stream_retries: int = 2,
                 backoff_seconds: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.model = model
        self.max_repairs = max_repairs
        self.usage = usage or Usage()
        self.stream_retries = stream_retries
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def analyze(self, text: str, locale: str = "en") -> IntentAnalysis:
        """Analyse `text` through the `record_intent` tool."""
        prompt = load_prompt("intent", text=text, locale=locale,
                             language="Arabic" if locale.startswith("ar") else "English")
        schema = IntentAnalysis.model_json_schema()
        return self._structured("record_intent", "Record the analysis of the description.",
                                schema, prompt, IntentAnalysis.model_validate)

    def design(self, analysis: IntentAnalysis, previous: Blueprint | None = None,
               feedback: str | None = None) -> Blueprint:
        """Design (or revise) the blueprint through the `record_blueprint` tool."""
        prompt = load_prompt(
            "architect", analysis=analysis.model_dump_json(indent=1),
            previous=previous.model_dump_json(indent=1) if previous else "none",
            feedback=feedback or "none",
            generatable=", ".join(f"{f}+{b}" for f, b in sorted(GENERATABLE)))
        blueprint = self._structured("record_blueprint", "Record the complete blueprint.",
                                     blueprint_json_schema(), prompt, _valid_blueprint)
        if previous is not None:
            data = blueprint.model_dump()
            for key in ("version", "schema_version"):
                data.pop(key)
            return previous.revise(**data)
        return blueprint

    def fill(self, request: FillRequest) -> RepairPlan:
        """Write the description's business rules into the slots through `record_custom_logic`."""
        prompt = load_prompt("fill", platform=request.blueprint_name or "-",
                             description=request.description[:8000] or "-",
                             blueprint=request.blueprint[:30000], slots=_slots_json(request.slots))
        return self._slot_plan("record_custom_logic",
                               "Record the business rules written into the custom-logic slots.",
                               prompt, request.slots)

    def repair(self, request: RepairRequest) -> RepairPlan:
        """Propose new contents for the failing project's slots through `record_repair`."""
        prompt = load_prompt("repair", platform=request.blueprint_name or "-",
                             failure=request.failure[-8000:], slots=_slots_json(request.slots))
        return self._slot_plan("record_repair", "Record the edits to the custom-logic slots.",
                               prompt, request.slots)

    def _slot_plan(self, tool: str, description: str, prompt: str,
                   slots: list[CustomSlot]) -> RepairPlan:
        """A plan whose edits name only the offered slots (anything else is sent back)."""
        known = {(slot.file, slot.name) for slot in slots}
        return self._structured(tool, description, RepairPlan.model_json_schema(), prompt,
                                lambda data: _known_slots(RepairPlan.model_validate(data),
                                                          known))

    def _structured(self, tool: str, description: str, schema: dict[str, Any], prompt: str,
                    parse: Callable[[Any], Model]) -> Model:
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        for _attempt in range(self.max_repairs + 1):
            try:
                response = self._call(tool, description, schema, messages)
            except _Malformed:
                continue  # nothing usable to answer to: ask the same question again
            call = next((b for b in response.content
                         if b.type == "tool_use" and b.name == tool), None)
            if call is None:
                error = f"call the {tool} tool"
                messages += [{"role": "assistant", "content": response.content},
                             {"role": "user", "content": error}]
                continue
            try:
                return parse(call.input)
            except (ValidationError, ValueError) as exc:
                messages += [
                    {"role": "assistant", "content": response.content},
                    {"role": "user", "content": [{
                        "type": "tool_result", "tool_use_id": call.id, "is_error": True,
                        "content": f"Invalid arguments, fix them and call {tool} again:\n"
                                   f"{_errors(exc)}"}]}]
        raise BrainError(_("Claude did not return a valid answer after {count} attempts; the "
                           "run kept its state and can be resumed.").format(
                               count=self.max_repairs + 1))

    def _call(self, tool: str, description: str, schema: dict[str, Any],
              messages: list[dict[str, Any]]) -> anthropic.types.Message:
        """One streamed request; stream-level overloads are retried with backoff."""
        system = [{"type": "text", "text": load_prompt("system", catalog=_catalog_text()),
                   "cache_control": {"type": "ephemeral"}}]
        request: dict[str, Any] = {
            "model": self.model, "max_tokens": MAX_TOKENS, "system": system,
            "tools": [{"name": tool, "description": description, "input_schema": schema}],
            "tool_choice": {"type": "tool", "name": tool}, "messages": messages}
        for attempt in range(self.stream_retries + 1):
            try:
                return self._stream(request)
            except anthropic.APIStatusError as exc:
                if attempt == self.stream_retries or not _retryable_in_stream(exc):
                    raise _brain_error(exc) from None
            except anthropic.APIConnectionError as exc:
                raise _brain_error(exc) from None
            self.sleep(self.backoff_seconds * 2 ** attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _stream(self, request: dict[str, Any]) -> anthropic.types.Message:
        # Our message dicts are the documented wire shape; the SDK's TypedDicts add nothing here.
        stream_messages: Any = self.client.messages.stream
        report = progress_callback()
        with stream_messages(**request) as stream:
            events = iter(stream)
            while True:
                try:
                    event = next(events)
                except StopIteration:
                    break
                except ValueError as exc:  # the SDK could not parse the streamed tool input
                    raise _Malformed(str(exc)) from None
                if report is not None:
                    _forward(report, event)
            message = stream.get_final_message()
        assert isinstance(message, anthropic.types.Message)
        self.usage.add(self.model, message.usage)
        return message


def _forward(report: BrainProgress, event: Any) -> None:
    if event.type == "text":
        report(BrainDelta("text", event.text))
    elif event.type == "input_json":
        report(BrainDelta("tool_input", event.partial_json))


def _retryable_in_stream(exc: anthropic.APIStatusError) -> bool:
    """An `error` event inside a started stream (HTTP 200) that says overloaded or internal."""
    if exc.status_code != 200 or not isinstance(exc.body, dict):
        return False
    error = exc.body.get("error")
    return isinstance(error, dict) and error.get("type") in _RETRYABLE_STREAM_ERRORS


def _brain_error(exc: anthropic.APIError) -> BrainError:
    """A clear, secret-free message for a failed call; the run keeps its state."""
    if isinstance(exc, anthropic.AuthenticationError):
        return BrainError(_("Claude refused the API key; check WEBNOVA_ANTHROPIC_API_KEY."))
    if isinstance(exc, anthropic.RateLimitError):
        return BrainError(_("Claude's rate limit was reached; try again in a minute."))
    if isinstance(exc, anthropic.APIStatusError) and _retryable_in_stream(exc):
        return BrainError(_("Claude is overloaded right now; the run kept its state and can be "
                            "resumed later."))
    if isinstance(exc, anthropic.APIStatusError):
        return BrainError(_("Claude answered with an error ({status}); the run kept its "
                            "state.").format(status=exc.status_code))
    return BrainError(_("Claude could not be reached; the run kept its state."))


def _slots_json(slots: list[CustomSlot]) -> str:
    return json.dumps([slot.model_dump() for slot in slots], ensure_ascii=False, indent=1)


def _known_slots(plan: RepairPlan, known: set[tuple[str, str]]) -> RepairPlan:
    unknown = [f"{e.file}#{e.name}" for e in plan.edits if (e.file, e.name) not in known]
    if unknown:
        raise ValueError("edits name slots that were not offered: " + ", ".join(unknown))
    return plan


def _valid_blueprint(data: object) -> Blueprint:
    """A blueprint the contract accepts and the generator can build (else sent back to fix)."""
    result = validate_blueprint(data)
    issues = result.issues if result.blueprint is None else unsupported(result.blueprint)
    if issues:
        raise ValueError("\n".join(str(i) for i in issues[:20]))
    assert result.blueprint is not None
    return result.blueprint


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return json.dumps([{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()[:20]],
                          ensure_ascii=False)
    return str(exc)[:4000]


def make_claude_brain(api_key: str, model: str, *, http_client: Any = None,
                      max_retries: int = 3) -> ClaudeBrain:
    """A ClaudeBrain with retries and backoff; tests pass an httpx client with a mock transport."""
    client = anthropic.Anthropic(api_key=api_key, max_retries=max_retries,
                                 http_client=http_client)
    return ClaudeBrain(client, model)
