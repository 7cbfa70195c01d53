#!/usr/bin/env python3
"""Validate JSON instances against a JSON Schema (draft 7) with python3-jsonschema.

usage: validate.py SCHEMA INSTANCE...
Prints every violation as `INSTANCE: path: message` and exits 1 if there is any; exits 2 when
the schema itself is invalid or a file cannot be read; exits 3 when jsonschema cannot be
imported (never 1: a test expecting "rejected" must not pass on a missing validator).
Called from tests/test_report.c.
"""
import json
import sys

try:
    import jsonschema
except ImportError as e:
    print(f"validate.py: python3-jsonschema cannot be imported ({e}); tools/dev.sh installs it",
          file=sys.stderr)
    sys.exit(3)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"{argv[1]}: bad schema: {e}", file=sys.stderr)
        return 2
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                instance = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: not json: {e}", file=sys.stderr)
            return 2
        for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in err.path) or "(root)"
            print(f"{path}: {where}: {err.message}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
