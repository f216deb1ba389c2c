"""The training transforms of RandomErasing, CutMix, RandomPerspective,
RandomElasticTransform, RandAugment, AugMix and RandomGaussianBlur's two-size kernel:
given a transformation, the output against slow loops; the draws against Keras's
documented distributions (seeded, so each check is fixed yet can fail); seeds; a fit
with each layer in the model. (Against tf.keras: conformance/test_augmentation_training.py.)"""
import numpy as np
import pytest

import kerasmini
from kerasmini import layers

X = np.random.default_rng(3).uniform(0, 250, (3, 6, 7, 3))
MANY = np.zeros((2000, 8, 10, 1), "float32")  # for the draws: many images, small


def test_erasing_fills_the_drawn_box_of_the_chosen_images():
    layer = layers.RandomErasing(fill_value=(1.0, 2.0, 3.0), dtype="float64")
    boxes = [(1, 4, 2, 5), (0, 6, 0, 7), (2, 3, 3, 4)]  # rows [r0, r1), columns [c0, c1)
    masks = np.zeros(X.shape, bool)
    for i, (r0, r1, c0, c1) in enumerate(boxes):
        masks[i, r0:r1, c0:c1] = True
    t = {"batch_masks": masks, "apply_erasing": np.array([True, False, True]),
         "fill_value": np.broadcast_to([1.0, 2.0, 3.0], X.shape)}
    got = layer.transform_images(X, t)
    for i, r, c in np.ndindex(*X.shape[:3]):
        r0, r1, c0, c1 = boxes[i]
        erased = i != 1 and r0 <= r < r1 and c0 <= c < c1
        np.testing.assert_array_equal(got[i, r, c], [1.0, 2.0, 3.0] if erased else X[i, r, c])


def test_erasing_draws_boxes_of_the_scale_with_the_factor_probability():
    layer = layers.RandomErasing(factor=(0.2, 0.6), scale=(0.25, 0.25), fill_value=9.0,
                                 value_range=(0, 5), seed=1)
    t = layer.get_random_transformation(MANY)
    applied = t["apply_erasing"]
    assert abs(applied.mean() - 0.4) < 0.03  # p uniform in (0.2, 0.6): mean 0.4
    rows = t["batch_masks"][..., 0].any(axis=2).sum(axis=1)
    cols = t["batch_masks"][..., 0].any(axis=1).sum(axis=1)
    # each side sqrt(0.25) = half of the image: 4 of 8 rows, 5 of 10 columns (+1 when
    # the box starts between pixels)
    assert set(rows) <= {4, 5} and set(cols) <= {5, 6}, (set(rows), set(cols))
    assert np.all(t["fill_value"] == 5.0)  # clipped to value_range
    out = layer(MANY[:50] + 1)
    assert set(np.unique(out)) <= {1.0, 5.0}
    noise = layers.RandomErasing(value_range=(-10, 10), seed=2).get_random_transformation(
        MANY)["fill_value"]
    inside = noise[(noise > -10) & (noise < 10)]
    assert abs(np.mean(noise)) < 0.2 and inside.std() > 4  # 10 N(0, 1), clipped
    never = layers.RandomErasing(factor=0.0, seed=3)
    np.testing.assert_array_equal(never(MANY[:20] + 1), MANY[:20] + 1)


def test_cut_mix_pastes_the_partner_and_mixes_labels_by_area():
    layer = layers.CutMix(factor=(0.8, 0.8), seed=4, dtype="float64")
    t = layer.get_random_transformation(X)
    perm, masks = t["permutation_order"], t["batch_masks"]
    got = layer.transform_images(X, t)
    for i, r, c, k in np.ndindex(*X.shape):
        want = X[perm[i], r, c, k] if masks[i, r, c, k] else X[i, r, c, k]
        assert got[i, r, c, k] == want
    labels = np.eye(3)
    mixed = layer.transform_labels(labels, t)
    weight = t["mix_weight"].reshape(-1)
    for i in range(3):
        np.testing.assert_allclose(mixed[i], weight[i] * labels[i]
                                   + (1 - weight[i]) * labels[perm[i]], rtol=1e-12)
    out = layer({"images": X, "labels": labels, "segmentation_masks": X[..., :1]})
    assert out["images"].shape == X.shape and np.allclose(out["labels"].sum(axis=1), 1)
    with pytest.raises(NotImplementedError, match="bounding_boxes"):
        layer({"images": X, "bounding_boxes": {"boxes": np.zeros((3, 1, 4))}})


