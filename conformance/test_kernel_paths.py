"""The chunked, blocked and threaded kernel paths against tf.keras and the float64
reference: the size limits are shrunk (tests/kernel_limits.py) so that a batch of 5
odd-sized images is cut into row bands, groups of whole images and two threads' shares,
each with a shorter last piece, in both data formats. Runs in every tier (it is small):
conformance/mutations.py plants bugs in these paths and counts on it."""
import unittest
import unittest.mock

import numpy as np
from parameterized import parameterized

from conformance.harness import check_values, make_km, make_inputs, seed_of
from conformance.test_layers_values import check_layer_values
from kerasmini.ops import convolution, layout, products, window_reduction
from tests.kernel_limits import budgets_covering, kinds, shrunk

SHAPES = [(5, 7, 9, 3)]
CASES = [
    ("Conv2D", dict(filters=4, kernel_size=3, padding="same")),
    ("Conv2D", dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="valid")),
    ("Conv2D", dict(filters=4, kernel_size=2, dilation_rate=2, padding="same")),
    ("Conv2D", dict(filters=6, kernel_size=3, groups=3, padding="same")),
    ("MaxPool2D", dict(pool_size=3, strides=2, padding="same")),
    ("MaxPool2D", dict(pool_size=2, padding="valid")),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same")),
    ("AveragePooling2D", dict(pool_size=(2, 3), strides=(2, 1), padding="valid")),
]
# Products shared by two threads (ops/products.py): every product counts as large, in blocks
# of 3 rows, so a 5-image batch is cut into many blocks with a shorter last one.
THREADED = [c for c in CASES if c[0] == "Conv2D"] + [
    ("Conv2D", dict(filters=5, kernel_size=1)),
    ("Dense", dict(units=7)),
]


def channels_first(shape):
    n, h, w, c = shape
    return (n, c, h, w)


def cases():
    for i, (layer, args) in enumerate(CASES):
        for data_format in ("channels_last", "channels_first"):
            shapes = SHAPES if data_format == "channels_last" else [
                channels_first(s) for s in SHAPES]
            yield (f"{layer}_{i}_{data_format}", layer, dict(args, data_format=data_format),
                   shapes)


class TestKernelPaths(unittest.TestCase):
    @parameterized.expand(list(cases()))
    def test_shrunk_limits_agree_with_tf_keras(self, name, layer, args, shapes):
        # Budgets found on kerasmini alone: bands and whole images, each with a remainder.
        km_layer, x = make_km(layer, dict(args)), make_inputs(shapes[0], "float32", np.random.default_rng(0))
        covering = budgets_covering(lambda: km_layer(x))
        walks = []
        for budget in sorted(set(covering.values())):
            with shrunk(workspace_bytes=budget, block_bytes=budget, parallel_bytes=0,
                        workers=2) as walked:
                check_values(layer, args, "float32", shapes, seed_of(layer, name, budget))
            walks += walked
        self.assertLessEqual(set(covering), kinds(walks), name)


class TestThreadedProducts(unittest.TestCase):
    @parameterized.expand([(f"{layer}_{i}", layer, args)
                           for i, (layer, args) in enumerate(THREADED)])
    def test_shared_products_agree_with_tf_keras(self, name, layer, args):
        shape = (5, 7, 9, 3) if layer != "Dense" else (11, 6)
        with shrunk(small_product=0, min_rows=3, workers=2) as walked:
            check_values(layer, args, "float32", [shape], seed_of(layer, name, 0))
        if layer == "Conv2D" and args["kernel_size"] != 1:
            self.assertGreater(max(len(walk) for walk in walked), 2, name)  # shared blocks


