"""Float64 references for the optimizers, written from the papers' formulas in Keras's
conventions (not from kerasmini's code): one function per optimizer, one step at a time.

Keras's conventions the reference follows, because they are the definition being tested:
- Adam's epsilon is "epsilon hat": w -= lr_t * m / (sqrt(v) + eps) with
  lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t), not lr * m_hat / (sqrt(v_hat) + eps).
- RMSprop and Adagrad put epsilon under the square root.
- Nadam uses the momentum schedule mu_t = b1 * (1 - 0.5 * 0.96^t).
- The learning rate is a float32 variable in Keras, so the reference uses float32(lr).
- Weight decay (AdamW, or weight_decay= on any optimizer) is applied before the step,
  w -= w * wd * lr, and clipping before both.
"""
import numpy as np


def clip(grads, clipnorm=None, clipvalue=None, global_clipnorm=None):
    if clipnorm:
        return [g * min(1.0, clipnorm / np.linalg.norm(g)) if np.any(g) else g for g in grads]
    if global_clipnorm:
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * min(1.0, global_clipnorm / norm) for g in grads]
    if clipvalue:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads


def run(name, args, weights, grad_steps, lr_at=None, averages=None):
    """Weights (float64) after each step of grad_steps; lr_at(step) overrides the rate.

    With gradient_accumulation_steps=n, every n-th call updates with the mean of the last
    n gradients (the rule's step count t is the number of updates); with use_ema, the
    weights' moving averages after each call are appended to `averages` (a list), the
    first call's being the weights themselves."""
    args = dict(args)
    clip_args = {k: args.pop(k) for k in ("clipnorm", "clipvalue", "global_clipnorm")
                 if k in args}
    lr_value = float(np.float32(args.pop("learning_rate", DEFAULT_LR[name])))
    wd = args.pop("weight_decay", 0.004 if name == "adamw" else None)
    every = args.pop("gradient_accumulation_steps", None) or 1
    ema = args.pop("use_ema", False)
    ema_momentum = args.pop("ema_momentum", 0.99)
    overwrite = args.pop("ema_overwrite_frequency", None)
    w = [np.array(x, dtype=np.float64) for x in weights]
    state = [dict() for _ in w]
    trajectory, pending, moving = [], [], None
    for call, grads in enumerate(grad_steps):
        pending.append([np.asarray(g, np.float64) for g in grads])
        updates_done = call // every
        if len(pending) == every:
            grads = [sum(gs) / every for gs in zip(*pending)]
            pending = []
            lr = lr_value if lr_at is None else float(lr_at(call))
            grads = clip(grads, **clip_args)
            for i, g in enumerate(grads):
                if wd is not None:
                    w[i] = w[i] - w[i] * wd * lr
                w[i] = STEPS[name](w[i], g, state[i], updates_done + 1, lr, **args)
        if ema:
            m = 0.0 if updates_done == 0 else ema_momentum
            moving = [m * a + (1 - m) * x for a, x in zip(moving or w, w)]
            if overwrite and (updates_done + 1) % overwrite == 0:
                w = [a.copy() for a in moving]
            averages.append([a.copy() for a in moving])
        trajectory.append([x.copy() for x in w])
    return trajectory


DEFAULT_LR = {"sgd": 0.01, "adam": 0.001, "adamw": 0.001, "rmsprop": 0.001,
              "adagrad": 0.001, "nadam": 0.001, "adamax": 0.001, "adadelta": 0.001,
              "lion": 0.001, "ftrl": 0.001, "lamb": 0.001, "adafactor": 0.001}


def sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    s["v"] = momentum * s.get("v", 0.0) - lr * g
    return w + (momentum * s["v"] - lr * g if nesterov else s["v"])


def adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
    v = s["v"]
    if amsgrad:
        s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
        v = s["vmax"]
    lr_t = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return w - lr_t * s["m"] / (np.sqrt(v) + epsilon)


def rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s["ms"] = rho * s.get("ms", 0.0) + (1 - rho) * g * g
    denominator = s["ms"]
    if centered:
        s["mg"] = rho * s.get("mg", 0.0) + (1 - rho) * g
        denominator = denominator - s["mg"] ** 2
    step = lr * g / np.sqrt(denominator + epsilon)
    if momentum > 0:
        s["mom"] = momentum * s.get("mom", 0.0) + step
        step = s["mom"]
    return w - step


