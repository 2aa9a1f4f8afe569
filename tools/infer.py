"""Shim for ``srzoo upscale``, kept for MMEditing habits (``srzoo upscale --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("upscale"))
