"""python -m kerasmini check MODEL: exit 0 when every layer agrees, 1 when one does not,
2 when the check cannot run (no TensorFlow, unreadable file, bad option)."""
import argparse
import sys

USAGE = "python -m kerasmini check MODEL [options]"


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m kerasmini check", description=(
        "Compare every layer of a Keras model file in kerasmini and in tf.keras, on "
        "identical inputs, with a float64 run deciding who is right."))
    p.add_argument("model", help="a .keras file or a legacy .h5 model file")
    p.add_argument("--inputs", metavar="X.npy|X.npz",
                   help="your own inputs: a .npy array, or a .npz with one array per input")
    p.add_argument("--samples", type=int, default=8,
                   help="how many random samples when --inputs is not given (default 8)")
    p.add_argument("--batch-size", type=int, default=32, help="samples per batch (32)")
    p.add_argument("--dim-size", type=int, default=None,
                   help="the size of the inputs' `None` dimensions (other than the batch)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (0)")
    p.add_argument("--rtol", type=float, help="override the rtol of the dtype")
    p.add_argument("--atol", type=float, help="override atol (default: rtol * scale)")
    p.add_argument("--keras-model", metavar="FILE",
                   help="the file tf.keras loads (default: MODEL), e.g. the original of a "
                        "converted or re-saved MODEL")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML (one case per layer)")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p.parse_args(argv)


def progress_line(batch, row, total):
    print(f"check: batch {batch + 1}, layer {row.index}/{total} {row.name} "
          f"({row.class_name}): {row.verdict}", file=sys.stderr, flush=True)


def main(argv):
    args = parse(argv)
    from kerasmini.check.api import check_model
    from kerasmini.check.twins import TensorFlowMissing
    try:
        result = check_model(args.model, args.inputs, args.rtol, args.atol,
                             samples=args.samples, batch_size=args.batch_size,
                             dim_size=args.dim_size, seed=args.seed,
                             keras_model=args.keras_model,
                             progress=None if args.quiet else progress_line)
    except TensorFlowMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError, NotImplementedError) as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(result.table())
    for path, text in ((args.junit, result.to_junit), (args.json, result.to_json)):
        if path:
            with open(path, "w") as f:
                f.write(text())
    return 0 if result.passed else 1
