"""Shim for ``srzoo speed``, kept for MMEditing habits (``srzoo speed --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("speed"))
