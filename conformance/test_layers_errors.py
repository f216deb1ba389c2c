"""Errors of the model-building layers: for invalid arguments and inputs, kerasmini raises
the same exception class as tf.keras, or both succeed; judged on construct + call as one
step, with the rules of test_errors.py (what tf.keras rejects at construction kerasmini
must reject there too). Deliberate differences are listed in DELIBERATE and reported."""
import unittest

import numpy as np

from conformance import harness, test_errors

X4 = (1, 5, 5, 2)
X3 = (1, 6, 2)

# (name, layer, args, inputs: a shape, a list of shapes for merge layers, or None)
CASES = [
    ("Dropout_rate_1.5", "Dropout", dict(rate=1.5), (2, 3)),
    ("Dropout_rate_neg", "Dropout", dict(rate=-0.1), (2, 3)),
    ("Dropout_rate_str", "Dropout", dict(rate="0.5"), (2, 3)),
    ("Dropout_rate_none", "Dropout", dict(rate=None), (2, 3)),
    ("Reshape_two_unknown", "Reshape", dict(target_shape=(-1, -1)), (2, 6)),
    ("Reshape_zero_dim", "Reshape", dict(target_shape=(0, 6)), (2, 6)),
    ("Reshape_neg2", "Reshape", dict(target_shape=(-2, 3)), (2, 6)),
    ("Reshape_size_mismatch", "Reshape", dict(target_shape=(4, 2)), (2, 6)),
    ("Reshape_not_divisible", "Reshape", dict(target_shape=(-1, 4)), (2, 6)),
    ("Reshape_str", "Reshape", dict(target_shape="ab"), (2, 6)),
    ("Cropping2D_larger_than_input", "Cropping2D", dict(cropping=3), X4),
    ("Cropping2D_equal_to_input", "Cropping2D", dict(cropping=((2, 3), (0, 0))), X4),
    ("Cropping2D_negative", "Cropping2D", dict(cropping=-1), X4),
    ("Cropping2D_3tuple", "Cropping2D", dict(cropping=(1, 1, 1)), X4),
    ("Cropping2D_rank3", "Cropping2D", dict(cropping=1), (5, 5, 2)),
    ("ZeroPadding2D_negative", "ZeroPadding2D", dict(padding=-1), X4),
    ("ZeroPadding2D_3tuple", "ZeroPadding2D", dict(padding=(1, 2, 3)), X4),
    ("ZeroPadding2D_pair_of_3", "ZeroPadding2D", dict(padding=((1, 2, 3), (1, 1))), X4),
    ("ZeroPadding2D_rank3", "ZeroPadding2D", {}, (5, 5, 2)),
    ("ZeroPadding2D_format_bad", "ZeroPadding2D", dict(data_format="nhwc"), X4),
    ("Concatenate_mismatched", "Concatenate", {}, [(2, 3, 4), (2, 5, 4)]),
    ("Concatenate_axis_out_of_range", "Concatenate", dict(axis=3), [(2, 3), (2, 3)]),
    ("Concatenate_rank_differs", "Concatenate", {}, [(2, 3), (2, 3, 3)]),
    ("Concatenate_one_input", "Concatenate", {}, [(2, 3)]),
    ("Add_different_shapes", "Add", {}, [(2, 3), (2, 4)]),
    ("Add_one_input", "Add", {}, [(2, 3)]),
    ("Add_broadcast_unit_dim", "Add", {}, [(2, 3), (2, 1)]),
    ("AveragePooling2D_no_pool_size", "AveragePooling2D", {}, X4),
    ("AveragePooling2D_pool_0", "AveragePooling2D", dict(pool_size=0), X4),
    ("AveragePooling2D_pool_neg", "AveragePooling2D", dict(pool_size=-1), X4),
    ("AveragePooling2D_strides_0", "AveragePooling2D", dict(pool_size=2, strides=0), X4),
    ("AveragePooling2D_padding_foo", "AveragePooling2D", dict(pool_size=2, padding="foo"), X4),
    ("AveragePooling2D_input_smaller", "AveragePooling2D", dict(pool_size=3), (1, 2, 5, 1)),
    ("AveragePooling2D_rank3", "AveragePooling2D", dict(pool_size=2), (4, 4, 1)),
    ("GlobalAveragePooling2D_rank3", "GlobalAveragePooling2D", {}, (4, 4, 1)),
    ("GlobalMaxPooling2D_rank5", "GlobalMaxPooling2D", {}, (1, 2, 2, 2, 1)),
    ("GlobalMaxPooling2D_format_bad", "GlobalMaxPooling2D", dict(data_format="x"), X4),
    ("BatchNormalization_axis_out_of_range", "BatchNormalization", dict(axis=4), X4),
    ("BatchNormalization_renorm", "BatchNormalization", dict(renorm=True), X4),
    ("Conv1D_kernel_0", "Conv1D", dict(filters=2, kernel_size=0), X3),
    ("Conv1D_kernel_2tuple", "Conv1D", dict(filters=2, kernel_size=(2, 2)), X3),
    ("Conv1D_padding_causal", "Conv1D", dict(filters=2, kernel_size=3, padding="causal"), X3),
    ("Conv1D_padding_foo", "Conv1D", dict(filters=2, kernel_size=3, padding="foo"), X3),
    ("Conv1D_groups_not_dividing", "Conv1D", dict(filters=2, kernel_size=3, groups=2),
     (1, 6, 3)),
    ("Conv1D_input_rank4", "Conv1D", dict(filters=2, kernel_size=3), X4),
    ("Conv1D_input_smaller_than_kernel", "Conv1D", dict(filters=2, kernel_size=7), X3),
    ("MaxPooling1D_pool_0", "MaxPooling1D", dict(pool_size=0), X3),
    ("MaxPooling1D_strides_0", "MaxPooling1D", dict(strides=0), X3),
    ("MaxPooling1D_input_rank4", "MaxPooling1D", {}, X4),
    ("MaxPooling1D_input_smaller", "MaxPooling1D", dict(pool_size=7), X3),
    ("LeakyReLU_negative_slope", "LeakyReLU", dict(negative_slope=-1.0), (2, 3)),
    ("ReLU_max_value_neg", "ReLU", dict(max_value=-1.0), (2, 3)),
    ("ReLU_threshold_neg", "ReLU", dict(threshold=-1.0), (2, 3)),
    ("ReLU_negative_slope_neg", "ReLU", dict(negative_slope=-0.5), (2, 3)),
    ("Softmax_axis_out_of_range", "Softmax", dict(axis=3), (2, 3)),
    ("Activation_unknown", "Activation", dict(activation="nope"), (2, 3)),
    ("Flatten_format_bad", "Flatten", dict(data_format="nchw"), (2, 3)),
    ("Rescaling_scale_str", "Rescaling", dict(scale="a"), (2, 3)),
    ("ELU_unknown_kwarg", "ELU", dict(foo=1), (2, 3)),
]