class TestTrainingStepBlocks(unittest.TestCase):
    """The training step's blocked and threaded gradient rules: bias + relu and max
    pooling in blocks of images (one image, and a few with a shorter last block) on two
    threads, the kernel gradient in whole-image blocks the threads share, one channel's
    patch matrix built column by column and its input gradient scattered."""

    @parameterized.expand([
        ("conv_one_channel_relu", "Conv2D", dict(filters=4, kernel_size=3, padding="same",
                                                 activation="relu"), (5, 7, 9, 1)),
        ("conv_three_channels_relu", "Conv2D", dict(filters=4, kernel_size=(3, 2),
                                                    strides=(2, 1), activation="relu"),
         (5, 7, 9, 3)),
        ("maxpool_2", "MaxPool2D", dict(pool_size=2), (5, 7, 9, 3)),
        ("maxpool_3_2_same", "MaxPool2D", dict(pool_size=3, strides=2, padding="same"),
         (5, 7, 9, 3)),
    ])
    def test_blocked_gradients_agree_with_tf_gradient_tape(self, name, layer, args, shape):
        from conformance.gradients import check_gradients
        from kerasmini.ops import bias_activation_vjp, max_pooling_vjp
        image = int(np.prod(shape[1:])) * 4  # float32 bytes of one image (pooling input)
        for budget in (1, 2 * image):
            blocks = []
            spied = unittest.mock.patch.object(
                bias_activation_vjp if layer == "Conv2D" else max_pooling_vjp,
                "over_row_blocks", _spy_blocks(blocks))
            with shrunk(block_bytes=budget, parallel_bytes=0, workers=2, small_product=0,
                        min_rows=3) as walked, spied:
                check_gradients(layer, args, "float32", shape, f"{name}_{budget}")
            self.assertGreaterEqual(len(blocks), 2, name)  # blocks of the rule ran
            if layer == "Conv2D":  # the conv rule's whole-image blocks (one per image)
                self.assertIn([slice(i, i + 1) for i in range(5)],
                              [[images for images, _ in walk] for walk in walked], name)


def _spy_blocks(blocks):
    """An over_row_blocks that records each block's image count as it runs it."""
    from kerasmini.ops import threads

    def spied(task, rows, row_bytes, budget_bytes):
        threads.over_row_blocks(lambda part: (blocks.append(part), task(part)), rows,
                                row_bytes, budget_bytes)
    return spied


class TestBlockedLayerNormalization(unittest.TestCase):
    """ops/layer_normalize.py's rows in blocks of one row and of a few rows with a
    shorter last block, the rows shared by two threads."""

    @parameterized.expand([("last", dict(epsilon=1e-6)), ("two_axes", dict(axis=[-2, -1])),
                           ("no_centre", dict(center=False))])
    def test_blocked_rows_agree_with_tf_keras(self, name, args):
        for budget in (1, 300):
            with shrunk(block_bytes=budget, parallel_bytes=0, workers=2):
                check_layer_values("LayerNormalization", args, "float32", [(5, 7, 9, 3)],
                                   seed_of("LayerNormalization", name, budget))


class TestResizeChunksAndThreads(unittest.TestCase):
    """ops/resizing.py: chunks of one image, the batch shared by two threads; rows from
    strided slices (2x, 3/2) or gathers (7/3), columns first or (shrinking) rows first."""

    @parameterized.expand([
        ("upsampling_bilinear", "UpSampling2D", dict(size=2, interpolation="bilinear")),
        ("upsampling_bilinear_cf", "UpSampling2D",
         dict(size=(3, 2), interpolation="bilinear", data_format="channels_first")),
        ("resizing_3_2", "Resizing", dict(height=9, width=11)),
        ("resizing_7_3", "Resizing", dict(height=14, width=6)),
        ("resizing_shrinks", "Resizing", dict(height=4, width=12)),
    ])
    def test_chunks_and_threads_agree_with_tf_keras(self, name, layer, args):
        shape = (5, 6, 7, 3) if args.get("data_format") != "channels_first" else (5, 3, 6, 7)
        with shrunk(workspace_bytes=1, parallel_bytes=0, workers=2):
            check_layer_values(layer, args, "float32", [shape], seed_of(layer, name, 0))


