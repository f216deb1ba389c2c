"""Every number explain prints, checked against the truth, over the conformance grids:
positions against the layer's output shape, the 'same' padding split against the loop
reference's (tests/reference.py, which shares no code with kerasmini), channels and
filters per group against the kernel the layer builds, parameters against count_params.
"""
import re
import unittest

from kerasmini import layers
from tests import reference

HEADER = re.compile(r"(height|width): (\d+) in, (?:kernel|window) (\d+), stride (\d+), "
                    r"padding '(\w+)'")
POSITIONS = re.compile(r"positions = [^\n]*= ([\d.]+)")  # the line's last result
ROUNDED = re.compile(r"rounds ~?[\d.]+ down to (\d+)")
PADDING = re.compile(r"padding = [^\n]*= (-?\d+)(?: -> no padding needed)?(?:: (\d+) (?:top|left), (\d+) (?:bottom|right))?")


def axis_blocks(text):
    """(name, n, k, s, padding, positions, total, before, after) per spatial axis, as
    printed; total/before/after are None when not printed."""
    blocks, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        header = HEADER.match(line.strip())
        if not header:
            continue
        body = []
        for following in lines[i + 1:]:
            if not following.startswith("    "):
                break
            body.append(following.strip())
        body = "\n".join(body)
        positions = ROUNDED.search(body) or POSITIONS.search(body)
        padding = PADDING.search(body)
        total, before, after = padding.groups() if padding else (None, None, None)
        blocks.append((*header.groups(), positions.group(1), total, before, after))
    return blocks


GROUPS = re.compile(r"channels: (\d+) in, split into groups=(\d+) of (\d+); each group has "
                    r"(\d+) of the (\d+) filters")
PARAMETERS = re.compile(r"parameters: [^\n]*?(\d+)(?: \(|$)", re.M)


def spatial(shape, data_format):
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


class ExplainNumbersTest(unittest.TestCase):
    def check(self, layer, shape, args):
        context = f"{type(layer).__name__}({args}) on {shape}"
        try:
            out = layer.compute_output_shape(shape)
        except ValueError:
            return 0
        text = str(layer.explain(shape))
        data_format = getattr(layer, "data_format", "channels_last")
        axes = axis_blocks(text)
        self.assertEqual(len(axes), 2, f"{context}\n{text}")
        kernel = getattr(layer, "kernel_size", None) or layer.pool_size
        dilation = pair(getattr(layer, "dilation_rate", 1))
        for (name, n, k, s, padding, positions, total, before, after), n_in, n_out, \
                k_true, s_true, d in zip(axes, spatial(shape, data_format),
                                         spatial(out, data_format), kernel, layer.strides,
                                         dilation):
            self.assertEqual((int(n), int(k), int(s), padding),
                             (n_in, k_true, s_true, layer.padding), f"{context} {name}")
            self.assertEqual(float(positions), n_out, f"{context} {name}\n{text}")
            ref_out, ref_before = reference.out_size_and_pad_before(n_in, k_true, s_true, d,
                                                                    layer.padding)
            self.assertEqual(float(positions), ref_out, f"{context} {name}")
            if layer.padding == "same":
                ref_total = max((ref_out - 1) * s_true + (k_true - 1) * d + 1 - n_in, 0)
                self.assertEqual(max(int(total), 0), ref_total, f"{context} {name}\n{text}")
                if ref_total:
                    self.assertEqual((int(before), int(after)),
                                     (ref_before, ref_total - ref_before), f"{context} {name}")
            else:
                self.assertIsNone(total, f"{context}: 'valid' printed a padding")
        self.check_weights(layer, shape, text, context)
        return 1

    def check_weights(self, layer, shape, text, context):
        built = type(layer).from_config(layer.get_config())
        built.build(shape)
        printed = [int(p) for p in PARAMETERS.findall(text)]
        self.assertEqual(printed[-1:], [built.count_params()], f"{context}\n{text}")
        groups = GROUPS.findall(text)
        if getattr(layer, "groups", 1) > 1:
            channels, g, per_group, filters_per_group, filters = map(int, groups[0])
            kernel = built.kernel.shape
            self.assertEqual((g, per_group, filters), (layer.groups, kernel[2], kernel[3]),
                             context)
            self.assertEqual(filters_per_group * g, filters, context)
            self.assertEqual(channels, per_group * g, context)
        else:
            self.assertEqual(groups, [], context)

    def test_conv2d_grid(self):
        from conformance import grids
        checked = sum(self.check(layers.Conv2D(**args), shape, name)
                      for name, args, shapes in grids.conv_configs() for shape in shapes)
        self.assertGreater(checked, 1000)

    def test_pooling_grid(self):
        from conformance import grids
        checked = sum(self.check(getattr(layers, layer)(**args), shape, name)
                      for name, layer, args, shapes in grids.pool_configs()
                      for shape in shapes)
        self.assertGreater(checked, 300)
