#!/usr/bin/python3
"""Validate a JSON document against one of congo's schemas (oci-schema/).

    tests/schema/validate.py SCHEMA JSON-FILE      (JSON-FILE "-" reads stdin)

Every *.schema.json next to SCHEMA is loaded, so schemas may refer to each
other by file name (process.schema.json uses config.schema.json's $defs).
Prints one line per violation, "FILE: PATH: MESSAGE" with PATH written as
congo writes JSON paths (linux.namespaces[2].type), and exits 1; exits 0
silently when the document is valid, 2 on usage or unreadable input.
Needs python3-jsonschema (Debian's, under /usr/bin/python3)."""
import json
import os
import re
import sys

import jsonschema


def load_json(path, what):
    def no_constants(name):
        raise ValueError("%s is not JSON" % name)
    try:
        if path == "-":
            return json.load(sys.stdin, parse_constant=no_constants)
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_constant=no_constants)
    except (OSError, ValueError) as e:
        print("%s: cannot read %s: %s" % (path, what, e), file=sys.stderr)
        sys.exit(2)


def json_path(parts):
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p):
            out += ("." if out else "") + p
        else:
            out += "[%s]" % json.dumps(p)
    return out


def make_validator(schema_path):
    schema = load_json(schema_path, "schema")
    directory = os.path.dirname(os.path.abspath(schema_path))
    others = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".schema.json"):
            doc = load_json(os.path.join(directory, name), "schema")
            others[doc.get("$id", name)] = doc
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (uri, Resource.from_contents(doc)) for uri, doc in others.items())
        return cls(schema, registry=registry)
    except ImportError:
        resolver = jsonschema.RefResolver(base_uri=schema.get("$id", ""), referrer=schema, store=others)
        return cls(schema, resolver=resolver)


def main(argv):
    if len(argv) != 3:
        print("Usage: %s SCHEMA JSON-FILE\n\n%s" % (argv[0], __doc__.strip()), file=sys.stderr)
        return 2
    validator = make_validator(argv[1])
    doc = load_json(argv[2], "document")
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for e in errors:
        path = json_path(e.absolute_path)
        print("%s: %s%s" % (argv[2], path + ": " if path else "", e.message))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
