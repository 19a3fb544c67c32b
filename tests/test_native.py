"""The native CPU kernels (models/native.py) compute what the torch implementation computes,
keep stacked members independent, and give way to torch operations where they cannot serve; the
C side's own list of its functions is the whole contract."""
import re
import shutil

import pytest
import torch

from bench.train.loop import train_members
from bench.train.settings import TrainSettings
from bench.train.windows import series_windows
from models import BuildArgs, MODELS, implementation, native
from models.implementation import take_record
from models.recurrence import GATES
from models.recurrent import Recurrent
from models.stacked import member_generators

needs_compiler = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler on this machine")

# (K, B, T, F, H, O): odd sizes reach every tail of the tiled products and vectorised gates
SHAPES = [(3, 4, 5, 2, 6, 1), (2, 9, 7, 3, 20, 2), (16, 8, 10, 1, 64, 1), (1, 1, 1, 1, 1, 1), (2, 5, 4, 28, 100, 10)]


@needs_compiler
def test_the_kernels_build_on_a_machine_with_a_compiler():
    assert native.library() is not None, native.why_not()


@needs_compiler
def test_every_function_the_c_file_defines_for_python_is_in_its_list():
    """The C side lists its exported functions once (EXPORTS, checked against the definitions by
    the compiler); Python binds exactly those, so no function can be called with a guessed signature."""
    text = native.SOURCE.read_text()
    defined = set(re.findall(r"^(?:int|int64_t|void|const char \*)\s*(\w+)\(", text, re.M)) - {"seqbench_export"}
    lib = native.library()
    assert {e.name for e in lib.exports} == defined
    assert lib.mse_train_step.params[:3] == ["kind", "K", "T"]  # parsed from the C text


@needs_compiler
def test_calls_go_by_name_and_a_wrong_name_or_kind_is_refused():
    lib = native.library()
    assert lib.network_floats(kind="gru", K=2, T=3, B=4, H=5, O=1, keep=1) > 0
    with pytest.raises(TypeError, match="network_floats\\(\\) wants"):
        lib.network_floats(kind="gru", K=2, T=3, B=4, H=5, keep=1)  # O missing
    with pytest.raises(TypeError, match="has no parameter F"):
        lib.network_floats(kind="gru", K=2, T=3, B=4, H=5, O=1, keep=1, F=2)
    with pytest.raises(ValueError, match="network_floats: unknown kind b'elman'"):
        lib.network_floats(kind="elman", K=2, T=3, B=4, H=5, O=1, keep=1)


@needs_compiler
def test_work_sizes_come_from_the_c_side_and_grow_with_the_members():
    lib = native.library()
    one = lib.mse_train_step_floats(kind="lstm", T=7, B=5, H=9, O=2)
    one_, two, three = (lib.network_floats(kind="lstm", K=K, T=7, B=5, H=9, O=2, keep=1) for K in (1, 2, 3))
    assert one_ == one and two < 2 * one and three - two == two - one  # each member keeps its own state
    assert lib.network_floats(kind="lstm", K=3, T=7, B=5, H=9, O=2, keep=0) == one  # or shares one member's


def _pair(kind, K, F, H, O):
    """A float32 network and a float64 copy of it."""
    net = Recurrent(kind, member_generators(list(range(K))), F, H, O)
    ref = Recurrent(kind, member_generators(list(range(K))), F, H, O).double()
    with torch.no_grad():
        for a, b in zip(ref.parameters(), net.parameters()):
            a.copy_(b)
    return net, ref


@needs_compiler
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "K{}B{}T{}F{}H{}O{}".format(*s))
@pytest.mark.parametrize("kind", list(GATES))
def test_network_matches_float64_autograd(kind, shape):
    K, B, T, F, H, O = shape
    net, ref = _pair(kind, K, F, H, O)
    x = torch.randn(K, B, T, F, generator=torch.Generator().manual_seed(1))
    y = net(x)
    assert type(y.grad_fn).__name__ == "NetworkBackward"  # the native path ran
    y_ref = ref(x.double())  # torch operations, float64
    assert take_record(net) == {"native"} and take_record(ref) == {"torch"}
    torch.testing.assert_close(y.double(), y_ref, atol=2e-6, rtol=0)
    grads = torch.autograd.grad(y.square().sum(), list(net.parameters()))
    ref_grads = torch.autograd.grad(y_ref.square().sum(), list(ref.parameters()))
    assert T == 1 or all(a.abs().max() > 0 for a in grads)  # at T = 1, w_hh meets only the zero state
    for a, e in zip(grads, ref_grads):
        torch.testing.assert_close(a.double(), e, atol=2e-6 * max(1.0, e.abs().max().item()), rtol=0)


