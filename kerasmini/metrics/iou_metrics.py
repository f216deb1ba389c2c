"""Intersection over union, as keras.metrics: IoU, MeanIoU, BinaryIoU, OneHotIoU and
OneHotMeanIoU.

State: a (num_classes, num_classes) confusion matrix summed over batches, rows the true
class, columns the predicted one, in the metric's dtype ("int64" by default, as Keras:
float sample weights are then truncated, with Keras's warning). The result is, for each
target class c, tp_c / (predicted_c + true_c - tp_c), averaged over the target classes
that occurred at all (a class never seen nor predicted counts as absent, not as 0), in
float32 with Keras's epsilon in each division.
"""
import warnings

import numpy as np

from kerasmini.metrics.metric import Metric

EPSILON = np.float32(1e-7)


class _IoUBase(Metric):
    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=np.dtype(dtype or "int64").name)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes),
                                          "total_confusion_matrix")

    def _class_ids(self, values, sparse):
        values = np.asarray(values)
        if not sparse:
            values = np.argmax(values, axis=self.axis)
        return values.astype(self.dtype).reshape(-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = self._class_ids(y_true, self.sparse_y_true)
        y_pred = self._class_ids(y_pred, self.sparse_y_pred)
        if sample_weight is None:
            sample_weight = 1
        elif "float" in str(getattr(sample_weight, "dtype", "")) and "int" in self.dtype:
            # as Keras: an array of floats warns, a list of them is truncated silently
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                          "result in an incorrect weight due to type casting Consider "
                          "using integer weights.")
        weight = np.asarray(sample_weight).astype(self.dtype)
        weight = np.broadcast_to(weight.reshape(-1) if weight.ndim > 1 else weight,
                                 y_true.shape)
        # pairs outside [0, num_classes) or of the ignored true class count for nothing
        kept = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (
            y_pred < self.num_classes)
        if self.ignore_class is not None:
            kept &= y_true != self.ignore_class
        cells = (y_true[kept] * self.num_classes + y_pred[kept]).astype(np.int64)
        counts = np.zeros(self.num_classes ** 2, self.dtype)
        np.add.at(counts, cells, weight[kept])
        self.total_cm.assign(self.total_cm.value + counts.reshape(self.total_cm.shape))


class IoU(_IoUBase):
    """The mean IoU of the classes `target_class_ids` (sparse class ids by default)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, "
                             f"which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm.value
        true_positives = np.diagonal(cm)
        union = cm.sum(axis=0) + cm.sum(axis=1) - true_positives
        ids = self.target_class_ids
        true_positives = true_positives[ids].astype(np.float32)
        union = union[ids].astype(np.float32)
        present = union > 1e-9
        iou = np.where(present, true_positives / (union + EPSILON), np.float32(0))
        return np.sum(iou, axis=self.axis) / (np.sum(present, dtype=np.float32) + EPSILON)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of 0/1 targets with predictions thresholded at `threshold` (>= is class 1)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (np.asarray(y_pred, np.float32) >= self.threshold).astype(self.dtype)
        super().update_state(np.asarray(y_true).astype(self.dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU with one-hot targets (and by default per-class scores as predictions)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot targets (and by default per-class scores as predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
