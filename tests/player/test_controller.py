"""PlaybackController without Qt: a fake clock and a sink that records what the page would be told."""

from __future__ import annotations

from dataclasses import dataclass, field

from replay_core.activity import InactiveSpan
from replay_core.markers import Marker, MarkerKind
from viewer.player.controller import PlaybackController, format_duration


@dataclass
class FakeClock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RecordingSink:
    calls: list[tuple] = field(default_factory=list)

    def seek(self, at_ms: float, play: bool) -> None:
        self.calls.append(("seek", at_ms, play))

    def pause(self) -> None:
        self.calls.append(("pause",))

    def set_speed(self, speed: float) -> None:
        self.calls.append(("speed", speed))


SPAN = InactiveSpan(10_000, 140_000)
MARKERS = [
    Marker(2_000, MarkerKind.CLICK, "Click"),
    Marker(8_000, MarkerKind.INPUT, "Input"),
    Marker(150_000, MarkerKind.CLICK, "Click"),
]


def make(skip: bool = True) -> tuple[PlaybackController, FakeClock, RecordingSink, list[str]]:
    clock, sink, notices = FakeClock(), RecordingSink(), []
    controller = PlaybackController(sink, clock=clock, skip_inactivity=skip)
    controller.on_notice(notices.append)
    controller.load(200_000, [SPAN], MARKERS)
    return controller, clock, sink, notices


def test_playing_advances_with_the_clock_and_speed() -> None:
    controller, clock, sink, _ = make()
    controller.play()
    clock.now += 2
    assert controller.position_ms == 2000
    controller.set_speed(4.0)
    clock.now += 1
    assert controller.position_ms == 6000
    assert sink.calls == [("seek", 0.0, True), ("speed", 4.0)]


def test_skip_jumps_over_the_inactive_span_in_one_seek() -> None:
    controller, clock, sink, notices = make()
    controller.seek(9_000)
    controller.play()
    clock.now += 1.5  # 1.5 s of wall time at 1x: now inside the span
    controller.tick()
    assert controller.position_ms == SPAN.end_ms
    assert sink.calls[-1] == ("seek", SPAN.end_ms, True)
    assert notices == ["Skipped 2 min 10 s of inactivity"]  # 129.5 s, rounded
    assert controller.playing


def test_without_skip_playback_goes_through_the_span() -> None:
    controller, clock, sink, notices = make(skip=False)
    controller.seek(9_000)
    controller.play()
    clock.now += 1.5
    controller.tick()
    assert controller.position_ms == 10_500
    assert notices == []


def test_seeking_into_a_span_while_paused_stays_there_and_playing_jumps() -> None:
    controller, clock, sink, notices = make()
    controller.seek(50_000)
    assert controller.position_ms == 50_000
    assert sink.calls[-1] == ("seek", 50_000, False)
    controller.play()
    assert controller.position_ms == SPAN.end_ms
    assert sink.calls[-1] == ("seek", SPAN.end_ms, True)
    assert notices == ["Skipped 1 min 30 s of inactivity"]


def test_seeking_into_a_span_while_playing_jumps_to_its_end() -> None:
    controller, clock, sink, _ = make()
    controller.play()
    controller.seek(60_000)
    assert controller.position_ms == SPAN.end_ms


def test_pause_keeps_the_position_and_tells_the_page() -> None:
    controller, clock, sink, _ = make()
    controller.play()
    clock.now += 3
    controller.pause()
    clock.now += 10
    assert controller.position_ms == 3000
    assert not controller.playing
    assert sink.calls[-1] == ("pause",)


def test_reaching_the_end_stops_and_play_restarts_from_the_start() -> None:
    controller, clock, sink, _ = make(skip=False)
    controller.seek(199_000)
    controller.play()
    clock.now += 5
    controller.tick()
    assert not controller.playing and controller.position_ms == 200_000
    controller.play()
    assert sink.calls[-1] == ("seek", 0.0, True)


def test_steps_and_markers() -> None:
    controller, clock, sink, _ = make()
    controller.step(5000)
    assert controller.position_ms == 5000
    controller.step(-10_000)
    assert controller.position_ms == 0
    controller.next_marker()
    assert controller.position_ms == 2000
    controller.next_marker()
    assert controller.position_ms == 8000
    controller.previous_marker()  # paused exactly on a marker: the one before it
    assert controller.position_ms == 2000
    controller.previous_marker()
    assert controller.position_ms == 0
    controller.seek(2500)
    controller.play()  # playing, the marker passed half a second ago is skipped
    controller.previous_marker()
    assert controller.position_ms == 0


def test_speed_steps_through_the_offered_speeds_and_stops_at_the_ends() -> None:
    controller, _, sink, _ = make()
    for _ in range(10):
        controller.faster()
    assert controller.speed == 16.0
    for _ in range(10):
        controller.slower()
    assert controller.speed == 0.5
    controller.set_speed(3.0)  # not offered: ignored
    assert controller.speed == 0.5


def test_durations_read_like_a_person_would_say_them() -> None:
    assert format_duration(40_000) == "40 s"
    assert format_duration(130_000) == "2 min 10 s"
    assert format_duration(120_000) == "2 min"
    assert format_duration(3_900_000) == "1 h 5 min"


def test_what_is_asked_while_the_next_replay_loads_is_done_once_it_is_in() -> None:
    """Its first page shows before the whole replay is read: Space and → pressed then are not lost, nor
    do they move the previous replay's timeline under the new page."""
    controller, clock, sink, _ = make(skip=False)
    controller.play()
    clock.now += 3
    controller.await_replay()
    assert not controller.playing and controller.duration_ms == 0 and controller.position_ms == 0
    sink.calls.clear()
    controller.toggle()  # Space
    controller.step(5000)  # →, twice
    controller.step(5000)
    assert controller.play_wanted and not controller.playing and sink.calls == []
    controller.load(60_000, [], [])
    assert controller.playing and controller.position_ms == 10_000
    assert sink.calls == [("seek", 10_000, False), ("seek", 10_000, True)]


def test_space_twice_while_loading_leaves_it_paused_and_a_failed_load_keeps_nothing() -> None:
    controller, _, sink, _ = make()
    controller.await_replay()
    controller.toggle()
    controller.toggle()
    controller.load(60_000, [], [])
    assert not controller.playing and controller.position_ms == 0
    controller.await_replay()
    controller.play()
    controller.seek(30_000)
    controller.load(0, [], [])  # the replay could not be shown
    assert not controller.playing and controller.position_ms == 0
    controller.load(60_000, [], [])  # the next replay does not inherit those wishes
    assert not controller.playing and controller.position_ms == 0