@needs_compiler
@pytest.mark.parametrize("kind", list(GATES))
def test_native_and_torch_training_agree(kind, noisy_series, monkeypatch):
    ws = series_windows(noisy_series, 6)
    cfg = TrainSettings(epochs=3, lr=0.01, batch_size=8, optimizer="adam")
    nets = []
    for use_native in (True, False):
        if not use_native:
            monkeypatch.setattr(native, "library", lambda: None)
        net = MODELS[kind].build(BuildArgs((3, 5), 1, 1, 6, 16))
        train_members(net, ws, None, [3, 5], cfg)
        nets.append(net)
    for p, q in zip(*(n.parameters() for n in nets)):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=0)


@needs_compiler
@pytest.mark.parametrize("kind", list(GATES))
def test_a_forward_without_gradient_gives_the_autograd_nodes_numbers(kind):
    """Without autograd the members share one member's buffers, reused from call to call."""
    net = Recurrent(kind, member_generators([0, 1, 2]), 2, 9, 2)
    g = torch.Generator().manual_seed(9)
    for B in (5, 11, 3):
        x = torch.randn(3, B, 4, 2, generator=g)
        with torch.no_grad():
            plain = net(x)
        assert torch.equal(plain, net(x).detach())
    assert take_record(net) == {"native"}


