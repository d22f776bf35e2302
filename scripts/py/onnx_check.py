#!/usr/bin/env python3
"""Check an ONNX file with onnx.checker (full_check=True, which includes shape inference).

Usage: onnx_check.py MODEL.onnx
Prints "OK" and exits 0 when the model passes; prints the checker's error and exits 1 when it
does not; exits 2 when the onnx package is missing or the arguments are wrong. The unit tests in
src/onnx call this through /usr/bin/python3 (Debian's python3-onnx).
"""
import sys


def main(argv):
    if len(argv) != 2:
        print("usage: onnx_check.py MODEL.onnx", file=sys.stderr)
        return 2
    try:
        import onnx
    except ImportError as err:
        print(f"onnx python package not available: {err}", file=sys.stderr)
        return 2
    try:
        onnx.checker.check_model(argv[1], full_check=True)
    except Exception as err:  # the checker raises several exception types; all mean "invalid"
        print(f"{type(err).__name__}: {err}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
