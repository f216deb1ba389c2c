"""Every keras.applications architecture, the Keras examples' convnets and the graph
shapes of graphs.py: saved by tf.keras, loaded by kerasmini, compared prediction by
prediction and layer call by layer call, summaries compared as text, saved back and read
by tf.keras (conformance/models/applications.py does the work); the graphs also move
their weights through .weights.h5 both ways and load from tf.keras's legacy .h5. Quick
tier: one model per family, each example and graph."""
import os
import unittest

from parameterized import parameterized

from conformance.models import applications

NAMES = (applications.quick_names() if os.environ.get("KM_CONFORMANCE_TIER") == "quick"
         else list(applications.MODELS))


class ApplicationsTest(unittest.TestCase):
    @parameterized.expand([(name,) for name in NAMES])
    def test_load_predict_summary_save_back(self, name):
        result = applications.check(name)
        self.assertTrue(result["loads"], f"{name}: kerasmini cannot load tf.keras's file: "
                                         f"{result.get('error')}")
        error, ok = result["predictions"]
        self.assertTrue(ok, f"{name}: predictions differ from tf.keras by {error:.3g} of "
                            "the output's scale")
        layer, error, ok = result["worst_layer"]
        self.assertTrue(ok, f"{name}: layer '{layer}' differs from tf.keras by "
                            f"{error:.3g} of its output's scale")
        self.assertTrue(result["summary_equal"], f"{name}: summary() text differs")
        error, ok = result["saved_back"]
        self.assertTrue(ok, f"{name}: tf.keras reading kerasmini's file predicts "
                            f"differently ({error:.3g} of the output's scale)")
        for key, what in (("weights_h5", ".weights.h5 files moved both ways"),
                          ("legacy_h5", "tf.keras's legacy .h5 file loaded")):
            if key in result:  # the graphs of graphs.py
                error, ok = result[key]
                self.assertTrue(ok, f"{name}: {what}: predictions differ by {error:.3g} "
                                    "of the output's scale")

    def test_readme_table_lists_every_model(self):
        readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
        with open(readme) as f:
            table = applications.readme_section(f.read())
        self.assertIsNotNone(table, "README.md has no architecture table: run "
                                    "python -m conformance.models.applications")
        listed = [line.split("|")[1].strip() for line in table.splitlines()
                  if line.startswith("| ") and not line.startswith("| Model")]
        self.assertEqual(listed, list(applications.MODELS),
                         "README's table is not current: run "
                         "python -m conformance.models.applications")
