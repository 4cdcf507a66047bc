"""Which traces a service records (servicekit.telemetry.sampler): a ratio of new ones unless
OTEL_TRACES_SAMPLER says otherwise, and always those whose incoming parent was sampled, so a
sampled `traceparent` yields the whole trace across the services."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from servicekit import telemetry


def parent(sampled: bool) -> trace.Context:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    ctx = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=flags)
    return trace.set_span_in_context(NonRecordingSpan(ctx))


def decide(sampler, trace_id: int, ctx=None) -> Decision:
    return sampler.should_sample(ctx, trace_id, "POST /reports").decision


def test_by_default_a_tenth_of_new_traces_and_every_sampled_parent(monkeypatch):
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    monkeypatch.delenv("OTEL_TRACES_SAMPLER_ARG", raising=False)
    s = telemetry.sampler()
    assert s is not None and "0.1" in s.get_description()
    ids = range(0, 2**64, 2**64 // 1000)  # the ratio sampler reads the low 64 bits
    recorded = sum(decide(s, i) is Decision.RECORD_AND_SAMPLE for i in ids)
    assert 80 <= recorded <= 120
    assert decide(s, 2**63, parent(True)) is Decision.RECORD_AND_SAMPLE
    assert decide(s, 1, parent(False)) is Decision.DROP


@pytest.mark.parametrize(("arg", "new_root"), [("1", True), ("0", False)])
def test_the_ratio_is_the_sampler_argument(monkeypatch, arg, new_root):
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", arg)
    s = telemetry.sampler()
    assert (decide(s, 2**63 - 1) is Decision.RECORD_AND_SAMPLE) is new_root
    assert decide(s, 2**63 - 1, parent(True)) is Decision.RECORD_AND_SAMPLE


def test_a_sampler_the_environment_names_is_the_sdks_choice(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
    assert telemetry.sampler() is None  # the SDK's TracerProvider reads the variables itself
