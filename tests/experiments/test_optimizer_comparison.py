"""The optimizer_comparison experiment at size "small": Newton reaches the Rosenbrock minimum
in a few steps, every optimiser's MLP training loss falls, and the figures are written."""
import json
import math

import pytest

from glassgrad import experiments

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")          # the digits ship inside scikit-learn


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("optimizer_comparison")
    return experiments.run("optimizer_comparison", size="small", out_dir=str(out), seed=0)


@pytest.mark.slow
def test_newton_reaches_the_rosenbrock_minimum_in_a_few_steps(results):
    rosen = results["rosenbrock"]["optimizers"]
    assert set(rosen) == {"SGD", "Momentum", "Adam", "RAdam", "Lookahead", "Newton"}
    newton = rosen["Newton"]["steps_to_minimum"]
    assert newton is not None and newton <= 10
    assert rosen["Newton"]["final_point"] == pytest.approx([1.0, 1.0], abs=1e-3)
    first_order = [r["steps_to_minimum"] for name, r in rosen.items() if name != "Newton"]
    # no first-order method is within 50x of Newton's step count (most do not get there at
    # all in the small size's 2000 steps)
    assert all(s is None or s > 50 * newton for s in first_order)
    for name, r in rosen.items():              # every one made progress down the valley
        assert r["final_loss"] < 0.5 * results["rosenbrock"]["losses"][name][0], name


@pytest.mark.slow
def test_every_optimiser_lowers_the_mlp_training_loss(results):
    mlp = results["mlp"]
    assert mlp["n_parameters"] == 64 * mlp["hidden"] + mlp["hidden"] + mlp["hidden"] * 10 + 10
    for name, r in mlp["optimizers"].items():
        assert math.isfinite(r["final_loss"]), name
        assert r["final_loss"] < 0.5 * r["initial_loss"], name
        assert r["test_accuracy"] > 0.5, name        # well above chance (0.1)
    # Newton gets the training loss below 0.1 in fewer steps than any first-order optimiser
    # (each of its steps costs a backward pass per parameter, though)
    newton = mlp["optimizers"]["Newton"]["steps_to_target"]
    assert newton is not None and newton <= mlp["optimizers"]["Newton"]["steps"]
    for name, r in mlp["optimizers"].items():
        if name != "Newton":
            assert r["steps_to_target"] is None or r["steps_to_target"] > newton, name


@pytest.mark.slow
def test_figures_are_pngs_and_results_are_json(results):
    assert len(results["figures"]) == 2
    for path in results["figures"]:
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    json.dumps(results)                        # plain numbers, lists and strings


def test_the_rosenbrock_figure_keeps_every_path_in_frame_and_names_start_and_minimum(tmp_path):
    import numpy as np
    from glassgrad.experiments import optimizer_comparison as oc
    wild = {name: {"path": np.array([oc.START, (0.2, -2.7), (-2.4, 0.5), (1.0, 1.0)]),
                   "steps_to_minimum": 3 if name == "Newton" else None,
                   "losses": [10.0, 5.0, 1.0]} for name in oc.NAMES}
    figure = oc.draw_rosenbrock(wild, str(tmp_path / "rosenbrock.png"))
    ax = figure.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < -2.4 and x1 >= 2.0 and y0 < -2.7 and y1 >= 3.0     # nothing drawn off the edge
    labels = ax.get_legend_handles_labels()[1]
    assert "start (-1.5, 2)" in labels and "minimum (1, 1)" in labels
    assert "Newton (3 steps)" in labels and "SGD (not reached)" in labels
    assert (tmp_path / "rosenbrock.png").stat().st_size > 0


def test_the_mlp_legend_shows_the_measured_times(results):
    import numpy as np
    from glassgrad.experiments import optimizer_comparison as oc
    mlp = dict(results["mlp"], optimizers={
        name: dict(r, losses=results["mlp"]["losses"][name])
        for name, r in results["mlp"]["optimizers"].items()})
    figure = oc.draw_mlp(mlp, str(results["figures"][1]) + ".again.png")
    labels = figure.axes[0].get_legend_handles_labels()[1]
    for label, (name, r) in zip(labels, mlp["optimizers"].items()):
        assert label.startswith(name) and f"({r['seconds']:.2g} s)" in label
    assert np.isfinite([r["seconds"] for r in mlp["optimizers"].values()]).all()
