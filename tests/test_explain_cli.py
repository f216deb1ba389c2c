"""`python -m kerasmini` (the seed example) and `python -m kerasmini explain ...`."""
import contextlib
import io
import os
import unittest

from parameterized import parameterized

from kerasmini import layers
from kerasmini.__main__ import main
from kerasmini.explain.parsing import ParseError, parse_layer, parse_shape

SEED = ["explain", "Conv2D(filters=5, kernel_size=3, strides=(2, 2))",
        "--input-shape", "10,8,16,3"]


def run(argv):
    """(exit status, stdout, stderr) of `python -m kerasmini ARGV`, in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's errors
            status = exit_.code
    return status, out.getvalue(), err.getvalue()


class SeedExampleTest(unittest.TestCase):
    def test_no_arguments_prints_the_seed_example(self):
        status, out, _ = run([])
        self.assertEqual(status, 0)
        for words in ("-> (10, 3, 7, 5)", "-> (10, 4, 8, 5)", "140 parameters",
                      "(16 - 3) / 2 + 1 = 7.5 -> 7 with 'valid'", "8 with 'same'",
                      "(8 - 3) / 2 + 1 = 3.5 -> 3 with 'valid'", "4 with 'same'"):
            self.assertIn(words, out)

    def test_explain_the_seed_example(self):
        status, out, _ = run(SEED)
        self.assertEqual(status, 0)
        for words in ("(16 - 3) / 2 + 1 = (16 - 3 + 2) / 2 = 7.5", "rounds 7.5 down to 7",
                      "(padding='same' would give ceil(16 / 2) = 8)", "rounds 3.5 down to 3",
                      "(padding='same' would give ceil(8 / 2) = 4)",
                      "output shape: (10, 8, 16, 3) -> (10, 3, 7, 5)"):
            self.assertIn(words, out)

    def test_explain_same(self):
        status, out, _ = run(SEED[:1] + ["Conv2D(5, 3, strides=2, padding='same')"] + SEED[2:])
        self.assertEqual(status, 0)
        self.assertIn("output shape: (10, 8, 16, 3) -> (10, 4, 8, 5)", out)

    def test_unknown_command(self):
        status, _, err = run(["explian"])
        self.assertEqual(status, 2)
        self.assertIn("unknown command: explian", err)


class ExplainCommandTest(unittest.TestCase):
    def test_a_stack_of_layers_has_one_row_per_layer(self):
        status, out, _ = run(["explain", "Conv2D(8, 3, name='c')", "MaxPool2D(name='p')",
                              "Dense(10, name='d')", "--input-shape", "None,28,28,1"])
        self.assertEqual(status, 0)
        rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
        self.assertEqual([row[:2] for row in rows[1:4]],
                         [["c", "Conv2D"], ["p", "MaxPooling2D"], ["d", "Dense"]])
        self.assertIn("(None, 28, 28, 1) -> (None, 13, 13, 10), 170 parameters", out)

    def test_no_output_is_explained_with_status_1(self):
        status, out, _ = run(["explain", "Conv2D(2, 5)", "--input-shape", "1,4,4,3"])
        self.assertEqual(status, 1)
        self.assertIn("no output: kernel 5 is larger than input 4 with padding='valid'", out)

    def test_a_bad_layer_argument_is_the_layers_own_error(self):
        status, _, err = run(["explain", "Conv2D(5, 3, padding='full')", "--input-shape",
                              "1,8,8,3"])
        self.assertEqual(status, 2)
        self.assertIn("Received: full", err)

    @parameterized.expand([
        ("call", "__import__('os').environ.setdefault('KERASMINI_EXECUTED', '1')",
         "does not start with a layer"),
        ("argument_call", "Conv2D(filters=print('PW' + 'NED'), kernel_size=3)",
         "only literal"),
        ("argument_name", "Conv2D(filters=x, kernel_size=3)", "only literal"),
        ("operator", "Conv2D(filters=2 ** 3, kernel_size=3)", "only literal"),
        ("star_args", "Conv2D(*[5, 3])", "*args is not allowed"),
        ("star_kwargs", "Conv2D(**{'filters': 5})", "**kwargs is not allowed"),
        ("module_function", "os.environ.setdefault('KERASMINI_EXECUTED', '1')",
         "unknown layer 'os.environ.setdefault'"),
        ("not_a_layer", "InputSpec(ndim=4)", "unknown layer 'InputSpec'"),
        ("private", "_name_counts()", "unknown layer"),
        ("syntax", "Conv2D(5,", "cannot read"),
    ])
    def test_unsafe_or_unreadable_text_is_refused(self, _, text, words):
        status, out, err = run(["explain", text, "--input-shape", "1,8,8,3"])
        self.assertEqual(status, 2)
        self.assertIn(words, err)
        self.assertNotIn("PWNED", out + err)  # the print was not run
        self.assertNotIn("KERASMINI_EXECUTED", os.environ)  # nor the environ call

    def test_bad_shape(self):
        status, _, err = run(["explain", "Dense(3)", "--input-shape", "10,eight"])
        self.assertEqual(status, 2)
        self.assertIn("'eight' is not a positive integer", err)


class ParsingTest(unittest.TestCase):
    def test_layer_arguments(self):
        layer = parse_layer("layers.Conv2D(5, kernel_size=(3, 1), strides=2, "
                            "padding='same', use_bias=False, data_format='channels_first')")
        self.assertIsInstance(layer, layers.Conv2D)
        self.assertEqual((layer.filters, layer.kernel_size, layer.strides, layer.padding,
                          layer.use_bias, layer.data_format),
                         (5, (3, 1), (2, 2), "same", False, "channels_first"))

    def test_bare_name_and_keras_prefix(self):
        self.assertIsInstance(parse_layer("MaxPooling2D"), layers.MaxPooling2D)
        self.assertEqual(parse_layer("keras.layers.Dense(3)").units, 3)

    def test_missing_argument(self):
        with self.assertRaisesRegex(ParseError, "Dense: .*units"):
            parse_layer("Dense()")

    @parameterized.expand([("10,8,16,3", (10, 8, 16, 3)), ("(None, 28, 28, 1)",
                                                            (None, 28, 28, 1)),
                           ("[?, 4]", (None, 4)), ("(8,)", (8,))])
    def test_shapes(self, text, shape):
        self.assertEqual(parse_shape(text), shape)

    @parameterized.expand([("",), ("0,3",), ("-1,3",), ("2.5,3",), ("10 8",)])
    def test_bad_shapes(self, text):
        with self.assertRaises(ParseError):
            parse_shape(text)


class BoundedPicturesTest(unittest.TestCase):
    """A picture's cost is capped: large inputs are drawn as a representative crop, and
    a window too large to draw is refused in one clear line, never a traceback."""

    def test_small_inputs_are_drawn_whole(self):
        from kerasmini.explain.pictures import drawn_input_size
        self.assertEqual(drawn_input_size(5, 3, 1, "same"), (5, 5))

    def test_large_inputs_become_a_crop_with_the_same_padding(self):
        from kerasmini.explain.pictures import (MAX_DRAWN_CELLS, WindowGeometry,
                                                drawn_input_size)
        for size, kernel, stride, padding in [(32, 3, 1, "same"), (33, 4, 2, "same"),
                                              (100, 5, 3, "valid"), (64, 2, 4, "same")]:
            crop = drawn_input_size(size, kernel, stride, padding)
            full = WindowGeometry(size, kernel, stride, padding)
            drawn = WindowGeometry(crop, kernel, stride, padding)
            self.assertLess(crop[0], size)
            self.assertLessEqual(drawn.padded_size[0], MAX_DRAWN_CELLS)
            self.assertEqual(drawn.pads, full.pads)  # the same padding split
            self.assertEqual(drawn.taps(0, 0), full.taps(0, 0))

    def test_a_window_too_large_to_draw_is_refused_in_words(self):
        status, out, err = run(["explain", "AveragePooling2D(2000, padding='same')",
                                "--input-shape", "1,1,1,1", "--picture", "never.png"])
        self.assertEqual(status, 1)
        self.assertIn("-> (1, 1, 1, 1)", out)  # the derivation is still printed
        self.assertIn("picture not drawn: too large to draw: a window of 2000 pixels", err)
        self.assertFalse(os.path.exists("never.png"))

    def test_weightless_layers_count_zero_parameters(self):
        status, out, _ = run(["explain", "Conv2D(2, 3)", "Flatten()", "Dense(3)",
                              "--input-shape", "1,5,5,1"])
        self.assertEqual(status, 0)
        self.assertIn("(1, 5, 5, 1) -> (1, 3), 77 parameters", out)
        self.assertNotIn("?", out)

    def test_a_closed_pipe_ends_quietly(self):
        import subprocess
        import sys
        command = [sys.executable, "-m", "kerasmini", "explain", "Conv2D(2, 3)",
                   "Flatten()", "Dense(3)", "--input-shape", "1,5,5,1"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env={**os.environ, "PYTHONPATH": os.getcwd()})
        process.stdout.close()  # as `| head` does once it has its lines
        stderr = process.stderr.read().decode()
        process.wait()
        self.assertNotIn("Traceback", stderr)
        self.assertEqual(process.returncode, 141)

    def test_a_merge_layer_given_one_shape_is_explained_not_a_traceback(self):
        for argv in (["Concatenate()"], ["Add()", "Dense(2)"]):
            status, out, err = run(["explain", *argv, "--input-shape", "1,6"])
            self.assertEqual(status, 1, out + err)
            self.assertIn("takes a list of input shapes, one per input", out)
