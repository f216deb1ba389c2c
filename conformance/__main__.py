"""python -m conformance: run the suite with progress, a summary table and a report.

    python -m conformance                    # full tier (~3-4 min on 2 cores)
    python -m conformance --quick            # a spread of every grid (< 2 min)
    python -m conformance --layer Conv2D     # one layer
    python -m conformance --report report.md --junit junit.xml
    python -m conformance --seed 42          # repeat a random tier
    python -m conformance --random-case Dense:123456   # reproduce one random case

Exit status is non-zero on any kerasmini failure (TensorFlow divergences alone do not fail).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m conformance", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the quick tier (every 8th case)")
    p.add_argument("--layer", help="only this layer: Conv2D, MaxPool2D or Dense")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML to FILE")
    p.add_argument("--report", metavar="FILE.md", help="write a markdown report to FILE.md")
    p.add_argument("--counts", metavar="FILE.json",
                   help="write the run's counts for conformance/readme_counts.py")
    p.add_argument("--seed", type=int, help="base seed of the random tier (default: new)")
    p.add_argument("--random-case", metavar="LAYER:SEED",
                   help="run one random-tier case and print what it compared")
    p.add_argument("-n", "--workers", default="2",
                   help="pytest-xdist workers (default 2; 0 = in-process)")
    p.add_argument("-k", dest="keyword", help="pytest -k expression")
    return p.parse_args(argv)


def random_case(spec):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    layer_family, seed = spec.split(":")
    from conformance import harness, randomized
    layer, args, dtype, shapes = randomized.MAKERS[layer_family](int(seed))
    print(f"{harness.describe(layer, args, dtype)} input shapes {shapes} seed={seed}")
    harness.reset_record()
    try:
        harness.check_values(layer, args, dtype, shapes, int(seed))
    except BaseException as e:  # pytest's Failed is a BaseException
        print(f"FAIL: {e}")
        return 1
    rec = harness.RECORD
    print(f"PASS: {rec['cases']} outputs, max abs err {rec['max_abs_err']:.3g}, "
          f"{rec['max_ulps']:.2f} {dtype} ulps")
    for d in rec["divergences"]:
        print(f"TensorFlow divergence {d['kind']}: {d['detail']}")
    return 0


def main(argv=None):
    opts = parse(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, ROOT)
    if opts.random_case:
        return random_case(opts.random_case)
    os.environ["KM_CONFORMANCE_TIER"] = "quick" if opts.quick else "full"
    if opts.layer:
        os.environ["KM_CONFORMANCE_LAYER"] = opts.layer
    if opts.seed is not None:
        os.environ["KM_CONFORMANCE_SEED"] = str(opts.seed)
    if opts.report:
        os.environ["KM_CONFORMANCE_REPORT"] = os.path.abspath(opts.report)
    if opts.counts:
        os.environ["KM_CONFORMANCE_COUNTS"] = os.path.abspath(opts.counts)
    import pytest
    args = [HERE, "--rootdir", ROOT, "-q", "-p", "no:cacheprovider", "--tb=line",
            "-o", "console_output_style=progress"]
    if opts.workers not in ("0", "1"):
        args += ["-n", opts.workers]
    if opts.junit:
        args += ["--junitxml", os.path.abspath(opts.junit)]
    if opts.keyword:
        args += ["-k", opts.keyword]
    print(f"kerasmini conformance: tier={os.environ['KM_CONFORMANCE_TIER']}"
          f"{' layer=' + opts.layer if opts.layer else ''}; progress below, summary at the end",
          flush=True)
    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(main())
