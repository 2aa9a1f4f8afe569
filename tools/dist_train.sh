#!/usr/bin/env bash
# tools/dist_train.sh CONFIG NUM_PROCS [train.py args]
# NUM_PROCS processes per node through torchrun: one per GPU, or CPU processes with gloo
# when no GPU is present. Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT.
set -euo pipefail
CONFIG=$1
NPROCS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# srzoo's virtual environment when there is one (make test / make demo create .venv), so the
# script works without `source .venv/bin/activate`; PYTHON=... overrides.
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python; fi
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export MKL_NUM_THREADS=${MKL_NUM_THREADS:-$OMP_NUM_THREADS}  # (mmengine warns when it sets it)
# One process checks every prerequisite first (files, and a GPU for each process where
# there are GPUs), so a missing one is reported once, last.
LOCAL_WORLD_SIZE=$NPROCS "$PYTHON" -m srzoo.cli train "$CONFIG" --check "${@:3}"
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROCS" --master_port="$PORT" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
