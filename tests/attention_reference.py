"""Float64 references for attention, written as loops over batch items, heads and query
positions (slow and obviously correct; no einsum): what tests/test_attention.py checks
kerasmini against, and the third opinion of conformance/test_attention.py.

Masked keys: both of tf.keras's paths give them probability exactly 0 (exp of -1e9 or
of -2.4e38 underflows); they differ only on a query row that may see no key at all, which
the Softmax-layer path makes all zeros and the fused path a uniform average (`fused`).
"""
import numpy as np


def project(x, kernel, bias):
    """(B, L, D) x (D, N, H) (+ (N, H)) -> (B, L, N, H)."""
    b, length, _ = x.shape
    out = np.zeros((b, length) + kernel.shape[1:])
    for i in range(b):
        for t in range(length):
            out[i, t] = np.tensordot(x[i, t], kernel, axes=(0, 0))
    return out if bias is None else out + bias


def attention_reference(query, value, key, weights, num_heads, key_dim, use_bias,
                        mask=None, fused=False):
    """(output (B, T, out), scores (B, N, T, S)) of MultiHeadAttention in float64.

    `weights`: [Wq, (bq), Wk, (bk), Wv, (bv), Wo, (bo)]; `mask` broadcastable to
    (B, T, S), True where a query position may see a key position."""
    weights = [np.asarray(w, np.float64) for w in weights]
    step = 2 if use_bias else 1
    wq, wk, wv, wo = (weights[i * step:(i + 1) * step] for i in range(4))
    pad = lambda pair: (pair[0], pair[1] if use_bias else None)
    q = project(np.asarray(query, np.float64), *pad(wq))
    k = project(np.asarray(key, np.float64), *pad(wk))
    v = project(np.asarray(value, np.float64), *pad(wv))
    b, t_len, s_len = q.shape[0], q.shape[1], k.shape[1]
    allowed = np.ones((b, t_len, s_len), bool) if mask is None else np.broadcast_to(
        np.asarray(mask, bool), (b, t_len, s_len))
    scores = np.zeros((b, num_heads, t_len, s_len))
    heads = np.zeros((b, t_len, num_heads, v.shape[-1]))
    for i in range(b):
        for n in range(num_heads):
            for t in range(t_len):
                logits = np.array([q[i, t, n] @ k[i, s, n] for s in range(s_len)])
                logits = logits / np.sqrt(key_dim)
                seen = allowed[i, t]
                if not seen.any():
                    p = np.full(s_len, 1.0 / s_len) if fused else np.zeros(s_len)
                else:
                    e = np.where(seen, np.exp(logits - logits[seen].max()), 0.0)
                    p = e / e.sum()
                scores[i, n, t] = p
                heads[i, t, n] = sum(p[s] * v[i, s, n] for s in range(s_len))
    out = np.tensordot(heads, wo[0], axes=([2, 3], [0, 1]))
    return (out if not use_bias else out + wo[1]), scores


def einsum_dense_reference(equation, x, kernel, bias=None):
    """EinsumDense's output by one loop over every (output index, summed index) pair:
    the letters of `equation` ('...' spelled out by the caller) index the arrays."""
    inputs, output = equation.split("->")
    x_letters, k_letters = inputs.split(",")
    size = {}
    for letters, array in ((x_letters, x), (k_letters, kernel)):
        size.update(zip(letters, np.shape(array)))
    summed = [c for c in size if c not in output]
    out = np.zeros([size[c] for c in output])
    for out_index in np.ndindex(*out.shape):
        at = dict(zip(output, out_index))
        for sum_index in np.ndindex(*[size[c] for c in summed]):
            at.update(zip(summed, sum_index))
            out[out_index] += (float(x[tuple(at[c] for c in x_letters)])
                               * float(kernel[tuple(at[c] for c in k_letters)]))
    return out if bias is None else out + bias


def luong_reference(query, value, key, score, query_mask=None, value_mask=None,
                    causal=False):
    """(output, weights) of Attention / AdditiveAttention in float64: `score(q_t, k_s)`
    for each pair, masked keys excluded from the softmax (Keras subtracts 1e9: the same
    to double precision), masked queries give zero rows."""
    query, value, key = (np.asarray(a, np.float64) for a in (query, value, key))
    b, t_len, s_len = query.shape[0], query.shape[1], key.shape[1]
    weights = np.zeros((b, t_len, s_len))
    out = np.zeros((b, t_len, value.shape[-1]))
    for i in range(b):
        for t in range(t_len):
            seen = [(value_mask is None or value_mask[i, s]) and (not causal or s <= t)
                    for s in range(s_len)]
            logits = np.array([score(query[i, t], key[i, s]) for s in range(s_len)])
            e = np.where(seen, np.exp(logits - logits[seen].max()), 0.0)
            weights[i, t] = e / e.sum()
            if query_mask is None or query_mask[i, t]:
                out[i, t] = sum(weights[i, t, s] * value[i, s] for s in range(s_len))
    return out, weights
