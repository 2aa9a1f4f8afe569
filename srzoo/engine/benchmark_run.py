"""Build a restorer from a config, load a checkpoint, and write the benchmark tables."""

import json
from pathlib import Path

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from srzoo.engine.evaluate import evaluate_dataset
from srzoo.engine.weights import load_restorer_weights


def test_sets(cfg: Config) -> list[dict]:
    """``cfg.test_datasets`` (name + dataset), or the single ``test_dataloader`` set."""
    if cfg.get("test_datasets"):
        return list(cfg.test_datasets)
    return [dict(name="test", dataset=cfg.test_dataloader.dataset)]


def run_benchmark(cfg: Config, checkpoint: str, *, save_images: bool = False, bicubic: bool = True):
    """Evaluate ``checkpoint`` on every test set of ``cfg``; write Markdown, CSV and JSON.

    Returns:
        dict[str, Path]: the written table files by format.
    """
    from srzoo.evaluation.tables import to_markdown, write_tables

    cfg.model.pop("pretrained", None)  # the checkpoint supplies the weights
    runner = Runner.from_cfg(cfg)  # sets up scope, env and distributed state
    model = runner.model
    load_restorer_weights(getattr(model, "module", model), checkpoint)
    name = cfg.get("model_zoo", {}).get("name", Path(cfg.filename).stem)
    rows = []
    for entry in test_sets(cfg):
        loader = dict(cfg.test_dataloader, dataset=entry["dataset"])
        save_dir = Path(cfg.work_dir) / "images" / entry["name"] if save_images else None
        with DefaultScope.overwrite_default_scope("srzoo"):
            result = evaluate_dataset(
                model, loader, cfg.test_evaluator, with_bicubic=bicubic, save_dir=save_dir
            )
        if result["bicubic"]:
            rows.append(dict(model="bicubic", dataset=entry["name"], **result["bicubic"]))
        rows.append(dict(model=name, dataset=entry["name"], **result["model"]))
    if not is_main_process():
        return {}
    paths = write_tables(rows, cfg.work_dir, stem="benchmark")
    meta = dict(
        name=name,
        checkpoint=str(checkpoint),
        published=cfg.get("model_zoo", {}).get("published", {}),
    )
    (Path(cfg.work_dir) / "model_zoo.json").write_text(json.dumps(meta, indent=1))
    print(to_markdown(rows))
    return paths
