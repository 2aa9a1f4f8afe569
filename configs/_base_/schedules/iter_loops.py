# Iteration-based train / val / test loops; leaf configs set max_iters and val_interval.
train_cfg = dict(type="IterBasedTrainLoop", max_iters=1000000, val_interval=5000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
