"""IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU: kerasmini vs keras.metrics vs a
float64 reference (a loop over every pixel into a confusion matrix), over three
update_state calls of segmentation-shaped batches (n, 3, 3), with and without weights.

Edge inputs: a class never present in the targets (3), labels and predicted ids outside
[0, num_classes) (dropped), an ignored class, predictions exactly on BinaryIoU's
threshold (>= counts as 1), float weights for an int64 metric (Keras truncates them, with
a warning) and zero weights. Tolerance: float32 quotients of exact integer counts,
rtol 1e-5, atol 1e-6.
"""
import warnings

import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini

N, C, BATCHES = 6, 4, 3

CASES = [("IoU", {"num_classes": C, "target_class_ids": [0, 2]}),
         ("IoU", {"num_classes": C, "target_class_ids": [3]}),  # never present
         ("MeanIoU", {"num_classes": C}),
         ("MeanIoU", {"num_classes": C, "ignore_class": 1}),
         ("MeanIoU", {"num_classes": C, "sparse_y_pred": False, "dtype": "float32"}),
         ("OneHotIoU", {"num_classes": C, "target_class_ids": [1, 3]}),
         ("OneHotMeanIoU", {"num_classes": C, "dtype": "float32"}),
         ("BinaryIoU", {}),
         ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3})]


def _batches(cls, args, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(BATCHES):
        if cls == "BinaryIoU":
            t = rng.integers(0, 2, size=(N, 3, 3)).astype("float32")
            p = rng.choice([0.1, 0.3, 0.5, 0.7, 0.9], size=(N, 3, 3)).astype("float32")
        else:
            t = rng.integers(0, C - 1, size=(N, 3, 3))  # class 3 never a target
            p = rng.uniform(size=(N, 3, 3, C)).astype("float32")
            if cls.startswith("OneHot"):
                t = np.eye(C, dtype="float32")[t]
            else:
                t[0, 0, 0], t[1, 1, 1] = -1, C  # out of range: dropped
            if args.get("sparse_y_pred", not cls.startswith("OneHot")):
                p = np.argmax(p, axis=-1)
                p[2, 2, 2] = C
        w = rng.integers(0, 4, size=(N, 3, 3)).astype("float32") + 0.5
        out.append((t, p, w))
    return out


def iou_reference(cls, args, batches, weighted):
    classes = 2 if cls == "BinaryIoU" else args["num_classes"]
    integer = args.get("dtype", "int64") == "int64"
    cm = np.zeros((classes, classes))
    for t, p, w in batches:
        t = np.argmax(t, axis=-1) if cls.startswith("OneHot") else t
        if cls == "BinaryIoU":
            p = p >= args.get("threshold", 0.5)
        elif p.ndim == t.ndim + 1:
            p = np.argmax(p, axis=-1)
        for true, pred, weight in zip(t.reshape(-1).astype(int), p.reshape(-1).astype(int),
                                      w.reshape(-1)):
            if true == args.get("ignore_class") or not (0 <= true < classes
                                                         and 0 <= pred < classes):
                continue
            weight = (int(weight) if integer else weight) if weighted else 1
            cm[true, pred] += weight
    ious = []
    for c in args.get("target_class_ids", range(classes)):
        union = cm[:, c].sum() + cm[c, :].sum() - cm[c, c]
        if union > 0:
            ious.append(cm[c, c] / union)
    return np.mean(ious) if ious else 0.0


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls,args", CASES)
def test_iou(cls, args, weighted):
    harness.note(cls, "float32", "metric")
    batches = _batches(cls, args, harness.seed_of(cls, str(args)))
    km, tf_metric = getattr(kerasmini.metrics, cls)(**args), getattr(keras.metrics,
                                                                      cls)(**args)
    for t, p, w in batches:
        for metric in (km, tf_metric):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # float weights, int64 metric: as Keras
                metric.update_state(t, p, sample_weight=w if weighted else None)
    exact = iou_reference(cls, args, batches, weighted)
    got, tf_value = np.asarray(km.result()), np.asarray(tf_metric.result())
    assert got.shape == tf_value.shape == () and got.dtype == np.float32
    where = (cls, args, weighted)
    assert np.allclose(tf_value, exact, rtol=1e-5, atol=1e-6), (where, tf_value, exact)
    assert np.allclose(got, exact, rtol=1e-5, atol=1e-6), (where, got, exact, tf_value)
    np.testing.assert_array_equal(km.total_cm.numpy(), tf_metric.total_cm.numpy())
    assert km.total_cm.numpy().dtype == tf_metric.total_cm.numpy().dtype
    # A default name is made unique by a per-process counter of each library (binary_io_u,
    # binary_io_u_1, ...): what else ran in this worker moves the suffix, not the base.
    km_config, tf_config = km.get_config(), tf_metric.get_config()
    assert harness.name_base(km_config.pop("name")) == harness.name_base(tf_config.pop("name"))
    assert km_config == tf_config
    again = type(km).from_config(km.get_config())
    assert again.get_config() == km.get_config()
    km.reset_state()
    assert not np.any(km.total_cm.numpy())


def test_iou_float_weights_warn_and_bad_target_class():
    for lib in (kerasmini, keras):
        with pytest.warns(UserWarning, match="weight as `float`"):
            lib.metrics.MeanIoU(2).update_state([0, 1], [0, 1],
                                               sample_weight=np.array([0.5, 1.5]))
    with pytest.raises(ValueError) as tf_error:
        keras.metrics.IoU(3, [0, 3])
    with pytest.raises(ValueError) as km_error:
        kerasmini.metrics.IoU(3, [0, 3])
    assert str(km_error.value) == str(tf_error.value)