# The convolution, pooling and resizing layers of grids_conv_layers.py.
DW = dict(kernel_size=3)
SEP = dict(filters=2, kernel_size=3)
TR = dict(filters=2, kernel_size=3)
CASES += [
    ("DepthwiseConv2D_multiplier_0", "DepthwiseConv2D", dict(DW, depth_multiplier=0), X4),
    ("DepthwiseConv2D_multiplier_str", "DepthwiseConv2D", dict(DW, depth_multiplier="2"), X4),
    ("DepthwiseConv2D_kernel_0", "DepthwiseConv2D", dict(kernel_size=0), X4),
    ("DepthwiseConv2D_strides_0", "DepthwiseConv2D", dict(DW, strides=0), X4),
    ("DepthwiseConv2D_padding_causal", "DepthwiseConv2D", dict(DW, padding="causal"), X4),
    ("DepthwiseConv2D_input_smaller", "DepthwiseConv2D", dict(kernel_size=6), X4),
    ("DepthwiseConv2D_rank3", "DepthwiseConv2D", DW, (5, 5, 2)),
    ("DepthwiseConv2D_strides_and_dilation", "DepthwiseConv2D",
     dict(DW, strides=2, dilation_rate=2), (1, 9, 9, 2)),
    ("DepthwiseConv1D_kernel_2tuple", "DepthwiseConv1D", dict(kernel_size=(2, 2)), X3),
    ("DepthwiseConv1D_input_smaller", "DepthwiseConv1D", dict(kernel_size=7), X3),
    ("SeparableConv2D_filters_0", "SeparableConv2D", dict(SEP, filters=0), X4),
    ("SeparableConv2D_filters_str", "SeparableConv2D", dict(SEP, filters="2"), X4),
    ("SeparableConv2D_multiplier_neg", "SeparableConv2D", dict(SEP, depth_multiplier=-1), X4),
    ("SeparableConv2D_input_smaller", "SeparableConv2D", dict(SEP, kernel_size=6), X4),
    ("SeparableConv2D_format_bad", "SeparableConv2D", dict(SEP, data_format="nhwc"), X4),
    ("SeparableConv1D_padding_causal", "SeparableConv1D", dict(SEP, padding="causal"), X3),
    ("Conv2DTranspose_output_padding_ge_strides", "Conv2DTranspose",
     dict(TR, strides=2, output_padding=2), X4),
    ("Conv2DTranspose_output_padding_neg", "Conv2DTranspose", dict(TR, output_padding=-1), X4),
    ("Conv2DTranspose_strides_and_dilation", "Conv2DTranspose",
     dict(TR, strides=2, dilation_rate=2), X4),
    ("Conv2DTranspose_filters_0", "Conv2DTranspose", dict(TR, filters=0), X4),
    ("Conv2DTranspose_same_even_kernel_output_padding_0", "Conv2DTranspose",
     dict(filters=2, kernel_size=4, strides=2, padding="same", output_padding=0), X4),
    ("Conv2DTranspose_rank5", "Conv2DTranspose", TR, (1, 2, 3, 3, 2)),
    ("Conv1DTranspose_output_padding_2tuple", "Conv1DTranspose",
     dict(TR, strides=2, output_padding=(1, 1)), X3),
    ("Conv1DTranspose_padding_causal", "Conv1DTranspose", dict(TR, padding="causal"), X3),
    ("Conv2D_padding_causal", "Conv1D", dict(filters=2, kernel_size=3, padding="Causal"), X3),
    ("AveragePooling1D_pool_0", "AveragePooling1D", dict(pool_size=0), X3),
    ("AveragePooling1D_input_smaller", "AveragePooling1D", dict(pool_size=7), X3),
    ("AveragePooling1D_rank4", "AveragePooling1D", dict(pool_size=2), X4),
    ("GlobalAveragePooling1D_rank4", "GlobalAveragePooling1D", {}, X4),
    ("GlobalMaxPooling1D_format_bad", "GlobalMaxPooling1D", dict(data_format="x"), X3),
    ("UpSampling2D_size_0", "UpSampling2D", dict(size=0), X4),
    ("UpSampling2D_bicubic", "UpSampling2D", dict(interpolation="bicubic"), X4),
    ("UpSampling2D_rank3", "UpSampling2D", {}, (5, 5, 2)),
    ("UpSampling1D_size_float", "UpSampling1D", dict(size=2.0), X3),
    ("UpSampling1D_size_0", "UpSampling1D", dict(size=0), X3),
    ("ZeroPadding1D_negative", "ZeroPadding1D", dict(padding=-1), X3),
    ("ZeroPadding1D_3tuple", "ZeroPadding1D", dict(padding=(1, 2, 3)), X3),
    ("Cropping1D_larger_than_input", "Cropping1D", dict(cropping=3), X3),
    ("Cropping1D_rank4", "Cropping1D", {}, X4),
    ("Resizing_rank2", "Resizing", dict(height=2, width=2), (3, 4)),
    ("Resizing_bicubic", "Resizing", dict(height=2, width=2, interpolation="bicubic"), X4),
    ("Resizing_pad_to_aspect_ratio", "Resizing",
     dict(height=2, width=3, pad_to_aspect_ratio=True), X4),
    ("Resizing_antialias", "Resizing", dict(height=2, width=2, antialias=True), X4),
    ("CenterCrop_rank5", "CenterCrop", dict(height=2, width=2), (1, 2, 5, 5, 2)),
]

