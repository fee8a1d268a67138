#!/usr/bin/env bash
# Runs a `vcm hunt` on Slurm: an array job with one task per shard, then a merge job.
#
#   scripts/slurm/vcm-hunt-on-slurm.sh SCENARIO POLICIES SEEDS SHARDS OUT_DIR [extra sbatch args...]
#
#   e.g. scripts/slurm/vcm-hunt-on-slurm.sh hyp/scenarios/seed004-heisenbug.toml native,xen 10000 50 \
#          /shared/hunts/seed004 --partition=batch --cpus-per-task=4
#
# 1. The array job (scripts/slurm/vcm-hunt-shard.sbatch, --array=0-(SHARDS-1)): task K runs
#    `vcm hunt SCENARIO --policies POLICIES --seeds SEEDS --shard K/SHARDS` into OUT_DIR/shard-K.db.
# 2. The merge job (--dependency=afterok:ARRAY, so it runs only if every task COMPLETED; it is
#    cancelled if one fails): `vcm hunt merge OUT_DIR/shard-*.db -o OUT_DIR/hunt.db`, then
#    `vcm hunt report OUT_DIR/hunt.db`. Its output (the report) is vcm-hunt-merge-JOBID.out.
#
# Prints `array job ID` and `merge job ID` on stdout. The jobs' output files go to the current
# directory (vcm-hunt-ARRAY_TASK.out, vcm-hunt-merge-JOBID.out). Extra arguments go to both sbatch
# calls (partition, account, time limit, --cpus-per-task for the shards' vcm --jobs, ...).
#
# Environment: VCM, the vcm binary (default `vcm` on PATH); VCM_HUNT_FIRST_SEED (default 1).
# OUT_DIR and the scenario must be on a file system that every node sees under the same path; both
# are made absolute here, as is VCM when it names a path.
set -euo pipefail

prog=$(basename "$0")
die() { echo "$prog: error: $*" >&2; exit 2; }
usage() {
  echo "usage: $prog SCENARIO POLICIES SEEDS SHARDS OUT_DIR [extra sbatch args...]" >&2
  exit 2
}

(($# >= 5)) || usage
scenario=$1 policies=$2 seeds=$3 shards=$4 out_dir=$5
shift 5

shard_script=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/vcm-hunt-shard.sbatch
[[ -r "$shard_script" ]] || die "cannot find the job script $shard_script"
command -v sbatch >/dev/null || die "sbatch not found on PATH"

[[ -f "$scenario" && -r "$scenario" ]] || die "scenario file not found or not readable: $scenario"
[[ -n "$policies" ]] || die "POLICIES is empty (e.g. native,xen)"
positive() { [[ "$1" =~ ^[0-9]{1,9}$ ]] && ((10#$1 >= 1)); }
positive "$seeds" || die "SEEDS must be an integer >= 1, got '$seeds'"
positive "$shards" || die "SHARDS must be an integer >= 1, got '$shards'"
seeds=$((10#$seeds)) shards=$((10#$shards))
((shards <= seeds)) || die "SHARDS ($shards) is more than SEEDS ($seeds): some shards would be empty"
first_seed=${VCM_HUNT_FIRST_SEED:-1}
[[ "$first_seed" =~ ^[0-9]+$ ]] || die "VCM_HUNT_FIRST_SEED must be an integer >= 0, got '$first_seed'"
[[ -n "$out_dir" ]] || die "OUT_DIR is empty"

vcm=${VCM:-vcm}
if [[ "$vcm" == */* ]]; then
  [[ -f "$vcm" && -x "$vcm" ]] || die "VCM is not an executable file: $vcm"
  vcm=$(cd "$(dirname "$vcm")" && pwd)/$(basename "$vcm")
else
  command -v "$vcm" >/dev/null || die "'$vcm' not found on PATH (set VCM to the vcm binary)"
fi

mkdir -p "$out_dir" || die "cannot create OUT_DIR $out_dir"
out_dir=$(cd "$out_dir" && pwd)
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")

# The parameters travel in the environment (--export=ALL), not as --export=ALL,NAME=VALUE: sbatch
# splits --export at every comma, so POLICIES=native,xen would not survive.
export VCM=$vcm VCM_HUNT_SCENARIO=$scenario VCM_HUNT_POLICIES=$policies VCM_HUNT_SEEDS=$seeds \
  VCM_HUNT_FIRST_SEED=$first_seed VCM_HUNT_OUT=$out_dir VCM_HUNT_SHARDS=$shards

array_job=$(sbatch --parsable --array=0-$((shards - 1)) --export=ALL "$@" "$shard_script") ||
  die "sbatch refused the array job"
array_job=${array_job%%;*}   # --parsable prints ID or ID;CLUSTER
[[ "$array_job" =~ ^[0-9]+$ ]] || die "unexpected answer from sbatch --parsable: '$array_job'"

# The merge job's script goes to sbatch on stdin. It lists the shards 0..SHARDS-1 itself rather than
# globbing, so that stale shard files of an earlier hunt with more shards in OUT_DIR do not matter
# (and a missing one is an error of vcm hunt merge).
merge_job=$(sbatch --parsable --job-name=vcm-hunt-merge --cpus-per-task=1 \
  --output=vcm-hunt-merge-%j.out --dependency=afterok:"$array_job" --kill-on-invalid-dep=yes \
  --export=ALL "$@" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
shards=()
for ((k = 0; k < VCM_HUNT_SHARDS; k++)); do shards+=("$VCM_HUNT_OUT/shard-$k.db"); done
# (merge prints the report too; keep only vcm hunt report's copy)
"$VCM" hunt merge "${shards[@]}" -o "$VCM_HUNT_OUT/hunt.db" >/dev/null
echo "merged ${#shards[@]} shards into $VCM_HUNT_OUT/hunt.db"
"$VCM" hunt report "$VCM_HUNT_OUT/hunt.db"
EOF
) || {
  scancel "$array_job" 2>/dev/null || true
  die "sbatch refused the merge job; cancelled the array job $array_job"
}
merge_job=${merge_job%%;*}
[[ "$merge_job" =~ ^[0-9]+$ ]] || {
  scancel "$array_job" 2>/dev/null || true
  die "unexpected answer from sbatch --parsable: '$merge_job'; cancelled the array job $array_job"
}

echo "array job $array_job"
echo "merge job $merge_job"
echo "$prog: $shards shards of $scenario ($policies, $seeds seeds from $first_seed) -> $out_dir/hunt.db;" \
  "the report will be in vcm-hunt-merge-$merge_job.out" >&2
