# Iteration-based train / val / test loops; leaf configs set max_iters and val_interval.
# srzoo's loop resumes in O(1) and bit-exactly (docs/reliability.md).
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=1000000, val_interval=5000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