class TestBlockedElementwise(unittest.TestCase):
    """PReLU (ops/prelu.py) one sample per block on two threads; Permute and
    channels_first outputs (ops/layout.transposed_copy) in 2 x 2 tiles with remainders."""

    @parameterized.expand([
        ("prelu_shared", "PReLU", dict(shared_axes=[1, 2]), (5, 7, 9, 3)),
        ("prelu", "PReLU", {}, (5, 7, 9, 3)),
        ("permute", "Permute", dict(dims=(3, 1, 2)), (5, 7, 9, 3)),
        ("permute_2_1", "Permute", dict(dims=(2, 1)), (5, 7, 9)),
        ("avgpool_channels_first", "AveragePooling2D",
         dict(pool_size=2, data_format="channels_first"), (5, 3, 7, 9)),
    ])
    def test_blocks_tiles_and_threads_agree_with_tf_keras(self, name, layer, args, shape):
        with shrunk(block_bytes=1, parallel_bytes=0, workers=2), \
                unittest.mock.patch.object(layout, "TILE", 2):
            check_layer_values(layer, args, "float32", [shape], seed_of(layer, name, 0))


class TestPoolingWidthPasses(unittest.TestCase):
    """ops/window_reduction.py's two width passes for strides > 1: over the block's flat
    run then every stride-th column (narrow pixels), or one strided tap per window offset
    (the limit at -1); windows cut by either edge, odd and even widths."""

    @parameterized.expand([
        (f"{layer}_{i}_{path}", layer, args, shape, path)
        for i, (layer, args, shape) in enumerate([
            ("MaxPool2D", dict(pool_size=3, strides=2, padding="same"), (3, 7, 9, 5)),
            ("MaxPool2D", dict(pool_size=(2, 4), strides=(1, 3), padding="same"), (3, 6, 10, 4)),
            ("MaxPool2D", dict(pool_size=2, padding="valid"), (3, 8, 8, 64)),
            ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (3, 8, 8, 5)),
            ("AveragePooling2D", dict(pool_size=(2, 5), strides=(2, 2), padding="same"),
             (3, 6, 9, 4))])
        for path in ("flat", "strided")])
    def test_width_passes_agree_with_tf_keras(self, name, layer, args, shape, path):
        calls = []
        real = window_reduction.reduce_subsampled

        def spy(*call):
            calls.append(call[1].shape)
            return real(*call)
        limit = window_reduction.SHORT_PIXEL_BYTES if path == "flat" else -1
        with unittest.mock.patch.object(window_reduction, "SHORT_PIXEL_BYTES", limit), \
                unittest.mock.patch.object(window_reduction, "reduce_subsampled", spy):
            check_values(layer, args, "float32", [shape], seed_of(layer, name, 0))
        self.assertEqual(bool(calls), path == "flat", name)


class TestWeightBoundProducts(unittest.TestCase):
    """A kernel larger than its patch matrix (a deep layer at batch 1): the convolution is
    not cut into row blocks, its product is shared by columns; a Dense kernel larger than
    products.LARGE_OPERAND_BYTES makes a small product shared by columns too."""

    @parameterized.expand([
        ("conv", "Conv2D", dict(filters=32, kernel_size=3, padding="same"), (1, 2, 3, 16),
         dict(small_product=0, min_rows=4), 16),
        ("dense", "Dense", dict(units=40), (1, 8), {}, 20),
    ])
    def test_shared_columns_agree_with_tf_keras(self, name, layer, args, shape, limits,
                                                half):
        parts = {"rows": [], "columns": []}
        real_conv, real_products = convolution.over_parts, products.over_parts

        def spy(kind, real):
            return lambda task, blocks: parts[kind].extend(blocks) or real(task, blocks)
        with shrunk(workers=2, **limits), \
                unittest.mock.patch.object(products, "LARGE_OPERAND_BYTES", 0), \
                unittest.mock.patch.object(convolution, "over_parts", spy("rows", real_conv)), \
                unittest.mock.patch.object(products, "over_parts",
                                           spy("columns", real_products)):
            check_values(layer, args, "float32", [shape], seed_of(layer, name, 0))
        self.assertEqual(parts["rows"], [], name)
        self.assertEqual(parts["columns"][:2], [slice(0, half), slice(half, 2 * half)], name)
