"""IoU and correlation metrics by hand: confusion counts, absent classes, ignored and
out-of-range ids; Pearson and concordance on slices with known values."""
import numpy as np
import pytest

from kerasmini import metrics


def test_mean_iou_by_hand():
    # cm = [[1, 1], [0, 2]]: class 0 -> 1 / (2 + 1 - 1), class 1 -> 2 / (2 + 3 - 2)
    m = metrics.MeanIoU(2)
    m.update_state([0, 0, 1, 1], [0, 1, 1, 1])
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 1], [0, 2]])
    np.testing.assert_allclose(m.result(), (1 / 2 + 2 / 3) / 2, rtol=1e-6)
    m.update_state([[0, 1]], [[1, 0]], sample_weight=[[3, 0]])  # 2-D: flattened
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 4], [0, 2]])
    m.reset_state()
    assert m.result() == 0


def test_absent_ignored_and_out_of_range_classes_count_for_nothing():
    m = metrics.IoU(3, target_class_ids=[0, 2])  # class 2 never seen: not averaged in
    m.update_state([0, 1, 5, -1], [0, 0, 0, 0])
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 0, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(m.result(), 1 / 2, rtol=1e-6)
    ignoring = metrics.MeanIoU(3, ignore_class=1)
    ignoring.update_state([0, 1, 2], [0, 0, 2])
    np.testing.assert_allclose(ignoring.result(), 1.0, rtol=1e-6)


def test_one_hot_and_binary_forms():
    one_hot = metrics.OneHotMeanIoU(2)
    one_hot.update_state([[1, 0], [0, 1]], [[0.2, 0.8], [0.1, 0.9]])  # predicts 1, 1
    np.testing.assert_allclose(one_hot.result(), (0 + 1 / 2) / 2, rtol=1e-6)
    binary = metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)
    binary.update_state([1, 1, 0], [0.5, 0.49, 0.7])  # 0.5 is on the positive side
    np.testing.assert_allclose(binary.result(), 1 / 3, rtol=1e-6)
    with pytest.raises(ValueError, match="Target class id 4"):
        metrics.OneHotIoU(3, target_class_ids=[4])


def test_correlations_by_hand():
    y = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], "float32")
    pearson = metrics.PearsonCorrelation()
    pearson.update_state(y, np.array([[2.0, 4.0, 6.0], [5.0, 3.0, 5.0]], "float32"))
    np.testing.assert_allclose(pearson.result(), (1.0 - 1.0) / 2, atol=1e-6)  # 1 and -1
    concordance = metrics.ConcordanceCorrelation(axis=0)
    # columns: identical (1), and shifted by 1: 2 * (2/3) / (2/3 + 2/3 + 1^2) = 4 / 7
    t = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], "float32")
    concordance.update_state(t, t + np.array([0.0, 1.0], "float32"))
    np.testing.assert_allclose(concordance.result(), (1.0 + 4 / 7) / 2,
                               rtol=1e-5)


def test_sparse_top_k_from_sorted_ids_by_hand():
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    # ids best first: 3 is 2nd (hit), 1 is 3rd (miss at k=2), 0 is 1st (hit)
    m.update_state(np.array([3, 1, 0]), np.array([[5, 3, 1], [2, 0, 1], [0, 0, 4]]))
    np.testing.assert_allclose(m.result(), 2 / 3, rtol=1e-6)
    assert m.get_config()["from_sorted_ids"] is True
    assert "from_sorted_ids" not in metrics.SparseTopKCategoricalAccuracy().get_config()
