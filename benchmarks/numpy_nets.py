"""Hand-written numpy forward and backward passes: im2col convolutions and the MLP and
CNN training steps with Adam, the floor that bench_training compares ambi against."""
import numpy as np


def _pads(size, k, padding):
    if padding == "VALID":
        return (0, 0)
    total = max(k - 1, 0)
    return (total // 2, total - total // 2)


def im2col(x, kh, kw, padding):
    """(N, H, W, C) -> (N, OH, OW, KH*KW*C) patches (stride 1), and the padded input."""
    ph, pw = _pads(x.shape[1], kh, padding), _pads(x.shape[2], kw, padding)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0))) if padding == "SAME" else x
    n, hp, wp, c = xp.shape
    oh, ow = hp - kh + 1, wp - kw + 1
    cols = np.empty((n, oh, ow, kh, kw, c), x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = xp[:, i:i + oh, j:j + ow, :]
    return cols.reshape(n, oh, ow, kh * kw * c), xp.shape, (ph, pw)


def conv_forward(x, f, padding="VALID"):
    kh, kw, c, o = f.shape
    cols, _, _ = im2col(x, kh, kw, padding)
    return _matmul2d(cols, f.reshape(kh * kw * c, o))


def _matmul2d(cols, f2):
    """(N, OH, OW, K) @ (K, O) as one 2-D BLAS call (numpy's matmul would loop over N*OH
    small products: 3x slower on the digits CNN's first layer)."""
    return (cols.reshape(-1, cols.shape[-1]) @ f2).reshape(cols.shape[:-1] + f2.shape[1:])


def conv_backward(x, f, g, padding="VALID"):
    """Forward, then the gradients of sum(y * g) with respect to x and f."""
    kh, kw, c, o = f.shape
    cols, xp_shape, (ph, pw) = im2col(x, kh, kw, padding)
    _ = _matmul2d(cols, f.reshape(kh * kw * c, o))
    n, oh, ow, _ = g.shape
    g2 = g.reshape(-1, o)
    gf = (cols.reshape(-1, kh * kw * c).T @ g2).reshape(f.shape)
    gcols = (g2 @ f.reshape(kh * kw * c, o).T).reshape(n, oh, ow, kh, kw, c)
    gxp = np.zeros(xp_shape, x.dtype)
    for i in range(kh):
        for j in range(kw):
            gxp[:, i:i + oh, j:j + ow, :] += gcols[:, :, :, i, j, :]
    return gxp[:, ph[0]:ph[0] + x.shape[1], pw[0]:pw[0] + x.shape[2], :], gf


def conv_layer_backward(cols, xp_shape, pads, x_shape, f, g, need_input=True):
    """Gradients of a stride-1 convolution from its saved patches: (gx or None, gf)."""
    kh, kw, c, o = f.shape
    n, oh, ow, _ = g.shape
    g2 = g.reshape(-1, o)
    gf = (cols.reshape(-1, kh * kw * c).T @ g2).reshape(f.shape)
    if not need_input:
        return None, gf
    gcols = (g2 @ f.reshape(kh * kw * c, o).T).reshape(n, oh, ow, kh, kw, c)
    gxp = np.zeros(xp_shape, g.dtype)
    for i in range(kh):
        for j in range(kw):
            gxp[:, i:i + oh, j:j + ow, :] += gcols[:, :, :, i, j, :]
    (ph, _), (pw, _) = pads
    return gxp[:, ph:ph + x_shape[1], pw:pw + x_shape[2], :], gf


def softmax_xent_grad(z, y):
    """Mean sparse softmax cross-entropy of logits z and its gradient."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return loss, p / np.float32(n)


class Adam:
    """Keras' Adam, as ambi's optimizer computes it."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        self.t += 1
        lr_t = np.float32(self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t))
        b1, b2 = np.float32(self.b1), np.float32(self.b2)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= lr_t * m / (np.sqrt(v) + np.float32(self.eps))


def mlp_step(params, opt, x, y):
    """One Adam step of a ReLU MLP (any depth) with softmax cross-entropy."""
    acts, pre = [x], []
    for k in range(0, len(params) - 2, 2):
        pre.append(acts[-1] @ params[k] + params[k + 1])
        acts.append(np.maximum(pre[-1], 0))
    loss, dz = softmax_xent_grad(acts[-1] @ params[-2] + params[-1], y)
    grads = [None] * len(params)
    for k in range(len(params) - 2, -1, -2):
        grads[k], grads[k + 1] = acts[k // 2].T @ dz, dz.sum(axis=0)
        if k:
            dz = (dz @ params[k].T) * (pre[k // 2 - 1] > 0)
    opt.step(params, grads)
    return loss


def cnn_step(params, opt, x, y):
    """One Adam step of the guide's CNN: conv-relu, conv-relu, global mean, dense."""
    f1, b1, f2, b2, w, b = params
    cols1, xp1, pads1 = im2col(x, 3, 3, "VALID")
    h1 = _matmul2d(cols1, f1.reshape(-1, f1.shape[3])) + b1
    a1 = np.maximum(h1, 0)
    cols2, xp2, pads2 = im2col(a1, 3, 3, "VALID")
    h2 = _matmul2d(cols2, f2.reshape(-1, f2.shape[3])) + b2
    a2 = np.maximum(h2, 0)
    pooled = a2.mean(axis=(1, 2))
    loss, dz = softmax_xent_grad(pooled @ w + b, y)
    gw, gb = pooled.T @ dz, dz.sum(axis=0)
    da2 = np.broadcast_to((dz @ w.T)[:, None, None, :] / np.float32(a2.shape[1] * a2.shape[2]),
                          a2.shape)
    dh2 = da2 * (h2 > 0)
    da1, gf2 = conv_layer_backward(cols2, xp2, pads2, a1.shape, f2, dh2)
    dh1 = da1 * (h1 > 0)
    _, gf1 = conv_layer_backward(cols1, xp1, pads1, x.shape, f1, dh1, need_input=False)
    opt.step(params, [gf1, dh1.sum(axis=(0, 1, 2)), gf2, dh2.sum(axis=(0, 1, 2)), gw, gb])
    return loss