def test_cut_mix_weight_is_the_beta_draw_and_the_box_its_complement():
    alpha = 0.5
    t = layers.CutMix(factor=(alpha, alpha), seed=5).get_random_transformation(MANY)
    weight = t["mix_weight"].reshape(-1)
    # box sides sqrt(1 - w) of the image: its area leaves exactly w (Beta(a, a))
    assert abs(weight.mean() - 0.5) < 0.02
    assert abs(weight.var() - 1 / (4 * (2 * alpha + 1))) < 0.01
    pasted = t["batch_masks"].mean(axis=(1, 2, 3))
    assert np.all(np.abs(pasted - (1 - weight)) <= 0.3)  # pixel count vs exact area
    assert sorted(t["permutation_order"]) == list(range(len(MANY)))


def test_perspective_moves_the_image_with_its_corners():
    layer = layers.RandomPerspective(fill_value=-1.0, interpolation="nearest",
                                     dtype="float64")
    h, w = X.shape[1:3]
    start = np.array([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]] * 3)
    end = start + [[1.0, 0.0]]  # every corner one column right: a shift
    t = {"start_points": start, "end_points": end,
         "apply_perspective": np.array([True, False, True])}
    got = layer.transform_images(X, t)
    for i, r, c in np.ndindex(*X.shape[:3]):
        want = X[i, r, c] if i == 1 else X[i, r, c - 1] if c >= 1 else [-1.0] * 3
        np.testing.assert_allclose(got[i, r, c], want, rtol=1e-6)


def test_perspective_draws_corner_moves_within_half_the_scale():
    t = layers.RandomPerspective(factor=(0.5, 0.5), scale=0.6, seed=6)\
        .get_random_transformation(MANY)
    start, end = t["start_points"], t["end_points"]
    moves = (end - start)[:, 1:] / start[:, 1:].clip(1)  # corner (0, 0) never moves
    nonzero = start[:, 1:] > 0
    assert np.all(np.abs(moves[nonzero]) <= 0.3 + 1e-6)
    assert abs(np.abs(moves[nonzero]).mean() - 0.15) < 0.01  # uniform in [-0.3, 0.3]
    np.testing.assert_array_equal(end[:, 0], 0.0)
    assert abs(t["apply_perspective"].mean() - 0.5) < 0.03
    still = layers.RandomPerspective(scale=0.0, seed=7)
    np.testing.assert_allclose(still(X.astype("float32")), X.astype("float32"), rtol=1e-6)


def test_elastic_is_keras_formula_on_the_chosen_images_then_clipped():
    layer = layers.RandomElasticTransform(value_range=(10, 200), fill_mode="nearest",
                                          dtype="float64")
    t = {"apply_transform": np.array([True, False, True]), "distortion_factor": 0.8,
         "seed": 11}
    got = layer.transform_images(X, t)
    h, w = X.shape[1:3]
    warped = kerasmini.ops.image.elastic_transform(
        X, alpha=0.1 * 0.8 * max(h, w), sigma=0.05 * 0.8 * min(h, w), fill_mode="nearest",
        seed=11)
    want = np.clip(np.where(np.array([1, 0, 1], bool)[:, None, None, None], warped, X),
                   10, 200)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert not np.allclose(got[0], np.clip(X[0], 10, 200))
    draws = [layers.RandomElasticTransform(scale=(0.2, 0.4), factor=(0.3, 0.3), seed=s)
             .get_random_transformation(MANY) for s in range(200)]
    distortion = np.array([d["distortion_factor"] for d in draws])
    assert distortion.min() >= 0.2 and distortion.max() <= 0.4
    assert abs(distortion.mean() - 0.3) < 0.01
    assert abs(np.mean([d["apply_transform"].mean() for d in draws]) - 0.3) < 0.01
    assert layers.RandomElasticTransform(factor=0.0).get_random_transformation(X) is None


