"""Shim for ``srzoo test``, kept for MMEditing habits (``srzoo test --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("test"))