# The 3D layers (grids_volume_layers.py).
X5 = (1, 4, 5, 5, 2)
C3 = dict(filters=2, kernel_size=3)
CASES += [
    ("Conv3D_kernel_2tuple", "Conv3D", dict(C3, kernel_size=(2, 2)), X5),
    ("Conv3D_kernel_0", "Conv3D", dict(C3, kernel_size=0), X5),
    ("Conv3D_filters_0", "Conv3D", dict(C3, filters=0), X5),
    ("Conv3D_groups_not_dividing", "Conv3D", dict(C3, filters=3, groups=2), X5),
    ("Conv3D_groups_not_dividing_channels", "Conv3D", dict(C3, filters=4, groups=4), X5),
    ("Conv3D_strides_and_dilation", "Conv3D", dict(C3, strides=2, dilation_rate=2), X5),
    ("Conv3D_padding_causal", "Conv3D", dict(C3, padding="causal"), X5),
    ("Conv3D_input_smaller", "Conv3D", dict(C3, kernel_size=(5, 1, 1)), X5),
    ("Conv3D_rank4", "Conv3D", C3, X4),
    ("Conv3D_format_bad", "Conv3D", dict(C3, data_format="ndhwc"), X5),
    ("Conv3DTranspose_output_padding_ge_strides", "Conv3DTranspose",
     dict(C3, strides=2, output_padding=2), X5),
    ("Conv3DTranspose_output_padding_2tuple", "Conv3DTranspose",
     dict(C3, strides=2, output_padding=(1, 1)), X5),
    ("Conv3DTranspose_groups", "Conv3DTranspose", dict(C3, groups=2), X5),
    ("Conv3DTranspose_strides_and_dilation", "Conv3DTranspose",
     dict(C3, strides=2, dilation_rate=2), X5),
    ("Conv3DTranspose_rank4", "Conv3DTranspose", C3, X4),
    ("MaxPooling3D_pool_0", "MaxPooling3D", dict(pool_size=0), X5),
    ("MaxPooling3D_pool_2tuple", "MaxPooling3D", dict(pool_size=(2, 2)), X5),
    ("MaxPooling3D_strides_0", "MaxPooling3D", dict(strides=0), X5),
    ("MaxPooling3D_input_smaller", "MaxPooling3D", dict(pool_size=(5, 1, 1)), X5),
    ("MaxPooling3D_rank4", "MaxPooling3D", {}, X4),
    ("AveragePooling3D_no_pool_size", "AveragePooling3D", {}, X5),
    ("AveragePooling3D_padding_foo", "AveragePooling3D", dict(pool_size=2, padding="foo"),
     X5),
    ("GlobalAveragePooling3D_rank4", "GlobalAveragePooling3D", {}, X4),
    ("GlobalMaxPooling3D_format_bad", "GlobalMaxPooling3D", dict(data_format="x"), X5),
    ("UpSampling3D_size_0", "UpSampling3D", dict(size=0), X5),
    ("UpSampling3D_size_2tuple", "UpSampling3D", dict(size=(2, 2)), X5),
    ("UpSampling3D_rank4", "UpSampling3D", {}, X4),
    ("ZeroPadding3D_2tuple", "ZeroPadding3D", dict(padding=(1, 2)), X5),
    ("ZeroPadding3D_pair_of_3", "ZeroPadding3D", dict(padding=((1, 2, 3), 1, 1)), X5),
    ("ZeroPadding3D_str", "ZeroPadding3D", dict(padding="a"), X5),
    ("ZeroPadding3D_rank4", "ZeroPadding3D", {}, X4),
    ("Cropping3D_negative", "Cropping3D", dict(cropping=-1), X5),
    ("Cropping3D_larger_than_input", "Cropping3D", dict(cropping=(2, 0, 0)), X5),
    ("Cropping3D_2tuple", "Cropping3D", dict(cropping=(1, 1)), X5),
    ("Cropping3D_rank4", "Cropping3D", {}, X4),
    ("SpatialDropout3D_rank4", "SpatialDropout3D", dict(rate=0.5), X4),
    ("SpatialDropout3D_rate_1.5", "SpatialDropout3D", dict(rate=1.5), X5),
]

