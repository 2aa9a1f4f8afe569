"""Shim for ``srzoo convert``, kept for MMEditing habits (``srzoo convert --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("convert"))
