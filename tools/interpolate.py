"""Shim for ``srzoo interpolate``, kept for MMEditing habits (``srzoo interpolate --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("interpolate"))
