# Shared settings of the sbatch scripts (sourced by each). Paths are on a filesystem every node sees.
# TWINDB: how to run the CLI on a compute node, e.g. `node /opt/twindb/packages/cli/bin/twindb.mjs`
# (a checkout after `npm ci`) or `apptainer exec twindb.sif node /app/packages/cli/bin/twindb.mjs`.
TWINDB=${TWINDB:-"node $HOME/twindb/packages/cli/bin/twindb.mjs"}
DATA=${DATA:-/shared/twindb}
ENCODER=$DATA/encoder.onnx
POOL_DB=folder:$DATA/images/pool
TARGET_DB=folder:$DATA/images/target
# Must match `--array=0-7` of extract.sbatch: the pool files in shard order (the same order in
# every search task and in the merge; the merge refuses partial files of another order).
POOL_FILES=$(for i in 0 1 2 3 4 5 6 7; do printf '%s ' "$DATA/feats/pool-$i.arrow"; done)
# The search flags: the same in every --pool-shard task and in the merge.
SEARCH_FLAGS=${SEARCH_FLAGS:-"-k 5"}
