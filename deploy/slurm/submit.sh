#!/bin/bash
# The whole STEP 1-1 + 1-2 on a Slurm cluster: extract (array + the target), then the sharded search
# (array), then the merge, each stage starting only when the previous one succeeded (afterok: every
# task of an array job). Run from this folder: DATA=/shared/twindb ./submit.sh
set -euo pipefail
cd "$(dirname "$0")"
source ./env.sh
mkdir -p "$DATA/feats"
pool=$(sbatch --parsable extract.sbatch)
target=$(sbatch --parsable --job-name=twindb-extract-target --cpus-per-task=4 --mem=8G \
  --wrap "$TWINDB extract --encoder '$ENCODER' --db '$TARGET_DB' --out '$DATA/feats/target.arrow'")
search=$(sbatch --parsable --dependency="afterok:$pool:$target" sample-partial.sbatch)
merge=$(sbatch --parsable --dependency="afterok:$search" merge.sbatch)
echo "submitted: extract $pool (+ target $target) → search $search → merge $merge"
