"""`python -m kerasmini explain LAYER [LAYER ...] --input-shape 10,8,16,3`.

One layer: its derivation. Several: one row per layer (each fed the previous output),
then each layer's derivation. `--picture FILE.png|FILE.gif` also draws it: the window
sliding over the input for one Conv2D/pooling layer, or the model diagram for several
(needs matplotlib: pip install "kerasmini[plots]").

Exit status: 0 when there is an output shape, 1 when the configuration has none (the
reason is printed), 2 when the command line cannot be read.
"""
import argparse
import sys

from kerasmini.explain.derivations import explain_layer
from kerasmini.explain.model_table import explain_model
from kerasmini.explain.parsing import ParseError, parse_layer, parse_shape

EXAMPLE = ('python -m kerasmini explain "Conv2D(filters=5, kernel_size=3, strides=(2, 2))" '
           "--input-shape 10,8,16,3")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="python -m kerasmini explain",
        description="Derive a layer's (or a stack of layers') output shape in words.",
        epilog=f"example: {EXAMPLE}")
    parser.add_argument("layers", nargs="+", metavar="LAYER",
                        help='a kerasmini.layers call with literal arguments, e.g. '
                             '"MaxPool2D(pool_size=2)"; several make a stack')
    parser.add_argument("--input-shape", required=True, metavar="SHAPE",
                        help="the input shape with its batch axis, e.g. 10,8,16,3 "
                             "(None or ? for unknown sizes)")
    parser.add_argument("--picture", metavar="FILE",
                        help="also draw it to FILE (.png, or .gif for an animation)")
    return parser


def main(argv=None, out=None):
    out = out or sys.stdout
    parser = make_parser()
    options = parser.parse_args(argv)
    try:
        layers = [parse_layer(text) for text in options.layers]
        input_shape = parse_shape(options.input_shape)
    except ValueError as error:  # ParseError, or the layer's own argument check
        parser.error(str(error))
    if len(layers) == 1:
        explanation = explain_layer(layers[0], input_shape)
        print(explanation, file=out)
    else:
        explanation = explain_model(layers, input_shape)
        print(explanation.details(), file=out)
    if options.picture and explanation.ok:
        try:
            print(f"picture: {draw(layers, input_shape, options.picture)}", file=out)
        except (ValueError, ImportError, OSError) as error:  # too large, no matplotlib,
            print(f"picture not drawn: {error}", file=sys.stderr)  # bad format or path
            return 1
    return 0 if explanation.ok else 1


def draw(layers, input_shape, path):
    """The sliding window for one windowed layer, else the model diagram. (A transposed
    convolution, with its output_padding, scatters rather than slides: no window picture;
    nor does a 3D layer's window fit on a page: a volume gets the diagram too.)"""
    from kerasmini.explain import pictures  # lazy: matplotlib is optional

    layer = layers[0]
    windowed = hasattr(layer, "strides") and hasattr(layer, "padding")
    volume = len(input_shape) == 5
    if len(layers) == 1 and windowed and not hasattr(layer, "output_padding") and not volume:
        return pictures.draw_layer_windows(layer, input_shape, path)
    return pictures.draw_model(layers, input_shape, path)


__all__ = ["ParseError", "main", "make_parser"]
