"""srzoo: a plugin-based model zoo for GAN super-resolution.

Importing ``srzoo`` is cheap; ``srzoo.models``, ``srzoo.datasets``,
``srzoo.evaluation`` and ``srzoo.engine`` register their classes on import,
and the registries import them on first use.
"""

__version__ = "0.1.0"
