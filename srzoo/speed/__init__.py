"""Layer 5: the speed benchmark (``srzoo speed``, ``tools/speed.py``).

Training iteration split into data time, G step and D step; inference time and peak memory
per precision / memory format / compile / tiling variant; srzoo's ``train_step`` against a
bare PyTorch loop over the same networks and loss methods. Accuracy tables are
:mod:`srzoo.evaluation` (``srzoo test``), not this.
"""
