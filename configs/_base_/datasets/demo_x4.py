# The CPU demo data made by tools/prepare_demo_data.py from scikit-image's photos:
# data/demo/{train,val}/{GT,LRx4}. Small patches so a step takes well under a second.
scale = 4
gt_patch_size = 64
train_pipeline = [
    dict(type="LoadImageFromFile", key="gt", cache=True),
    dict(type="LoadImageFromFile", key="lq", cache=True),
    dict(type="PairedRandomCrop", gt_patch_size=gt_patch_size),
    dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
    dict(type="PackSRInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", key="gt", cache=True),
    dict(type="LoadImageFromFile", key="lq", cache=True),
    dict(type="PackSRInputs"),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,  # 2-core CPU: one decoder process beside the training threads
    persistent_workers=True,
    prefetch_factor=4,
    pin_memory=False,  # True on a GPU machine (async host-to-device copies); no use on CPU
    sampler=dict(type="ResumableInfiniteSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    dataset=dict(
        type="PairedImageDataset",
        data_root="data/demo/train",
        gt_folder="GT",
        lq_folder="LRx4",
        scale=scale,
        pipeline=train_pipeline,
    ),
)
_val_set = dict(
    type="PairedImageDataset",
    data_root="data/demo/val",
    gt_folder="GT",
    lq_folder="LRx4",
    scale=scale,
    test_mode=True,
    pipeline=test_pipeline,
)
test_datasets = [dict(name="demo-val", dataset=_val_set)]
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
    dataset=_val_set,
)
test_dataloader = val_dataloader
val_evaluator = dict(type="SRMetrics", crop_border=4)
test_evaluator = val_evaluator