def test_gaussian_blur_of_two_sizes_against_a_loop():
    layer = layers.RandomGaussianBlur(kernel_size=(3, 5), dtype="float64")
    sigma = np.array([0.7, 0.4])
    got = layer.transform_images(X, {"should_apply_blur": np.array([True, True, False]),
                                     "blur_factor": sigma})

    def taps(size, s):
        t = np.exp(-0.5 * ((np.arange(size) - size // 2) / s) ** 2)
        return t / t.sum()
    kernel = np.outer(taps(5, sigma[1]), taps(3, sigma[0]))  # 5 rows, 3 columns
    padded = np.pad(X, ((0, 0), (2, 2), (1, 1), (0, 0)))
    for i, r, c in np.ndindex(*X.shape[:3]):
        want = np.tensordot(kernel, padded[i, r:r + 5, c:c + 3], axes=2) if i < 2 \
            else X[i, r, c]
        np.testing.assert_allclose(got[i, r, c], np.clip(want, 0, 255), rtol=1e-12)


def test_rand_augment_applies_the_drawn_layers_in_turn():
    layer = layers.RandAugment(num_ops=3, factor=0.6, seed=8, dtype="float64")
    t = layer.get_random_transformation(X)
    names = list(layer.augmentations)
    want = X
    for index in t["layer_idxes"]:
        name = names[index]
        want = layer.augmentations[name].transform_images(want, t["transforms"][name])
    np.testing.assert_array_equal(layer.transform_images(X, t), want)
    indices = np.concatenate([layer.get_random_transformation(X[:1])["layer_idxes"]
                              for _ in range(300)])
    counts = np.bincount(indices, minlength=11)
    assert len(counts) == 11 and counts.min() > 0.6 * 900 / 11  # uniform over 11
    assert layer.augmentations["random_posterization"].factor == (1, 4)  # int(8 * 0.6)


def test_aug_mix_is_the_weighted_chains_blended_and_clipped():
    layer = layers.AugMix(num_chains=4, chain_depth=2, alpha=0.7, value_range=(20, 230),
                          seed=9, dtype="float64")
    t = layer.get_random_transformation(X)
    chains = []
    for chain in t["chain_transforms"]:
        image = X
        for step in chain:
            image = layer.augmentations[step["layer_name"]].transform_images(
                image, step["transformation"])
        chains.append(image)
    m, w = t["weight_sample"], t["chain_mixing_weights"]
    want = np.clip(m * X + (1 - m) * sum(wk * ck for wk, ck in zip(w, chains)), 20, 230)
    np.testing.assert_allclose(layer.transform_images(X, t), want, rtol=1e-12)


def test_aug_mix_draws_dirichlet_weights_beta_blends_and_its_ops():
    layer = layers.AugMix(num_chains=3, chain_depth=2, alpha=2.0, all_ops=False, seed=10)
    draws = [layer.get_random_transformation(X[:1]) for _ in range(2000)]
    weights = np.array([d["chain_mixing_weights"] for d in draws])
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
    # Dirichlet(2, 2, 2): mean 1/3, variance (1/3)(2/3) / (3 * 2 + 1)
    assert np.all(np.abs(weights.mean(axis=0) - 1 / 3) < 0.01)
    assert np.all(np.abs(weights.var(axis=0) - 2 / 63) < 0.005)
    blend = np.array([d["weight_sample"] for d in draws])
    assert abs(blend.mean() - 0.5) < 0.01 and abs(blend.var() - 1 / 20) < 0.005
    steps = [s["layer_name"] for d in draws for c in d["chain_transforms"] for s in c]
    assert set(steps) == set(layers.AugMix(all_ops=False).augmentations)  # 7 layers
    assert abs(len(steps) / (2000 * 3 * 2) - 7 / 8) < 0.02  # "none" is one pick of 8


@pytest.mark.parametrize("name, args", [
    ("RandomErasing", dict()), ("CutMix", dict()), ("RandomPerspective", dict()),
    ("RandomElasticTransform", dict()), ("RandAugment", dict()), ("AugMix", dict()),
    ("RandomGaussianBlur", dict(kernel_size=(3, 5)))])
def test_fit_two_epochs_with_the_layer_in_the_model(name, args):
    augment = getattr(layers, name)(seed=1, **args)
    inputs = kerasmini.Input((8, 8, 3))
    x = layers.Rescaling(1.0 / 255)(augment(inputs))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3)(x))
    model = kerasmini.Model(inputs, layers.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (8, 8, 8, 3)).astype("float32")
    history = model.fit(images, rng.random((8, 1)), epochs=2, batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.allclose(augment(images, training=True), images)
    np.testing.assert_array_equal(augment(images, training=False), images)


@pytest.mark.parametrize("name", ["RandomErasing", "CutMix", "RandomPerspective",
                                  "RandomElasticTransform", "RandomGaussianBlur"])
def test_gradients_reach_the_layers_before_them(name):
    """Placed after a Conv2D, the transform is followed by the tape (CutMix's partners
    by ops.take): the Conv2D trains."""
    inputs = kerasmini.Input((8, 8, 3))
    first = layers.Conv2D(3, 1)
    x = getattr(layers, name)(seed=1)(first(inputs))
    model = kerasmini.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling2D()(x)))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(1)
    before = first.get_weights()[0].copy()
    model.fit(rng.random((4, 8, 8, 3)).astype("float32"), rng.random((4, 1)), epochs=1,
              verbose=0)
    assert not np.array_equal(first.get_weights()[0], before)


@pytest.mark.parametrize("name, scale", [("RandomPerspective", 1.0),
                                         ("RandomElasticTransform", (0.8, 1.0))])
