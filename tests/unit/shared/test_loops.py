"""The background-loop skeleton: rounds until stopped, resting only after idle rounds."""

import threading

from shared.loops import PeriodicLoop


class Counting(PeriodicLoop):
    idle_seconds = 60.0  # long: a test that waited for it would time out

    def __init__(self, work: list[int]) -> None:
        super().__init__()
        self.work = work
        self.rounds = 0

    def run_round(self) -> int:
        self.rounds += 1
        if not self.work:
            self.stop()
            return 0
        return self.work.pop(0)


def test_busy_rounds_follow_each_other_without_rest_and_stop_ends_the_loop():
    loop = Counting([3, 1, 2])
    thread = threading.Thread(target=loop.run)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert loop.rounds == 4


def test_stop_before_run_runs_no_round():
    loop = Counting([1])
    loop.stop()
    loop.run()
    assert loop.rounds == 0
