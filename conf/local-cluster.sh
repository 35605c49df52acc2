#!/usr/bin/env bash
# A real Spark standalone cluster on 127.0.0.1, from the project's jars (no Spark distribution needed): Spark's own
# Master and Worker classes in separate JVMs, each worker advertising one simulated GPU (addresses "0", "1", ...),
# so GPU scheduling runs for real on a machine without GPUs.
#
#   conf/local-cluster.sh start [--workers 2] [--cores 1] [--memory 2g] [--no-gpus]   # prints the master URL
#   conf/local-cluster.sh stop
#
# The cluster lives in $NEURON_ATLAS_CLUSTER_DIR (default job/target/local-cluster): pids, logs, work folders.
# Its workers' GPUs are made up, so a map on it must say so (see README, "Running on a cluster"):
#   ./submit.sh --master "$(cat job/target/local-cluster/master-url)" \
#     --conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1 \
#     --conf spark.neuron-atlas.simulate-gpu-as-cpu=true map --model M --out A
# The launch recipe itself is io.neuronatlas.testkit.LoopbackCluster (shared with the tests and bench-cluster); this
# script runs the bench module's local-cluster command, the same as ./submit.sh local-cluster.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$HERE/job/target"
DIR="${NEURON_ATLAS_CLUSTER_DIR:-$TARGET/local-cluster}"

case "${1:-}" in
  start|stop) cmd="$1"; shift ;;
  *) echo "usage: $0 start [--workers N] [--cores N] [--memory 2g] [--no-gpus] | stop" >&2; exit 2 ;;
esac
mkdir -p "$DIR"
"$HERE/submit.sh" local-cluster "$cmd" --dir "$DIR" "$@" \
  | { if [[ "$cmd" == start ]]; then tee "$DIR/master-url"; else cat; fi; }