def test_dict_input_warps_masks_as_the_images(name, scale):
    """With nearest interpolation and whole-number pixels, a mask that is the first
    channel comes out as the output's first channel: the same draw, Keras's rule."""
    images = np.floor(np.random.default_rng(4).uniform(0, 250, (3, 24, 24, 3)))
    images = images.astype("float32")
    layer = getattr(layers, name)(factor=(1.0, 1.0), scale=scale, interpolation="nearest",
                                  seed=2)
    masks = images[..., :1].astype("int32")
    out = layer({"images": images, "segmentation_masks": masks, "labels": np.eye(3)})
    assert out["segmentation_masks"].dtype == np.int32
    assert not np.array_equal(out["images"], images)
    np.testing.assert_array_equal(out["segmentation_masks"][..., 0], out["images"][..., 0])
    np.testing.assert_array_equal(out["labels"], np.eye(3))
    one = layer({"images": images[0], "segmentation_masks": masks[0]})
    assert one["segmentation_masks"].shape == masks[0].shape


def test_dict_input_refuses_what_a_layer_does_not_transform():
    with pytest.raises(NotImplementedError, match="labels"):
        layers.RandomCrop(2, 2, seed=1)({"images": X, "labels": np.eye(3)})
    with pytest.raises(NotImplementedError, match="segmentation_masks"):
        layers.RandomCrop(2, 2, seed=1)({"images": X, "segmentation_masks": X})
    with pytest.raises(ValueError, match="images"):
        layers.CutMix()({"labels": np.eye(3)})
    np.testing.assert_array_equal(layers.CutMix()({"images": X}, training=False)["images"], X)


def test_erasing_fills_three_numbers_per_channel_in_both_layouts():
    last = layers.RandomErasing(fill_value=(1.0, 2.0, 3.0), seed=3)
    first = layers.RandomErasing(fill_value=(1.0, 2.0, 3.0), seed=3,
                                 data_format="channels_first")
    x = np.zeros((2, 5, 4, 3), "float32")
    fill_last = last.get_random_transformation(x)["fill_value"]
    fill_first = first.get_random_transformation(np.moveaxis(x, 3, 1))["fill_value"]
    np.testing.assert_array_equal(fill_last[0, 0, 0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.moveaxis(fill_first, 1, 3), fill_last)


def test_rand_augment_and_aug_mix_move_masks_with_their_warps_only():
    masks = np.floor(X[..., :1] / 50)
    layer = layers.RandAugment(interpolation="nearest", seed=5, dtype="float64")
    t = layer.get_random_transformation(X)
    rotation = layer.augmentations["random_rotation"]
    turned = rotation.transform_segmentation_masks(masks, t["transforms"]["random_rotation"])
    assert not np.array_equal(turned, masks)
    for indices, want in (([2], turned), ([3, 8, 10], masks), ([2, 4], turned)):
        got = layer.transform_segmentation_masks(masks, {**t, "layer_idxes": indices})
        np.testing.assert_array_equal(got, want)
    mix = layers.AugMix(seed=6, dtype="float64")
    t = mix.get_random_transformation(X)
    still = {**t, "chain_transforms": [[] for _ in t["chain_transforms"]]}
    np.testing.assert_allclose(mix.transform_segmentation_masks(masks, still), masks,
                               rtol=1e-12)


def test_mix_up_mixes_labels_and_masks_by_the_image_weights():
    layer = layers.MixUp(alpha=0.5, seed=7, dtype="float64")
    t = layer.get_random_transformation(X)
    labels, masks = np.eye(3), np.floor(X[..., :1] / 50)
    w, perm = t["mix_weight"], t["permutation_order"]
    for i in range(3):
        np.testing.assert_allclose(layer.transform_labels(labels, t)[i],
                                   w[i] * labels[i] + (1 - w[i]) * labels[perm[i]],
                                   rtol=1e-12)
        np.testing.assert_allclose(layer.transform_segmentation_masks(masks, t)[i],
                                   w[i] * masks[i] + (1 - w[i]) * masks[perm[i]],
                                   rtol=1e-12)
    out = layer({"images": X, "labels": labels})
    np.testing.assert_allclose(out["labels"].sum(axis=1), 1.0, rtol=1e-12)


def test_flip_moves_masks_with_the_images():
    layer = layers.RandomFlip(seed=8)
    images = X.astype("float32")
    out = layer({"images": images, "segmentation_masks": images[..., :1],
                 "labels": np.eye(3)})
    assert not np.array_equal(out["images"], images)
    np.testing.assert_array_equal(out["segmentation_masks"][..., 0], out["images"][..., 0])
    np.testing.assert_array_equal(out["labels"], np.eye(3))
