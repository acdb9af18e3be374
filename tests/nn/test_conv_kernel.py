"""conv2d's numpy kernel against a direct float64 sum over the window, on every layout it
chooses between: few channels (tap-major patches), many (one strided view), and a
batch-contiguous input (the filter gradient's transposed views: batch and channels
swapped), with strides and SAME padding."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import ambi as am
from ambi.ops.nn import _conv_kernel


def _reference(x, f, strides, padding):
    """out[n,p,q,o] = sum_ijc xp[n, p*sh+i, q*sw+j, c] f[i,j,c,o], in float64."""
    (kh, kw, _, o), (sh, sw) = f.shape, strides
    n, h, w, _ = x.shape
    if padding == "SAME":
        oh, ow = -(-h // sh), -(-w // sw)
        ph, pw = max((oh - 1) * sh + kh - h, 0), max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            out += np.einsum("npqc,co->npqo", patch.astype(np.float64), f[i, j])
    return out


@st.composite
def conv_cases(draw):
    n, c, o = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 7)), draw(st.integers(kw, 7))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["VALID", "SAME"]))
    layout = draw(st.sampled_from(["contiguous", "batch-contiguous", "flipped"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    f = rng.standard_normal((kh, kw, c, o)).astype(np.float32)
    if layout == "batch-contiguous":  # as the filter gradient passes its input
        x = np.ascontiguousarray(x.transpose(3, 1, 2, 0)).transpose(3, 1, 2, 0)
        f = np.ascontiguousarray(f.transpose(2, 0, 1, 3)).transpose(1, 2, 0, 3)
    elif layout == "flipped":  # as the input gradient passes its filter
        f = np.ascontiguousarray(f[::-1, ::-1])[::-1, ::-1]
    return x, f, strides, padding


@given(conv_cases())
def test_conv_kernel_matches_the_window_sum_on_every_layout(case):
    x, f, strides, padding = case
    out = _conv_kernel(x, f, strides, padding)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _reference(x, f, strides, padding), rtol=1e-4, atol=1e-4)


def test_filter_gradient_of_a_wide_batch_matches_finite_differences():
    # many channels and a batch wider than the window: the strided patch view and the
    # swapped filter gradient both run
    rng = np.random.default_rng(0)
    x = am.constant(rng.standard_normal((6, 5, 5, 5)))
    f = am.constant(rng.standard_normal((3, 3, 5, 4)))
    w = am.constant(rng.standard_normal((6, 3, 3, 4)))

    def loss(x, f):
        return am.reduce_sum(am.conv2d(x, f) * w)

    def grads(x, f):
        with am.GradientTape() as tape:
            tape.watch([x, f])
            y = loss(x, f)
        return tape.gradient(y, [x, f])
    gx, gf = grads(x, f)
    gx_graph, gf_graph = am.function(grads)(x, f)
    np.testing.assert_allclose(np.asarray(gx), np.asarray(gx_graph), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(gf), np.asarray(gf_graph), rtol=1e-12, atol=1e-12)
    eps, fn = 1e-6, np.asarray(f).copy()
    for idx in [(0, 0, 0, 0), (1, 2, 3, 1), (2, 1, 4, 3)]:
        up, down = fn.copy(), fn.copy()
        up[idx] += eps
        down[idx] -= eps
        fd = (float(loss(x, am.constant(up))) - float(loss(x, am.constant(down)))) / (2 * eps)
        np.testing.assert_allclose(np.asarray(gf)[idx], fd, rtol=1e-6, atol=1e-6)
