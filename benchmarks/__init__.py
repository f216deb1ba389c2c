"""Speed and memory of kerasmini against tf.keras, side by side in one run.

    python -m benchmarks [--quick] [--only SUBSTRING ...] [--json FILE]

See docs/performance.md for what is measured and the latest table.
"""
