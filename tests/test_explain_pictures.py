"""Pictures: the files are made, have the expected frames, and are not blank."""
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import numpy as np

from kerasmini import layers
from kerasmini.explain import pictures

try:
    import matplotlib  # noqa: F401
    from PIL import Image
except ImportError:  # the plots extra is not installed
    Image = None

ROOT = Path(__file__).resolve().parents[1]


def pixels(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


@unittest.skipIf(Image is None, 'needs matplotlib: pip install "kerasmini[plots]"')
class PicturesTest(unittest.TestCase):
    def setUp(self):
        self.directory = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.directory)

    def assert_not_blank(self, path):
        self.assertTrue(path.is_file(), path)
        array = pixels(path)
        self.assertGreater(array.shape[0] * array.shape[1], 10_000, path)
        colors = np.unique(array.reshape(-1, 3), axis=0)
        self.assertGreater(len(colors), 4, f"{path} has {len(colors)} colours")
        self.assertGreater((array < 250).any(axis=-1).mean(), 0.02, f"{path} is mostly white")

    def test_sliding_window_png_and_gif(self):
        png = pictures.draw_sliding_window(self.directory / "s.png")
        self.assert_not_blank(png)
        gif = pictures.draw_sliding_window(self.directory / "s.gif")
        with Image.open(gif) as image:
            self.assertEqual(image.n_frames, 9)  # 3x3 output positions
        self.assert_not_blank(gif)

    def test_gif_frames_follow_strides_and_padding(self):
        gif = pictures.draw_sliding_window(self.directory / "s.gif", input_size=(5, 6),
                                           kernel_size=3, strides=(2, 3), padding="same")
        with Image.open(gif) as image:
            self.assertEqual(image.n_frames, 3 * 2)  # ceil(5 / 2) x ceil(6 / 3)

    def test_frames_differ(self):
        gif = pictures.draw_sliding_window(self.directory / "s.gif", input_size=4,
                                           kernel_size=3)
        with Image.open(gif) as image:
            frames = []
            for n in range(image.n_frames):
                image.seek(n)
                frames.append(np.asarray(image.convert("RGB"), dtype=np.int16))
        self.assertEqual(len(frames), 4)
        for a, b in zip(frames, frames[1:]):
            self.assertTrue((a != b).any(), "two frames are the same: the window did not move")

    def test_padding_is_drawn(self):
        valid = pixels(pictures.draw_sliding_window(self.directory / "v.png", 3, 3))
        same = pixels(pictures.draw_sliding_window(self.directory / "p.png", 3, 3,
                                                   padding="same"))
        grey = np.array([217, 217, 217])  # the padding cells' colour
        grey_in_valid = (np.abs(valid - grey).sum(-1) < 6).sum()  # anti-aliased edges only
        grey_in_same = (np.abs(same - grey).sum(-1) < 6).sum()
        self.assertGreater(grey_in_same, 10 * grey_in_valid + 500)

    def test_no_position_fits(self):
        with self.assertRaisesRegex(ValueError, "no output position fits"):
            pictures.draw_sliding_window(self.directory / "x.png", 2, 3)

    def test_layer_windows_and_feature_maps(self):
        pool = layers.MaxPool2D(2)
        self.assert_not_blank(pictures.draw_layer_windows(pool, (1, 4, 6, 3),
                                                          self.directory / "pool.png"))
        conv = layers.Conv2D(3, 3, padding="same")
        self.assert_not_blank(pictures.draw_feature_maps(conv, pictures.sample_image(16),
                                                         self.directory / "maps.png"))

    def test_model_diagram(self):
        stack = [layers.Conv2D(4, 3, name="c"), layers.MaxPool2D(name="p"),
                 layers.Dense(2, name="d")]
        self.assert_not_blank(pictures.draw_model(stack, (None, 12, 12, 1),
                                                  self.directory / "m.png"))
        bad = pictures.draw_model(stack, (None, 2, 2, 1), self.directory / "bad.png")
        red = np.array([244, 199, 195])  # a layer with no output is drawn red
        self.assertGreater((np.abs(pixels(bad) - red).sum(-1) < 6).sum(), 100)

    def test_model_diagram_of_a_graph(self):
        from tests.test_explain_graph import branchy, shared_two_inputs
        path = pictures.draw_model(branchy(), path=self.directory / "graph.png")
        self.assert_not_blank(path)
        arc = np.array([122, 78, 31])  # a branch that skips boxes is drawn as a brown arc
        self.assertGreater((np.abs(pixels(path) - arc).sum(-1) < 40).sum(), 100)
        self.assert_not_blank(pictures.draw_model(shared_two_inputs(), [(1, 6), (1, 6)],
                                                  self.directory / "two.png"))

    def test_cli_picture(self):
        from kerasmini.explain.cli import main
        path = self.directory / "cli.gif"
        with mock.patch("sys.stdout"):
            status = main(["MaxPool2D()", "--input-shape", "1,4,4,1", "--picture", str(path)])
        self.assertEqual(status, 0)
        with Image.open(path) as image:
            self.assertEqual(image.n_frames, 4)


class WithoutMatplotlibTest(unittest.TestCase):
    def test_clear_error_names_the_extra(self):
        hidden = {"matplotlib": None, "matplotlib.figure": None,
                  "matplotlib.backends.backend_agg": None}
        with mock.patch.dict(sys.modules, hidden):
            with self.assertRaisesRegex(ImportError, r'pip install "kerasmini\[plots\]"'):
                pictures.draw_sliding_window("never_written.png")
        self.assertFalse(Path("never_written.png").exists())

    def test_import_kerasmini_does_not_import_matplotlib(self):
        code = "import kerasmini, sys; print('matplotlib' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(out.strip(), "False")


class TutorialTest(unittest.TestCase):
    def test_tutorial_is_up_to_date(self):
        """docs/tutorial.md is what docs/make_tutorial.py makes from docs/tutorial.src.md."""
        result = subprocess.run([sys.executable, str(ROOT / "docs" / "make_tutorial.py"),
                                 "--check"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
