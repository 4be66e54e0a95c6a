"""Which recording time each frame of a clip shows (replay_core.clip), and where the pointer is then."""

from __future__ import annotations

import pytest

from replay_core import inactive_spans, read_recording
from replay_core.activity import InactiveSpan, active_ms
from replay_core.clip import CAPTION_MS, RIPPLE_MS, ClipError, EventTimes, PointerTrack, plan_clip
from tests.paths import RRWEB_FIXTURES

VUE = next(p for p in RRWEB_FIXTURES if "vue_idle-gap" in p.name)


def test_ten_seconds_at_five_fps_are_fifty_frames_at_exact_times() -> None:
    plan = plan_clip(60_000, fps=5, from_ms=2000, to_ms=12_000)
    assert [f.at_ms for f in plan.frames] == [2000 + 200 * i for i in range(50)]
    assert plan.duration_s == 10.0
    assert all(f.skipped_ms == 0 for f in plan.frames)


def test_speed_shows_more_recording_per_frame() -> None:
    plan = plan_clip(60_000, fps=10, from_ms=0, to_ms=8000, speed=4)
    assert len(plan.frames) == 20  # 8 s of recording at 4x is 2 s of video
    assert plan.frames[1].at_ms == 400


def test_a_range_that_is_not_a_whole_number_of_frames_ends_before_its_end() -> None:
    plan = plan_clip(60_000, fps=10, from_ms=0, to_ms=1050)
    assert len(plan.frames) == 11 and plan.frames[-1].at_ms == 1000


def test_skipping_jumps_over_the_span_and_holds_a_caption() -> None:
    spans = [InactiveSpan(5000, 46_000)]
    plan = plan_clip(60_000, fps=10, from_ms=0, to_ms=50_000, skip=spans)
    captions = [f for f in plan.frames if f.skipped_ms]
    assert len(captions) == round(CAPTION_MS / 100)  # a second of video at 10 fps
    assert {f.skipped_ms for f in captions} == {41_000}
    assert {f.at_ms for f in captions} == {46_000}  # the moment after the jump, as the player lands there
    times = [f.at_ms for f in plan.frames if not f.skipped_ms]
    assert times[49] == 4900 and times[50] == 46_000  # nothing of the span is shown
    assert plan.active_ms == 9000
    assert plan.duration_s == pytest.approx(9.0 + CAPTION_MS / 1000)


def test_a_clip_starting_or_ending_in_a_span_skips_only_its_part_in_the_range() -> None:
    spans = [InactiveSpan(0, 3000), InactiveSpan(8000, 20_000)]
    plan = plan_clip(20_000, fps=5, from_ms=1000, to_ms=10_000, skip=spans)
    assert plan.frames[0].skipped_ms == 2000 and plan.frames[0].at_ms == 3000
    assert plan.frames[-1].at_ms == 7800  # the span reaching the end ends the clip, with no caption
    assert plan.active_ms == 5000
    assert len(plan.frames) == 25 + 5


def test_a_clip_of_a_real_recording_is_its_active_time_plus_captions() -> None:
    recording = read_recording(VUE)
    spans = inactive_spans(recording.events)
    plan = plan_clip(recording.duration_ms, fps=10, skip=spans)
    captions = sum(1 for f in plan.frames if f.skipped_ms)
    assert plan.active_ms == pytest.approx(active_ms(recording.duration_ms, spans))
    assert len(plan.frames) - captions == -(-plan.active_ms // 100)
    assert captions == 10 * len(spans)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"from_ms": 61_000}, "--from 61 s is outside the replay"),
        ({"from_ms": -1}, "--from -0.001 s is outside the replay"),
        ({"to_ms": 70_000}, "--to 70 s is past the end of the replay"),
        ({"from_ms": 5000, "to_ms": 5000}, "must come after --from"),
        ({"fps": 0}, "--fps must be above 0"),
        ({"fps": 500}, "--fps must be above 0"),
        ({"speed": 0}, "--speed must be above 0"),
        ({"speed": float("nan")}, "finite"),
    ],
)
def test_a_range_or_rate_that_cannot_be_a_clip_is_one_line(kwargs: dict[str, float], message: str) -> None:
    arguments = {"fps": 10.0, **kwargs}
    with pytest.raises(ClipError, match=message.replace("(", r"\(")):
        plan_clip(60_000, **arguments)


def test_a_range_that_is_all_skipped_inactivity_has_no_frames() -> None:
    with pytest.raises(ClipError, match="no frames"):
        plan_clip(60_000, fps=10, from_ms=10_000, to_ms=20_000, skip=[InactiveSpan(5000, 30_000)])


def _move(ts: int, *positions: tuple[int, int, int]) -> dict[str, object]:
    return {
        "type": 3,
        "timestamp": ts,
        "data": {"source": 1, "positions": [{"x": x, "y": y, "id": 7, "timeOffset": off} for x, y, off in positions]},
    }


def test_the_pointer_is_at_its_last_recorded_position_not_at_the_end_of_its_batch() -> None:
    events = [
        {"type": 4, "timestamp": 1000, "data": {"href": "x", "width": 800, "height": 600}},
        # One batch sent at 1500 ms holding the moves of the 450 ms before it.
        _move(1500, (10, 10, -450), (20, 20, -300), (30, 30, -150), (40, 40, 0)),
        {"type": 3, "timestamp": 1700, "data": {"source": 2, "type": 2, "id": 9, "x": 55, "y": 66}},
        {"type": 3, "timestamp": 1800, "data": {"source": 2, "type": 5, "id": 9}},  # a focus moves nothing
    ]
    track = PointerTrack(events)
    assert track.at(0) is None
    assert (track.at(60).x, track.at(60).y) == (10, 10)  # type: ignore[union-attr]
    assert (track.at(250).x, track.at(250).y) == (20, 20)  # type: ignore[union-attr]
    assert (track.at(500).x, track.at(500).y) == (40, 40)  # type: ignore[union-attr]
    assert (track.at(900).x, track.at(900).node) == (55, 9)  # type: ignore[union-attr]
    assert [round(age, 2) for _, age in track.ripples(700)] == [0.0]
    assert [round(age, 2) for _, age in track.ripples(950)] == [0.5]
    assert track.ripples(700 + RIPPLE_MS + 1) == []


def test_a_frame_needs_drawing_only_when_an_event_falls_before_it_since_the_last() -> None:
    events = [{"type": 4, "timestamp": 1000, "data": {}}, {"type": 3, "timestamp": 1500, "data": {"source": 0}}]
    times = EventTimes(events)
    assert not times.any_between(100, 400)
    assert times.any_between(400, 600)  # the mutation at 500 ms is applied by a seek to 600
    assert not times.any_between(300, 500)  # ... but not by a seek to 500 itself
    assert times.any_between(500, 600)
    assert not times.any_between(600, 900)