@needs_compiler
def test_large_inputs_without_autograd_take_the_torch_loop(monkeypatch):
    net = Recurrent("gru", member_generators([0, 1]), 2, 8, 1)
    x = torch.randn(2, 30, 5, 2, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        small = net(x)
        assert take_record(net) == {"native"}
        monkeypatch.setattr(implementation, "NO_GRAD_ELEMENTS", 2 * 30 * 5 * 24 - 1)
        large = net(x)
        assert take_record(net) == {"torch"}
    torch.testing.assert_close(small, large, atol=1e-6, rtol=0)


def test_a_compiler_that_fails_leaves_the_torch_path(monkeypatch, tmp_path, noisy_series):
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", "false")  # exits 1 for any arguments
    native.library.cache_clear()
    try:
        assert native.library() is None
        assert "false failed" in native.why_not()
        assert list(tmp_path.iterdir()) == []  # no half-written library left behind
        net = MODELS["rnn"].build(BuildArgs((0,), 1, 1, 6, 4))
        log = train_members(net, series_windows(noisy_series, 6), None, [0],
                            TrainSettings(epochs=1, lr=0.01, batch_size=8, optimizer="sgd"))
        assert log.steps > 0
    finally:
        native.library.cache_clear()


def test_the_switch_turns_the_native_path_off(monkeypatch):
    monkeypatch.setenv("SEQBENCH_IMPL", "torch")
    net = Recurrent("lstm", member_generators([0]), 1, 4, 1)
    y = net(torch.randn(1, 3, 5, 1))
    assert type(y.grad_fn).__name__ != "NetworkBackward" and take_record(net) == {"torch"}
    assert net.mse_step(torch.randn(1, 3, 5, 1), torch.randn(1, 3, 1)) is None


@needs_compiler
@pytest.mark.parametrize("kind", list(GATES))
def test_the_step_without_autograd_gives_autograds_losses_and_gradients(kind):
    from bench.train.loop import member_losses
    net = Recurrent(kind, member_generators([0, 1, 2]), 2, 12, 3)
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(3, 7, 6, 2, generator=g), torch.randn(3, 7, 3, generator=g)
    ref = member_losses(net(x), y, False)
    ref_grads = torch.autograd.grad(ref.sum(), list(net.parameters()))
    losses = net.mse_step(x, y)
    assert not losses.requires_grad
    torch.testing.assert_close(losses, ref.detach(), atol=1e-7, rtol=1e-6)
    for p, e in zip(net.parameters(), ref_grads):
        assert p.grad is not None and p.grad.shape == p.shape
        torch.testing.assert_close(p.grad, e, atol=1e-7, rtol=1e-5)
    with torch.no_grad():
        assert net.mse_step(x, y) is None  # evaluation never takes a training step


@needs_compiler
def test_a_step_too_large_for_the_reused_scratch_buffer_gives_the_same_gradients(monkeypatch):
    net = Recurrent("lstm", member_generators([0, 1]), 3, 10, 2)
    g = torch.Generator().manual_seed(6)
    x, y = torch.randn(2, 5, 4, 3, generator=g), torch.randn(2, 5, 2, generator=g)
    small = net.mse_step(x, y).clone(), [p.grad.clone() for p in net.parameters()]
    monkeypatch.setattr(native, "SCRATCH_FLOATS", 16)
    large = net.mse_step(x, y), [p.grad for p in net.parameters()]
    assert torch.equal(small[0], large[0])
    assert all(torch.equal(a, b) for a, b in zip(small[1], large[1]))


@needs_compiler
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_the_mlp_step_without_autograd_gives_autograds_losses_and_gradients(layers):
    from bench.train.loop import member_losses
    net = MODELS["mlp"].build(BuildArgs((0, 1, 2), 2, 3, 5, 13, layers))
    g = torch.Generator().manual_seed(7)
    x, y = torch.randn(3, 9, 5, 2, generator=g), torch.randn(3, 9, 3, generator=g)
    ref = member_losses(net(x), y, False)
    ref_grads = torch.autograd.grad(ref.sum(), list(net.parameters()))
    losses = net.mse_step(x, y)
    torch.testing.assert_close(losses, ref.detach(), atol=1e-7, rtol=1e-6)
    for p, e in zip(net.parameters(), ref_grads):
        assert e.abs().max() > 0
        torch.testing.assert_close(p.grad, e, atol=1e-7, rtol=1e-5)


@needs_compiler
def test_large_weights_with_large_batches_take_the_torch_path(monkeypatch):
    rnn = Recurrent("gru", member_generators([0, 1]), 2, 8, 1)  # W_hh: 8 × 24 = 192 floats per member
    mlp = MODELS["mlp"].build(BuildArgs((0, 1), 2, 1, 4, 8))  # largest: 8 × 8 = 64
    x, y = torch.randn(2, 3, 4, 2), torch.randn(2, 3, 1)
    monkeypatch.setattr(implementation, "MAX_WEIGHT_FLOATS", 191)
    assert rnn.mse_step(x, y) is not None  # a batch of 3 rows: native at any weight size
    monkeypatch.setattr(implementation, "LARGE_BATCH", 2)
    assert type(rnn(x).grad_fn).__name__ != "NetworkBackward"
    assert rnn.mse_step(x, y) is None
    assert mlp.mse_step(x, y) is not None
    monkeypatch.setattr(implementation, "MAX_WEIGHT_FLOATS", 63)
    assert mlp.mse_step(x, y) is None


@needs_compiler
def test_the_prepared_step_follows_new_shapes_strided_batches_and_moved_gradients():
    net = Recurrent("rnn", member_generators([0, 1]), 1, 6, 1)
    g = torch.Generator().manual_seed(8)
    xs, ys = torch.randn(2, 11, 4, 1, generator=g), torch.randn(2, 11, 1, generator=g)

    def expected(x, y):
        from bench.train.loop import member_losses
        losses = member_losses(net(x), y, False)
        return losses.detach(), torch.autograd.grad(losses.sum(), list(net.parameters()))
    for x, y in [(xs[:, :8], ys[:, :8]), (xs[:, 8:], ys[:, 8:]), (xs[:, :8].contiguous(), ys[:, :8])]:
        assert not x.is_contiguous() or x.shape[1] == 8
        losses, grads = net.mse_step(x, y), [p.grad.clone() for p in net.parameters()]
        ref_losses, ref_grads = expected(x, y)
        torch.testing.assert_close(losses, ref_losses, atol=1e-7, rtol=1e-6)
        for a, e in zip(grads, ref_grads):
            torch.testing.assert_close(a, e, atol=1e-7, rtol=1e-5)
    for p in net.parameters():  # e.g. an autograd step in between set them to None
        p.grad = None
    net.mse_step(xs[:, :8], ys[:, :8])
    assert all(p.grad is not None for p in net.parameters())


@needs_compiler
def test_warm_up_builds_the_kernels_before_any_clock_starts(monkeypatch, tmp_path):
    from bench.train.loop import warm_up
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path))
    native.library.cache_clear()
    try:
        warm_up()
        assert [p.suffix for p in tmp_path.iterdir()] == [".so"]
        assert native.library.cache_info().currsize == 1  # loaded, not just built
    finally:
        native.library.cache_clear()
