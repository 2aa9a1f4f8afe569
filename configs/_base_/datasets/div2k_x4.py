# DIV2K x4 training (sub-images, see docs/datasets.md), Set5 validation, and the six
# benchmark test sets read by tools/test.py. Folder layout: docs/datasets.md.
scale = 4
gt_patch_size = 128
train_pipeline = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PairedRandomCrop", gt_patch_size=gt_patch_size),
    dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
    dict(type="PackSRInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PackSRInputs"),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=6,
    persistent_workers=True,
    pin_memory=True,
    prefetch_factor=4,
    sampler=dict(type="ResumableInfiniteSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    dataset=dict(
        type="PairedImageDataset",
        data_root="data/DIV2K",
        gt_folder="DIV2K_train_HR_sub",
        lq_folder="DIV2K_train_LR_bicubic/X4_sub",
        filename_tmpl="{}",
        scale=scale,
        pipeline=train_pipeline,
    ),
)


def _benchmark(name, gt="HR", lq="LR_bicubic/X4", tmpl="{}"):
    return dict(
        name=name,
        dataset=dict(
            type="PairedImageDataset",
            data_root=f"data/{name}",
            gt_folder=gt,
            lq_folder=lq,
            filename_tmpl=tmpl,
            scale=4,
            test_mode=True,
            pipeline=test_pipeline,
        ),
    )


test_datasets = [
    _benchmark("Set5"),
    _benchmark("Set14"),
    _benchmark("BSD100"),
    _benchmark("Urban100"),
    _benchmark("Manga109"),
    _benchmark("DIV2K", gt="DIV2K_valid_HR", lq="DIV2K_valid_LR_bicubic/X4", tmpl="{}x4"),
]
_eval_loader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
)
val_dataloader = dict(**_eval_loader, dataset=test_datasets[0]["dataset"])
test_dataloader = dict(**_eval_loader, dataset=test_datasets[0]["dataset"])
val_evaluator = dict(type="SRMetrics", crop_border=4)
test_evaluator = val_evaluator
