"""CTC loss (Graves et al. 2006): -log p(labels | logits), p summed over every alignment of
the labels to the time steps (blanks between and around them, repeats merged), by the
forward-backward recursion, with its gradient with respect to the logits.

Shapes: logits (batch, steps, classes), labels (batch, max_label_length) integers,
label_length and logit_length (batch,). The labels are spread over 2 L + 1 "states"
(blank, l1, blank, l2, ..., blank); a path moves from state s to s, s + 1, or s + 2
when that skips a blank between two different labels.

The recursion runs over time steps (each step depends on the last), vectorized over the
batch and the states, in log space and float64 whatever the logits' dtype: a float32
product of hundreds of probabilities is where rounding would accumulate; the result is
cast back.
"""
import numpy as np

NEG_INF = -np.inf


def _log_softmax(x):
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _shifted(a, by):
    """a moved `by` states to the right along the last axis, -inf coming in."""
    out = np.full_like(a, NEG_INF)
    if by < a.shape[-1]:
        out[..., by:] = a[..., :-by]
    return out


def _states(labels, label_length, blank):
    """(the class of each state (batch, S), the states a path may reach by skipping)."""
    batch, longest = labels.shape
    states = np.full((batch, 2 * longest + 1), blank, dtype=np.int64)
    states[:, 1::2] = labels
    previous_label = _shifted(states.astype(np.float64), 2)
    skip = (states != blank) & (states != previous_label)
    skip[:, :2] = False
    inside = np.arange(states.shape[1]) < 2 * np.asarray(label_length)[:, None] + 1
    return states, skip, inside


def ctc_loss_and_vjp(labels, logits, label_length, logit_length, blank=0):
    """(loss of shape (batch,), the rule taking d(loss) to d(logits))."""
    dtype = logits.dtype
    log_probs = _log_softmax(np.asarray(logits, np.float64))
    batch, steps, _ = log_probs.shape
    states, skip, inside = _states(np.asarray(labels, np.int64), label_length, blank)
    emissions = np.take_along_axis(log_probs, np.broadcast_to(
        states[:, None, :], (batch, steps, states.shape[1])), axis=2)
    emissions = np.where(inside[:, None, :], emissions, NEG_INF)
    last = np.asarray(logit_length, np.int64) - 1
    alpha = _forward(emissions, skip)
    beta = _backward(emissions, skip, last, np.asarray(label_length, np.int64))
    with np.errstate(invalid="ignore"):
        log_likelihood = np.logaddexp.reduce(alpha[:, 0] + beta[:, 0], axis=-1)
        occupancy = np.exp(alpha + beta - log_likelihood[:, None, None])
    occupancy = np.nan_to_num(occupancy)  # an impossible alignment: no path, no share
    in_time = (np.arange(steps)[None, :] <= last[:, None])[..., None]
    one_hot = (states[..., None] == np.arange(log_probs.shape[2])).astype(np.float64)
    # d(-log p)/d(logits) = softmax - the expected share of the paths in each class
    gradient = (np.exp(log_probs) - occupancy @ one_hot) * in_time

    def vjp(g):
        return (np.asarray(g, np.float64)[:, None, None] * gradient).astype(dtype)
    return (-log_likelihood).astype(dtype), vjp


def _forward(emissions, skip):
    """alpha[b, t, s]: log of the paths' probability over steps 0..t ending in state s."""
    alpha = np.full(emissions.shape, NEG_INF)
    alpha[:, 0, :2] = emissions[:, 0, :2]
    for t in range(1, emissions.shape[1]):
        previous = alpha[:, t - 1]
        reach = np.logaddexp(previous, _shifted(previous, 1))
        reach = np.logaddexp(reach, np.where(skip, _shifted(previous, 2), NEG_INF))
        alpha[:, t] = reach + emissions[:, t]
    return alpha


def _backward(emissions, skip, last, label_length):
    """beta[b, t, s]: log of the probability of steps t+1..last given state s at t (the
    emission at t excluded), 0 in the two final states at each sample's last step."""
    batch, steps, count = emissions.shape
    final = np.full((batch, count), NEG_INF)
    rows = np.arange(batch)
    final[rows, 2 * label_length] = 0.0
    final[rows[label_length > 0], 2 * label_length[label_length > 0] - 1] = 0.0
    beta = np.full(emissions.shape, NEG_INF)
    following = np.full((batch, count), NEG_INF)
    for t in range(steps - 1, -1, -1):
        if t < steps - 1:
            ahead = beta[:, t + 1] + emissions[:, t + 1]
            following = np.logaddexp(ahead, _shifted(ahead[..., ::-1], 1)[..., ::-1])
            skipped = np.where(skip, ahead, NEG_INF)  # s + 2 reachable from s
            following = np.logaddexp(following, _shifted(skipped[..., ::-1], 2)[..., ::-1])
        beta[:, t] = np.where((t == last)[:, None], final,
                              np.where((t < last)[:, None], following, NEG_INF))
    return beta
