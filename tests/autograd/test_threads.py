"""Grad mode, anomaly mode and strict broadcasting are per thread, as torch's are: two trainer
threads never switch each other's graph recording or debugging aids."""
import threading

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.debug import AnomalyError, BroadcastError, detect_anomaly, strict_broadcasting


def _in_thread(func):
    """Run func in a new thread; its result, or re-raise what it raised."""
    out = {}

    def target():
        try:
            out["value"] = func()
        except BaseException as exc:       # handed back to the test
            out["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_no_grad_in_another_thread_leaves_this_thread_recording():
    inside, go_on = threading.Event(), threading.Event()

    def other():
        with gg.no_grad():
            inside.set()
            go_on.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    try:
        x = gg.ones(3, requires_grad=True)
        y = (x * 2).sum()                 # recorded although the other thread is in no_grad
        assert gg.is_grad_enabled() and y.requires_grad
        y.backward()
        assert np.allclose(x.grad._data, 2)
    finally:
        go_on.set()
        t.join()


def test_a_new_thread_starts_with_grad_enabled_even_inside_no_grad():
    with gg.no_grad():
        assert _in_thread(gg.is_grad_enabled) is True
        assert not gg.is_grad_enabled()
    assert gg.is_grad_enabled()


def test_out_of_order_nesting_in_two_threads_restores_both():
    # Thread A enters no_grad, B enters no_grad, A leaves, B leaves: with one process-wide
    # flag this left grad mode off for good; per thread each restores its own.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with gg.no_grad():
            a_in.set()
            b_in.wait(5)
        seen["a"] = gg.is_grad_enabled()
        a_out.set()

    def b():
        a_in.wait(5)
        with gg.no_grad():
            b_in.set()
            a_out.wait(5)
        seen["b"] = gg.is_grad_enabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": True, "b": True}
    assert gg.is_grad_enabled()


def test_backward_in_another_thread_does_not_turn_recording_off_here():
    started, go_on = threading.Event(), threading.Event()

    class Slow(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            started.set()                 # the other thread is now inside backward
            go_on.wait(5)
            return grad

    def other():
        x = gg.ones(2, requires_grad=True)
        Slow.apply(x).sum().backward()    # backward runs with grad mode off in that thread

    t = threading.Thread(target=other)
    t.start()
    started.wait(5)
    try:
        w = gg.ones(2, requires_grad=True)
        assert (w * 3).sum().requires_grad
    finally:
        go_on.set()
        t.join()


def test_two_trainer_threads_get_the_same_weights_as_one():
    # Each step evaluates under no_grad in between, as trainers do; with one process-wide
    # flag the other thread's no_grad switched this thread's recording off mid-step.
    rng = np.random.default_rng(0)
    data = rng.standard_normal((64, 5)).astype(np.float32)
    w0 = rng.standard_normal((1, 5)).astype(np.float32)

    def train(steps=300):
        model = gg.nn.Linear(5, 1)
        with gg.no_grad():
            model.weight.copy_(gg.tensor(w0))
            model.bias.zero_()
        opt = gg.optim.SGD(model.parameters(), lr=0.01)
        x = gg.tensor(data)
        for _ in range(steps):
            opt.zero_grad()
            loss = ((model(x) - 1.0) ** 2).mean()
            loss.backward()
            opt.step()
            with gg.no_grad():
                model(x).sum()
        return model.weight._data.copy()

    alone = train()
    results, errors = [None, None], []

    def worker(i):
        try:
            results[i] = train()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for r in results:
        np.testing.assert_array_equal(r, alone)


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_detect_anomaly_in_one_thread_does_not_raise_in_another():
    inside, go_on = threading.Event(), threading.Event()

    def other():
        with detect_anomaly():
            inside.set()
            go_on.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    try:
        gg.tensor([-1.0]).log()          # NaN here, but anomaly mode is the other thread's
    finally:
        go_on.set()
        t.join()
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            gg.tensor([-1.0]).log()


def test_strict_broadcasting_is_per_thread():
    def broadcast():
        return (gg.ones(3) - gg.ones(3, 1)).shape

    with strict_broadcasting():
        assert _in_thread(broadcast) == (3, 3)
        with pytest.raises(BroadcastError):
            broadcast()
