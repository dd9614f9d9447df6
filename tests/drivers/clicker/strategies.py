"""Hypothesis strategies for every clicker receiver message."""

from __future__ import annotations

from hypothesis import strategies as st

from edge.drivers.clicker.messages import (
    MAX_ANSWER,
    MAX_DETAIL,
    Ack,
    BatteryReport,
    ErrorReport,
    Heartbeat,
    Hello,
    HelloRequest,
    HostHeartbeat,
    Message,
    QuestionKind,
    StartQuestion,
    StopQuestion,
    VoteAck,
    VoteReport,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
i8 = st.integers(-128, 127)
question = st.integers(1, 0xFFFF)
answer = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E),
    min_size=1,
    max_size=MAX_ANSWER,
)
detail = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=MAX_DETAIL
)


@st.composite
def start_question(draw: st.DrawFn) -> StartQuestion:
    kind = draw(st.sampled_from(QuestionKind))
    choice = kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
    options = draw(st.integers(2, 10)) if choice else 0
    return StartQuestion(draw(question), kind, options)


messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(Hello, u8, st.tuples(u8, u8, u8), u8, u32, u16),
    st.builds(Heartbeat, u32, u16, u16),
    st.builds(VoteReport, u16, u32, u8, i8, u16, answer),
    st.builds(BatteryReport, u32, st.integers(0, 100) | st.just(255), u16, i8),
    st.builds(Ack, u8, u8),
    st.builds(ErrorReport, u8, u8, u8, detail),
    st.builds(HelloRequest, u8),
    start_question(),
    st.builds(StopQuestion, question),
    st.builds(HostHeartbeat, u32),
    st.builds(VoteAck, u32, u8),
)

frames = st.tuples(messages, u8)