# Merges, normalizations and the small layers of real architectures (issue 11, h11misc).
CASES += [
    ("Multiply_different_shapes", "Multiply", {}, [(2, 3), (2, 4)]),
    ("Maximum_one_input", "Maximum", {}, [(2, 3)]),
    ("Subtract_three_inputs", "Subtract", {}, [(2, 3)] * 3),
    ("Average_broadcast_unit_dim", "Average", {}, [(2, 3), (2, 1)]),
    ("Dot_axes_str", "Dot", dict(axes="1"), [(2, 3), (2, 3)]),
    ("Dot_axes_three", "Dot", dict(axes=(1, 1, 1)), [(2, 3), (2, 3)]),
    ("Dot_mismatched_sizes", "Dot", dict(axes=1), [(2, 3), (2, 4)]),
    ("Dot_three_inputs", "Dot", dict(axes=1), [(2, 3)] * 3),
    ("LayerNormalization_axis_str", "LayerNormalization", dict(axis="x"), (2, 3)),
    ("LayerNormalization_axis_out_of_range", "LayerNormalization", dict(axis=3), (2, 3)),
    ("GroupNormalization_groups_0", "GroupNormalization", dict(groups=0), X4),
    ("GroupNormalization_more_groups", "GroupNormalization", dict(groups=4), X4),
    ("GroupNormalization_not_dividing", "GroupNormalization", dict(groups=3), (1, 2, 2, 4)),
    ("UnitNormalization_axis_str", "UnitNormalization", dict(axis="x"), (2, 3)),
    ("Normalization_mean_only", "Normalization", dict(mean=1.0), (2, 3)),
    ("Normalization_shapes_differ", "Normalization", dict(mean=[1.0, 2.0], variance=[1.0]),
     (2, 2)),
    ("Embedding_input_dim_0", "Embedding", dict(input_dim=0, output_dim=2), (2, 3)),
    ("Embedding_output_dim_str", "Embedding", dict(input_dim=3, output_dim="2"), (2, 3)),
    ("Permute_not_a_permutation", "Permute", dict(dims=(1, 1)), (2, 3, 4)),
    ("Permute_zero_index", "Permute", dict(dims=(0, 1)), (2, 3, 4)),
    ("RepeatVector_rank3", "RepeatVector", dict(n=2), (2, 3, 4)),
    ("RepeatVector_n_str", "RepeatVector", dict(n="2"), (2, 3)),
    ("SpatialDropout1D_rank4", "SpatialDropout1D", dict(rate=0.5), X4),
    ("SpatialDropout2D_rank3", "SpatialDropout2D", dict(rate=0.5), X3),
    ("RandomFlip_mode_bad", "RandomFlip", dict(mode="diagonal"), X4),
    ("RandomRotation_fill_bad", "RandomRotation", dict(factor=0.1, fill_mode="mirror"), X4),
]

