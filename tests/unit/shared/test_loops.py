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


class Resting(PeriodicLoop):
    idle_seconds = 60.0

    def __init__(self) -> None:
        super().__init__()
        self.rounds = threading.Semaphore(0)

    def run_round(self) -> int:
        self.rounds.release()
        return 0


def test_wake_ends_a_rest_at_once_so_the_next_round_follows():
    loop = Resting()
    thread = threading.Thread(target=loop.run)
    thread.start()
    assert loop.rounds.acquire(timeout=5)  # the first round, then a 60-second rest
    loop.wake()
    assert loop.rounds.acquire(timeout=5)  # the rest ended: a second round
    loop.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_stop_ends_a_rest_without_waiting_for_it():
    loop = Resting()
    thread = threading.Thread(target=loop.run)
    thread.start()
    assert loop.rounds.acquire(timeout=5)
    loop.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
