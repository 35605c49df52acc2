#!/usr/bin/env bash
# GPU discovery script for Spark resource scheduling, in the style of Spark's examples/src/main/scripts/
# getGpusResources.sh: prints the GPUs of this node as Spark's ResourceInformation JSON, e.g.
#   {"name": "gpu", "addresses": ["0", "1", "2", "3"]}
# Addresses are nvidia-smi's device indices, which is what DJL's Device.gpu(N) takes; so do not set
# CUDA_VISIBLE_DEVICES for executors (it renumbers devices inside the process).
#
# Standalone workers: SPARK_WORKER_OPTS="-Dspark.worker.resource.gpu.amount=4
#   -Dspark.worker.resource.gpu.discoveryScript=/opt/neuron-atlas/conf/getGpusResources.sh"
# YARN / Kubernetes executors: spark.executor.resource.gpu.discoveryScript (conf/spark-defaults.gpu.conf).
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found on $(hostname); this node has no usable NVIDIA driver" >&2
  exit 1
fi
indices="$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ')"
addresses="$(printf '%s\n' "$indices" | sed -e '/^$/d' -e 's/.*/"&"/' | paste -sd, -)"
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