# Second calls: the layer is built by the first call.
SECOND_CALL = [
    ("BatchNormalization_second_call_features", "BatchNormalization", {}, (2, 3), (2, 4)),
    ("Conv1D_second_call_channels", "Conv1D", dict(filters=2, kernel_size=3), X3, (1, 6, 3)),
    ("Cropping2D_second_call_too_small", "Cropping2D", dict(cropping=2), X4, (1, 3, 5, 2)),
    ("LayerNormalization_second_call_features", "LayerNormalization", {}, (2, 3), (2, 4)),
    ("PReLU_second_call_features", "PReLU", {}, (2, 3), (2, 4)),
]

# name -> (tf.keras's outcome: class name, "OpError" or None for success; kerasmini's; why)
_OP = "OpError"  # any TensorFlow-internal error class, as in test_errors.py
_UP_FRONT = "kerasmini raises ValueError up front, naming the argument"
DELIBERATE = {
    # tf.keras accepts these and fails inside TensorFlow when called (as test_errors.py's
    # MaxPool2D cases); kerasmini raises ValueError.
    "ZeroPadding2D_negative": (_OP, "ValueError", "InvalidArgumentError from the Pad op; " + _UP_FRONT),
    "AveragePooling2D_strides_0": (_OP, "ValueError", "TF-internal error from the AvgPool kernel; " + _UP_FRONT),
    "AveragePooling2D_padding_foo": (_OP, "ValueError", "TF-internal error (op attr 'padding'); " + _UP_FRONT),
    "MaxPooling1D_strides_0": (_OP, "ValueError", "InvalidArgumentError from the MaxPool kernel; " + _UP_FRONT),
    "MaxPooling1D_input_smaller": (_OP, "ValueError", "AbortedError from the MaxPool kernel; " + _UP_FRONT),
    "MaxPooling3D_strides_0": (_OP, "ValueError", "InvalidArgumentError from the MaxPool3D kernel; " + _UP_FRONT),
    "MaxPooling3D_input_smaller": (_OP, "ValueError", "AbortedError from the MaxPool3D kernel; " + _UP_FRONT),
    "AveragePooling3D_padding_foo": (_OP, "ValueError", "TF-internal error (op attr 'padding'); " + _UP_FRONT),
    "Concatenate_axis_out_of_range": (_OP, "ValueError", "InvalidArgumentError from ConcatV2; kerasmini raises ValueError naming the axis"),
    "Rescaling_scale_str": (_OP, "ValueError", "UnimplementedError (string * float) inside TF; kerasmini ValueError converting the scale"),
    "Softmax_axis_out_of_range": (_OP, "AxisError", "InvalidArgumentError from the Softmax op; kerasmini: NumPy's AxisError (a ValueError) naming the axis and the rank"),
    "AveragePooling2D_input_smaller": (None, "ValueError", "tf.keras returns an empty "
                                       "(1, 0, 1, 1) output although its own compute_output_shape raises ValueError "
                                       "('Computed output size would be zero or negative'); kerasmini raises that ValueError"),
    "BatchNormalization_axis_out_of_range": ("IndexError", "ValueError", "tf.keras fails with "
                                             "IndexError ('tuple index out of range') in build; kerasmini raises ValueError naming the axis and the rank"),
    # Unsupported options: a clear ValueError rather than a silent wrong answer.
    "BatchNormalization_renorm": (None, "ValueError", "batch renormalization is not "
                                  "implemented in kerasmini; it raises ValueError saying so"),
    # The convolution, pooling and resizing layers of grids_conv_layers.py.
    "Conv2DTranspose_rank5": ("IndexError", "ValueError", "tf.keras fails with IndexError "
                              "inside the call; kerasmini's input spec raises ValueError "
                              "naming the expected rank"),
    "Conv2DTranspose_same_even_kernel_output_padding_0": (
        _OP, "ValueError", "AbortedError from the oneDNN kernel (the output would be one "
        "pixel short of input * strides); " + _UP_FRONT),
    "AveragePooling1D_input_smaller": (None, "ValueError", "tf.keras returns an empty "
                                       "output although its own compute_output_shape raises "
                                       "ValueError; kerasmini raises that ValueError"),
    "Resizing_rank2": ("IndexError", "ValueError", "tf.keras fails with IndexError inside "
                       "the call; kerasmini raises ValueError naming the ranks it takes"),
    # Merges, normalizations and small layers (issue 11, h11misc).
    "LayerNormalization_axis_out_of_range": ("IndexError", "ValueError", "tf.keras fails "
                                             "with IndexError in build; kerasmini raises "
                                             "ValueError naming the axis and the shape"),
    "LayerNormalization_second_call_features": (
        _OP, "ValueError", "InvalidArgumentError when gamma does not broadcast; kerasmini's "
        "input spec raises ValueError naming the axis and its expected size"),
    "PReLU_second_call_features": (
        _OP, "ValueError", "InvalidArgumentError when alpha does not broadcast; kerasmini's "
        "input spec raises ValueError naming the axis and its expected size"),
    "RandomFlip_mode_bad": (None, "ValueError", "tf.keras accepts any mode and ignores it at "
                            "inference; kerasmini refuses an unknown mode (an argument is "
                            "never accepted and ignored)"),
    "UpSampling2D_bicubic": (None, "ValueError", "bicubic (and lanczos, area, ...) "
                             "interpolation is not implemented in kerasmini: ValueError"),
    "Resizing_bicubic": (None, "ValueError", "bicubic (and lanczos, area, ...) "
                         "interpolation is not implemented in kerasmini: ValueError"),
    "Resizing_pad_to_aspect_ratio": (None, "ValueError", "pad_to_aspect_ratio=True is not "
                                     "implemented in kerasmini: ValueError"),
    "Resizing_antialias": (None, "ValueError", "antialias=True is not implemented in "
                           "kerasmini: ValueError"),
}



