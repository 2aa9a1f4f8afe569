"""Shim for ``srzoo export``, kept for MMEditing habits (``srzoo export --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("export"))
