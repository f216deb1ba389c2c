"""kerasmini.applications' builders against tf.keras's (conformance/models/builders.py):
configs, summaries, parameter counts, predictions with copied weights, .keras files
read back by tf.keras; argument errors raise tf.keras's exception classes. The deep
variants run with KM_ALL_APPLICATIONS=1 (builders.DEEP)."""
import os
import unittest

from parameterized import parameterized

from conformance.models import builders

NAMES = builders.names("all" if os.environ.get("KM_ALL_APPLICATIONS") == "1"
                       else os.environ.get("KM_CONFORMANCE_TIER", "full"))


class BuildersTest(unittest.TestCase):
    @parameterized.expand([(name,) for name in NAMES])
    def test_same_model_as_tf_keras(self, name):
        result = builders.check(name, values=name in builders.quick_names())
        self.assertTrue(result["config_equal"], f"{name}: {result.get('config_diff')}")
        self.assertTrue(result["summary_equal"], f"{name}: summary() text differs")
        self.assertEqual(*result["params"], f"{name}: parameter counts differ")
        for key, what in (("predictions", "predictions with tf.keras's weights"),
                          ("saved_back", "tf.keras reading kerasmini's .keras file")):
            if key not in result:  # not the family's first case
                continue
            error, ok = result[key]
            self.assertTrue(ok, f"{name}: {what} differ by {error:.3g} of the output's "
                                "scale")
