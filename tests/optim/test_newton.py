"""Newton's method on the engine's full Hessian: one step solves a positive-definite quadratic,
the Rosenbrock valley falls in far fewer steps than gradient descent needs, the joint Hessian
of several parameter tensors equals torch's, and the errors say what went wrong."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim.newton import flat_gradient_and_hessian


def rosenbrock(xy):
    """f(x, y) = (1 - x)² + 100 (y - x²)², minimum 0 at (1, 1)."""
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def quadratic_problem(n=6, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    A = (M @ M.T + n * np.eye(n)).astype(dtype)         # symmetric positive definite
    b = rng.normal(size=n).astype(dtype)
    return A, b


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_one_step_solves_a_positive_definite_quadratic(dtype, tol):
    A, b = quadratic_problem(dtype=dtype)
    # two parameter tensors, so the cross-blocks of the joint Hessian matter
    u = gg.tensor(np.zeros((2, 2), dtype=dtype), requires_grad=True)
    v = gg.tensor(np.zeros(2, dtype=dtype), requires_grad=True)
    At, bt = gg.tensor(A), gg.tensor(b)

    def closure():
        x = gg.cat([u.reshape(-1), v])
        return 0.5 * (x * (At @ x)).sum() - (bt * x).sum()      # ½ xᵀAx - bᵀx

    opt = optim.Newton([u, v])
    opt.step(closure)
    x = np.concatenate([u._data.reshape(-1), v._data])
    np.testing.assert_allclose(x, np.linalg.solve(A.astype(np.float64), b), atol=tol, rtol=tol)
    assert u.dtype == dtype and v.dtype == dtype


def newton_steps_to_minimum(opt_options, start=(-1.5, 2.0), tol=1e-6, max_steps=100):
    xy = gg.tensor(np.array(start), requires_grad=True)
    opt = optim.Newton([xy], **opt_options)
    values = []
    for step in range(1, max_steps + 1):
        values.append(opt.step(lambda: rosenbrock(xy)).item())
        if np.abs(xy._data - 1.0).max() < tol:
            return step, values
    return None, values


def gradient_descent_steps_to_minimum(lr=1e-3, start=(-1.5, 2.0), tol=1e-3, max_steps=2000):
    xy = gg.tensor(np.array(start), requires_grad=True)
    opt = optim.SGD([xy], lr=lr)
    for step in range(1, max_steps + 1):
        opt.zero_grad()
        rosenbrock(xy).backward()
        opt.step()
        if np.abs(xy._data - 1.0).max() < tol:
            return step
    return None


@pytest.fixture(scope="module")
def gradient_descent_steps():
    return gradient_descent_steps_to_minimum()


@pytest.mark.parametrize("options", [
    {},                                                  # pure Newton
    {"adaptive_damping": True, "damping": 1e-3},         # Levenberg-Marquardt
    {"line_search_fn": "backtracking"},                  # Armijo
    {"adaptive_damping": True, "line_search_fn": "backtracking"},
], ids=["pure", "levenberg-marquardt", "armijo", "lm+armijo"])
def test_rosenbrock_minimum_in_far_fewer_steps_than_gradient_descent(options,
                                                                      gradient_descent_steps):
    steps, values = newton_steps_to_minimum(options)
    assert steps is not None and steps <= 40, f"Newton{options} took {steps} steps"
    # gradient descent (lr 1e-3, about the largest stable one) does not even get within 1e-3
    # of the minimum in 2000 steps (it needs ~17,000 to get within 1e-6)
    assert gradient_descent_steps is None
    if options:                                          # the safeguarded variants descend
        assert all(b <= a for a, b in zip(values, values[1:]))


def test_levenberg_marquardt_grows_damping_on_failure_and_shrinks_it_on_success():
    xy = gg.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.Newton([xy], adaptive_damping=True, damping=1e-3, damping_increase=10.0,
                       damping_decrease=0.1)
    lams = []
    for _ in range(40):
        before = rosenbrock(xy).item()
        opt.step(lambda: rosenbrock(xy))
        assert rosenbrock(xy).item() <= before
        lams.append(opt.state[xy]["damping"])
    assert any(b > a for a, b in zip(lams, lams[1:])) or lams[0] > 1e-4     # grew somewhere
    assert lams[-1] < 1e-6                               # near the minimum: Newton's step


def test_joint_hessian_of_a_small_mlp_equals_torchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    W1, b1, W2 = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2))

    def loss_gg(W1, b1, W2):
        return (((gg.tensor(x) @ W1 + b1).tanh() @ W2 - gg.tensor(y)) ** 2).mean()

    params = [gg.tensor(a.copy(), requires_grad=True) for a in (W1, b1, W2)]
    g, H = flat_gradient_and_hessian(loss_gg(*params), params)

    def loss_torch(flat):
        W1_, b1_, W2_ = flat[:12].reshape(3, 4), flat[12:16], flat[16:].reshape(4, 2)
        return (((torch.tensor(x) @ W1_ + b1_).tanh() @ W2_ - torch.tensor(y)) ** 2).mean()

    flat = torch.tensor(np.concatenate([W1.ravel(), b1, W2.ravel()]), requires_grad=True)
    H_ref = torch.autograd.functional.hessian(loss_torch, flat).numpy()
    (g_ref,) = torch.autograd.grad(loss_torch(flat), flat)
    np.testing.assert_allclose(g, g_ref.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, H_ref, rtol=1e-9, atol=1e-12)
    assert H.shape == (24, 24)


def test_unused_parameter_gets_zero_rows():
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    unused = gg.tensor([3.0], requires_grad=True)
    linear = gg.tensor([0.5], requires_grad=True)
    loss = (a ** 3).sum() + (linear * 4.0).sum()
    g, H = flat_gradient_and_hessian(loss, [a, unused, linear])
    np.testing.assert_allclose(g, [3.0, 12.0, 0.0, 4.0])
    np.testing.assert_allclose(H, np.diag([6.0, 12.0, 0.0, 0.0]))


def test_too_many_parameters_names_the_count_and_the_memory():
    w = gg.zeros(100, 60, requires_grad=True)
    with pytest.raises(ValueError, match=r"6,000 parameters is 6,000 x 6,000 float64 = "
                                         r"274\.7 MiB.*max_params=5,000"):
        optim.Newton([w])
    optim.Newton([w], max_params=6000)                   # the threshold is configurable


def test_closure_errors_are_clear():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Newton([w])
    with pytest.raises(RuntimeError, match="Newton.step needs a closure"):
        opt.step()

    loss = (w ** 4).sum()
    loss.backward()                              # graph freed before Newton sees the loss
    with pytest.raises(RuntimeError, match=r"has no graph left \(its backward\(\) freed it\)"):
        opt.step(lambda: loss)
    with pytest.raises(RuntimeError, match="one-element loss Tensor"):
        opt.step(lambda: w ** 2)
    with pytest.raises(RuntimeError, match="has no graph"):
        opt.step(lambda: (w.detach() ** 2).sum())


def test_singular_hessian_without_damping_says_to_damp():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Newton([w])
    with pytest.raises(np.linalg.LinAlgError, match="singular; set damping > 0"):
        opt.step(lambda: (w.sum() - 1.0) ** 2)          # rank-1 Hessian
    optim.Newton([w], damping=1e-3).step(lambda: (w.sum() - 1.0) ** 2)


def test_options_are_validated_and_groups_refused():
    w = gg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid line_search_fn: 'wolfe'"):
        optim.Newton([w], line_search_fn="wolfe")
    with pytest.raises(ValueError, match="Invalid damping value: -1"):
        optim.Newton([w], damping=-1)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.Newton([{"params": [w]}, {"params": [gg.zeros(1, requires_grad=True)]}])


def test_state_dict_round_trip_keeps_the_damping():
    xy = gg.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.Newton([xy], adaptive_damping=True, damping=1.0)
    for _ in range(3):
        opt.step(lambda: rosenbrock(xy))
    sd = opt.state_dict()
    xy2 = gg.tensor(xy._data.copy(), requires_grad=True)
    fresh = optim.Newton([xy2], adaptive_damping=True)
    fresh.load_state_dict(sd)
    assert fresh.state[xy2]["damping"] == opt.state[xy]["damping"]
    opt.step(lambda: rosenbrock(xy))
    fresh.step(lambda: rosenbrock(xy2))
    np.testing.assert_array_equal(xy._data, xy2._data)


def test_line_search_falls_back_to_steepest_descent_where_newton_points_uphill():
    """f = -x² + x⁴/10 at x = 0.5: H < 0, so the Newton step heads for the local maximum at 0.
    Pure Newton takes it (f rises); with the line search, d = -g is used and f falls."""
    f = lambda x: (-(x ** 2) + 0.1 * x ** 4).sum()                  # noqa: E731
    pure = gg.tensor(np.array([0.5]), requires_grad=True)
    optim.Newton([pure]).step(lambda: f(pure))
    assert f(pure).item() > f(gg.tensor(np.array([0.5]))).item() and abs(pure.item()) < 0.5
    safe = gg.tensor(np.array([0.5]), requires_grad=True)
    optim.Newton([safe], line_search_fn="backtracking").step(lambda: f(safe))
    assert f(safe).item() < f(gg.tensor(np.array([0.5]))).item() and safe.item() > 0.5


def test_no_move_when_the_line_search_or_the_damping_finds_nothing():
    x = gg.tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Newton([x], lr=100.0, line_search_fn="backtracking", max_backtracks=0)
    opt.step(lambda: (x ** 4).sum())         # a step 100x too long, and no backtracking allowed
    assert x.item() == 1.0 and opt.state[x]["step_length"] == 0.0
    y = gg.tensor(np.array([0.5]), requires_grad=True)
    opt = optim.Newton([y], adaptive_damping=True, max_damping_tries=3)
    opt.step(lambda: -(y ** 2).sum())        # concave: H + λI not positive definite for λ < 2
    assert y.item() == 0.5
    assert opt.state[y]["damping"] == pytest.approx(1e-6 * 3 ** 2)   # grown at each try


@pytest.mark.parametrize("options", [{}, {"adaptive_damping": True},
                                     {"line_search_fn": "backtracking"},
                                     {"adaptive_damping": True, "line_search_fn": "backtracking"}])
def test_a_closure_that_calls_backward_as_for_lbfgs_takes_the_same_steps(options):
    """PyTorch's closure (zero_grad, loss, backward, return loss) and the plain one give the
    same iterates; the trial points of damping and line search evaluate it without a graph."""
    def run(pytorch_style):
        xy = gg.tensor(np.array([-1.5, 2.0]), requires_grad=True)
        opt = optim.Newton([xy], **options)

        def closure():
            if pytorch_style:
                opt.zero_grad()
            loss = rosenbrock(xy)
            if pytorch_style:
                loss.backward()
            return loss

        path, losses = [], []
        for _ in range(8):
            losses.append(opt.step(closure).item())
            path.append(xy._data.copy())
        return np.array(path), losses, xy

    plain_path, plain_losses, _ = run(False)
    torch_path, torch_losses, xy = run(True)
    np.testing.assert_array_equal(torch_path, plain_path)
    assert torch_losses == plain_losses
    assert np.abs(torch_path[-1] - 1.0).max() < np.abs(torch_path[0] - 1.0).max()  # it moved on
    # After the step, backward is itself again: it frees the graph and a second call fails.
    loss = rosenbrock(xy)
    loss.backward()
    with pytest.raises(RuntimeError):
        loss.backward()