def adagrad(w, g, s, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    s["acc"] = s.get("acc", initial_accumulator_value) + g * g
    return w - lr * g / np.sqrt(s["acc"] + epsilon)


def nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    mu = lambda k: beta_1 * (1 - 0.5 * 0.96 ** k)  # noqa: E731
    product = np.prod([mu(k) for k in range(1, t + 1)])
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
    m_hat = mu(t + 1) * s["m"] / (1 - product * mu(t + 1)) + (1 - mu(t)) * g / (1 - product)
    v_hat = s["v"] / (1 - beta_2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def adamax(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam with the infinity norm: u = max(b2 u, |g|), bias correction on m only."""
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["u"] = np.maximum(beta_2 * s.get("u", 0.0), np.abs(g))
    return w - lr / (1 - beta_1 ** t) * s["m"] / (s["u"] + epsilon)


def adadelta(w, g, s, t, lr, rho=0.95, epsilon=1e-7):
    """Zeiler's rule, scaled by lr: dx = -RMS[dx]_{t-1} / RMS[g]_t * g."""
    s["g2"] = rho * s.get("g2", 0.0) + (1 - rho) * g * g
    dx = -np.sqrt(s.get("dx2", 0.0) + epsilon) / np.sqrt(s["g2"] + epsilon) * g
    s["dx2"] = rho * s.get("dx2", 0.0) + (1 - rho) * dx * dx
    return w + lr * dx


def lion(w, g, s, t, lr, beta_1=0.9, beta_2=0.99):
    """Chen et al. 2023: w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g."""
    m = s.get("m", 0.0)
    w = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
    s["m"] = beta_2 * m + (1 - beta_2) * g
    return w


def ftrl(w, g, s, t, lr, learning_rate_power=-0.5, initial_accumulator_value=0.1,
         l1_regularization_strength=0.0, l2_regularization_strength=0.0,
         l2_shrinkage_regularization_strength=0.0, beta=0.0):
    """McMahan et al. 2013, Algorithm 1 per coordinate (sigma = (n'^p - n^p) / lr), with
    TensorFlow's extensions: a general power p, l2 shrinkage in the gradient, and beta
    (the paper's per-coordinate learning rate offset) folded into the l2 term."""
    p = -learning_rate_power
    n = s.get("n", np.full_like(w, initial_accumulator_value))
    z = s.get("z", np.zeros_like(w))
    n_new = n + g * g
    z = z + g + 2 * l2_shrinkage_regularization_strength * w - (n_new ** p - n ** p) / lr * w
    l1, l2 = l1_regularization_strength, l2_regularization_strength + beta / (2 * lr)
    w = np.where(np.abs(z) <= l1, 0.0,
                 -(z - np.sign(z) * l1) / (n_new ** p / lr + 2 * l2))
    s["n"], s["z"] = n_new, z
    return w


def lamb(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """You et al. 2019: Adam's bias-corrected direction times the trust ratio ||w|| / ||u||."""
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
    u = (s["m"] / (1 - beta_1 ** t)) / (np.sqrt(s["v"] / (1 - beta_2 ** t)) + epsilon)
    w_norm, u_norm = np.linalg.norm(w), np.linalg.norm(u)
    return w - (w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0) * lr * u


def adafactor(w, g, s, t, lr, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
              clip_threshold=1.0, relative_step=True):
    """Shazeer & Stern 2018, Algorithm 4 without first moment: factored second moments
    (row and column means over the last two axes) for matrices, relative step size
    max(epsilon_2, RMS(w)) * min(lr, 1 / sqrt(t)), update clipped to RMS clip_threshold."""
    rms = lambda x: np.sqrt(np.mean(x * x))  # noqa: E731
    step_size = max(epsilon_2, rms(w)) * min(lr, 1 / np.sqrt(t))
    g2, decay = g * g + epsilon_1, 1 - t ** beta_2_decay
    if w.ndim >= 2:
        s["r"] = decay * s.get("r", 0.0) + (1 - decay) * g2.mean(-1)
        s["c"] = decay * s.get("c", 0.0) + (1 - decay) * g2.mean(-2)
        v = (s["r"] / s["r"].mean(-1, keepdims=True))[..., None] * s["c"][..., None, :]
    else:
        s["v"] = decay * s.get("v", 0.0) + (1 - decay) * g2
        v = s["v"]
    u = g / np.sqrt(v)
    return w - step_size * u / max(1.0, rms(u) / clip_threshold)


STEPS = {"sgd": sgd, "adam": adam, "adamw": adam, "rmsprop": rmsprop, "adagrad": adagrad,
         "nadam": nadam, "adamax": adamax, "adadelta": adadelta, "lion": lion, "ftrl": ftrl,
         "lamb": lamb, "adafactor": adafactor}


# ----- learning-rate schedules, in float64 from their definitions ------------------------
def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    p = step / decay_steps
    return initial_learning_rate * decay_rate ** (np.floor(p) if staircase else p)


def piecewise_constant_decay(step, boundaries, values):
    for boundary, value in zip(boundaries, values):
        if step <= boundary:
            return value
    return values[-1]


def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
                 warmup_steps=0):
    if warmup_target is not None and step < warmup_steps:
        return initial_learning_rate + (warmup_target - initial_learning_rate) * (
            step / warmup_steps)
    start = initial_learning_rate if warmup_target is None else warmup_target
    step = min(step - (warmup_steps if warmup_target is not None else 0), decay_steps)
    cosine = 0.5 * (1 + np.cos(np.pi * step / decay_steps))
    return start * ((1 - alpha) * cosine + alpha)


def polynomial_decay(step, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False):
    period = decay_steps
    while cycle and period < step:  # the first multiple of decay_steps at or past step
        period += decay_steps
    step = min(step, period)
    return (initial_learning_rate - end_learning_rate) * (1 - step / period) ** power + \
        end_learning_rate


def inverse_time_decay(step, initial_learning_rate, decay_steps, decay_rate,
                       staircase=False):
    p = step / decay_steps
    return initial_learning_rate / (1 + decay_rate * (np.floor(p) if staircase else p))


def cosine_decay_restarts(step, initial_learning_rate, first_decay_steps, t_mul=2.0,
                          m_mul=1.0, alpha=0.0):
    """Walk the restarts one by one: the i-th lasts first_decay_steps * t_mul**i steps."""
    start, length, restart = 0.0, float(first_decay_steps), 0
    while step >= start + length:
        start, length, restart = start + length, length * t_mul, restart + 1
    cosine = 0.5 * m_mul ** restart * (1 + np.cos(np.pi * (step - start) / length))
    return initial_learning_rate * ((1 - alpha) * cosine + alpha)


SCHEDULES = {"ExponentialDecay": exponential_decay,
             "PiecewiseConstantDecay": piecewise_constant_decay,
             "CosineDecay": cosine_decay, "PolynomialDecay": polynomial_decay,
             "InverseTimeDecay": inverse_time_decay,
             "CosineDecayRestarts": cosine_decay_restarts}
