"""Shim for ``srzoo train``, kept for MMEditing habits (``srzoo train --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("train"))
