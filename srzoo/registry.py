"""Every srzoo registry, and nothing else.

Model parts (backbones, discriminators, losses) live in stand-alone registries
that a restorer builds from. ``RESTORERS`` is srzoo's child of mmengine's
``MODELS``, so the mmengine Runner builds ``model=dict(type=...)`` from it in
the default scope ``srzoo``. The runner-side registries are children of
mmengine's, so mmengine's loops, hooks and wrappers find srzoo's entries.
"""

from mmengine import registry as mmengine_registry
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

from srzoo.utils.registry_hint import HintingRegistry

# Generators: SRResNet, MSRResNet, RRDBNet, and user plugins.
BACKBONES = HintingRegistry("backbone", scope="srzoo", locations=["srzoo.models"])
# Discriminators: SRGANDiscriminator, VGGStyleDiscriminator.
DISCRIMINATORS = HintingRegistry("discriminator", scope="srzoo", locations=["srzoo.models"])
# Pixel, perceptual and GAN losses.
LOSSES = HintingRegistry("loss", scope="srzoo", locations=["srzoo.models"])
# Restorers (SRModel, SRGAN, ESRGAN) and data preprocessors; the Runner builds model= here.
RESTORERS = HintingRegistry(
    "restorer", parent=MMENGINE_MODELS, scope="srzoo", locations=["srzoo.models"]
)
# Datasets: paired LR/GT folders and GT-only on-the-fly degradation.
DATASETS = HintingRegistry(
    "dataset", parent=MMENGINE_DATASETS, scope="srzoo", locations=["srzoo.datasets"]
)
# Data samplers: the resumable infinite sampler (position saved in checkpoints).
DATA_SAMPLERS = HintingRegistry(
    "data sampler", parent=MMENGINE_DATA_SAMPLERS, scope="srzoo", locations=["srzoo.datasets"]
)
# Data transforms (mmcv BaseTransform subclasses).
TRANSFORMS = HintingRegistry(
    "transform", parent=MMENGINE_TRANSFORMS, scope="srzoo", locations=["srzoo.datasets"]
)
# Evaluation metrics (mmengine BaseMetric subclasses).
METRICS = HintingRegistry(
    "metric", parent=MMENGINE_METRICS, scope="srzoo", locations=["srzoo.evaluation"]
)
# Training hooks: generator EMA, visualisation, guards.
HOOKS = HintingRegistry("hook", parent=MMENGINE_HOOKS, scope="srzoo", locations=["srzoo.engine"])
# Training loops: the iteration loop that resumes without re-reading past batches.
LOOPS = HintingRegistry("loop", parent=MMENGINE_LOOPS, scope="srzoo", locations=["srzoo.engine"])
# Optimizer-wrapper constructors: one wrapper per GAN part (generator, discriminator).
OPTIM_WRAPPER_CONSTRUCTORS = HintingRegistry(
    "optimizer wrapper constructor",
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope="srzoo",
    locations=["srzoo.engine"],
)
# Optimizer wrappers: mixed precision (bf16/fp16 autocast) on CPU and GPU.
OPTIM_WRAPPERS = HintingRegistry(
    "optimizer wrapper", parent=MMENGINE_OPTIM_WRAPPERS, scope="srzoo", locations=["srzoo.engine"]
)

# mmengine's other registries get an empty srzoo child each. The Runner builds optimizers,
# schedulers, the visualizer, the log processor ... in the default scope "srzoo"; without a
# child of that scope mmengine warns "Failed to search registry with scope srzoo" for each
# (a dozen lines that read like faults), then falls back to its own entries, which these
# children reach through their parent anyway.
_PLAIN_CHILDREN = (
    "EVALUATOR",
    "FUNCTIONS",
    "INFERENCERS",
    "LOG_PROCESSORS",
    "MODEL_WRAPPERS",
    "OPTIMIZERS",
    "PARAM_SCHEDULERS",
    "RUNNER_CONSTRUCTORS",
    "RUNNERS",
    "STRATEGIES",
    "TASK_UTILS",
    "VISBACKENDS",
    "VISUALIZERS",
    "WEIGHT_INITIALIZERS",
)
MMENGINE_CHILDREN = {
    name: Registry(name.lower(), parent=getattr(mmengine_registry, name), scope="srzoo")
    for name in _PLAIN_CHILDREN
}
