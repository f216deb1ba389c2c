"""Keras 3.15 optimizers kerasmini does not provide, under their Keras names, so that a
script using one stops at once with the reason instead of training with another rule.
(Not Optimizer subclasses: they never run.)

- Muon orthogonalizes each matrix update by Newton-Schulz iterations and hands the other
  variables (embeddings, biases, by their layer and shape) to an inner AdamW;
- ScheduleFreeAdamW keeps two extra sequences per variable and swaps the weights between
  training and evaluation (it needs hooks in fit and evaluate kerasmini lacks);
- MultiOptimizer / OptimizerMap route variables to several optimizers by path and merge
  their states in one file layout.
Each would be a rule of its own to check against tf.keras; none is here yet.
"""
from kerasmini.refused import Refused


class _Refused(Refused):
    namespace = "keras.optimizers"


class Muon(_Refused):
    reason = ("its Newton-Schulz orthogonalized updates are not implemented. Use "
              "keras.optimizers.AdamW or Lamb (a per-layer trust ratio).")


class ScheduleFreeAdamW(_Refused):
    reason = ("schedule-free averaging is not implemented. Use keras.optimizers.AdamW "
              "with a learning-rate schedule (e.g. CosineDecay with warmup).")


class MultiOptimizer(_Refused):
    reason = "one optimizer per group of variables is not implemented."


class OptimizerMap(_Refused):
    reason = "one optimizer per group of variables (MultiOptimizer) is not implemented."