def compare(name, layer, args, inputs):
    """test_errors.compare's rules, with DELIBERATE looked at first (its entries are all
    call-time outcomes)."""
    where, te, t_stage, me, m_stage = test_errors.both_outcomes(layer, args, inputs)
    if name in DELIBERATE:
        tf_class, km_class, why = DELIBERATE[name]
        if test_errors.outcome_matches(tf_class, te) and type(me).__name__ == km_class:
            harness.record_divergence(f"deliberate-{name}", where, f"tf.keras "
                                      f"{type(te).__name__ if te else 'succeeds'}; {why}")
            return
    test_errors.fail_if_only_tf_rejects_at_construction(where, te, t_stage, me, m_stage)
    test_errors.fail_unless_same_class(where, te, me)


def _input(spec):
    if isinstance(spec, list):
        return [[test_errors.make_input(s) for s in spec]]
    return [test_errors.make_input(spec)]


def run_case(name, layer, args, shape, second):
    inputs = _input(shape) + (_input(second) if second is not None else [])
    compare(name, layer, args, inputs)


def layer_cases(layer):
    """CASES of one layer, then its SECOND_CALL cases (second input shape last)."""
    return [(n, lay, a, s, None) for n, lay, a, s in CASES if lay == layer] + \
        [(n, lay, a, s1, s2) for n, lay, a, s1, s2 in SECOND_CALL if lay == layer]


for _layer in dict.fromkeys(c[1] for c in CASES + SECOND_CALL):
    globals()[f"Test{_layer}Errors"] = test_errors.error_test_class(
        f"Test{_layer}Errors", layer_cases(_layer), run_case)


class TestLayersFailedCallLeavesLayerUnchanged(unittest.TestCase):
    """A call that fails leaves the kerasmini layer as it was (architecture.md)."""

    def test_batch_norm_bad_axis(self):
        harness.note("BatchNormalization", None, "errors")
        m = harness.make_km("BatchNormalization", dict(axis=4))
        with self.assertRaises(ValueError):
            m(np.ones(X4, "float32"))
        self.assertFalse(m.built)
        self.assertEqual(m.weights, [])

    def test_conv1d_bad_channels(self):
        harness.note("Conv1D", None, "errors")
        m = harness.make_km("Conv1D", dict(filters=2, kernel_size=3, groups=2))
        with self.assertRaises(ValueError):
            m(np.ones((1, 6, 3), "float32"))
        self.assertFalse(m.built)
        self.assertEqual(m.weights, [])
        self.assertEqual(m(np.ones((1, 6, 4), "float32")).shape, (1, 4, 2))
