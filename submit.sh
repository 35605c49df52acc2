#!/usr/bin/env bash
# neuron-atlas launcher: a thin wrapper around spark-submit.
#
#   ./submit.sh [SPARK-SUBMIT OPTIONS] COMMAND [COMMAND OPTIONS]
#   ./submit.sh map --model /models/Llama-3.1-8B --out /data/atlas
#   ./submit.sh --master spark://host:7077 --conf spark.executor.memory=24g map --model ... --out ...
#   ./submit.sh demo [DIR]        # synthetic checkpoint -> map -> the " dog" neurons, read back with Spark SQL
#   ./submit.sh shell --atlas DIR # SQL and the query commands on one warm Spark session (docs/shell.md)
#   ./submit.sh serve --atlas DIR # a warm session that this user's one-off find-token, top-neurons, profile,
#                                 # alignment and sql on DIR forward to (docs/shell.md); NEURON_ATLAS_NO_SESSION=1
#                                 # makes a one-off run on its own all the same
#   ./submit.sh --master spark://gpu-head:7077 --properties-file conf/spark-defaults.gpu.conf map ...   # GPU cluster
#   ./submit.sh bench|bench-query|bench-cluster|bench-clamp|bench-report|bench-examples|examples-demo|local-cluster ...   # benchmarks and tools (bench module)
#
# Options before COMMAND go to spark-submit unchanged. With a Spark installation (SPARK_HOME, or spark-submit on
# PATH) its spark-submit runs the job jar with conf/spark-defaults.conf; without one, the same SparkSubmit class
# runs from the project's own jars (job/target/spark-lib), Spark embedded in local mode unless --master says
# otherwise. The jar is built on first use.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="$HERE/job/target"
JAR="$TARGET/neuron-atlas.jar"
MAIN=io.neuronatlas.cli.Main
# Benchmarks and developer tools: their own jar and command line, never part of the product jar.
BENCH_JAR="$HERE/bench/target/neuron-atlas-bench.jar"
BENCH_MAIN=io.neuronatlas.bench.BenchMain
TESTKIT_JAR="$HERE/testkit/target/neuron-atlas-testkit.jar"
LOG_CONF="file:$HERE/conf/log4j2.properties"
# The flags bin/spark-class gives a driver JVM on Java 17 (org.apache.spark.launcher.JavaModuleOptions).
MODULE_FLAGS=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true)

build_if_missing() {
  if [[ ! -f "$JAR" || ! -d "$TARGET/lib" || ! -d "$TARGET/spark-lib" || ! -f "$BENCH_JAR" ]]; then
    echo "submit.sh: building the job jar (mvn package, tests skipped) ..." >&2
    (cd "$HERE" && mvn -q -B -DskipTests package) >&2
  fi
}

find_spark_submit() {
  if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
    echo "$SPARK_HOME/bin/spark-submit"
  elif command -v spark-submit >/dev/null 2>&1; then
    command -v spark-submit
  fi
}

# has_opt NEEDLE ARGS...: whether an option or a --conf key appears among the spark-submit options.
has_opt() {
  local needle="$1"; shift
  local a
  for a in "$@"; do
    [[ "$a" == "$needle" || "$a" == "$needle="* ]] && return 0
  done
  return 1
}

# spark-submit OPTIONS... -- COMMAND ARGS...
spark_submit() {
  local spark_opts=() app_args=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do spark_opts+=("$1"); shift; done
  shift || true
  app_args=("$@")
  local common=(--class "$APP_MAIN" --driver-java-options "-Dlog4j2.configurationFile=$LOG_CONF -Dai.djl.offline=true")
  # A --properties-file of yours (e.g. conf/spark-defaults.gpu.conf) replaces conf/spark-defaults.conf.
  if ! has_opt --properties-file "${spark_opts[@]}"; then
    common+=(--properties-file "$HERE/conf/spark-defaults.conf")
  fi
  local submit
  submit="$(find_spark_submit)"
  if [[ -n "$submit" ]]; then
    # DJL and scopt travel with the job; Spark, Scala and Hadoop come from the installation.
    local jars
    jars="$(ls "$TARGET"/lib/*.jar | grep -v -E '/(scala-library|slf4j-api)-' | paste -sd, -)"
    [[ "$APP_JAR" == "$JAR" ]] || jars="$jars,$JAR,$TESTKIT_JAR$(printf ',%s' "$HERE"/bench/target/lib/*.jar)"
    exec "$submit" "${common[@]}" --jars "$jars" "${spark_opts[@]}" "$APP_JAR" "${app_args[@]}"
  fi
  # No installation: executors of a cluster on this machine (conf/local-cluster.sh) find the job's jars in place.
  if ! has_opt spark.executor.extraClassPath "${spark_opts[@]}"; then
    common+=(--conf "spark.executor.extraClassPath=$JAR:$TARGET/lib/*")
  fi
  exec java "${MODULE_FLAGS[@]}" -Dlog4j2.configurationFile="$LOG_CONF" -Dai.djl.offline=true \
    -cp "$APP_CP:$TARGET/lib/*:$TARGET/spark-lib/*" org.apache.spark.deploy.SparkSubmit \
    "${common[@]}" "${spark_opts[@]}" "$APP_JAR" "${app_args[@]}"
}

# Commands that need no Spark run as a plain JVM: faster, same jars. NEURON_ATLAS_JAVA_OPTS adds JVM options.
# bench-examples holds the examples of 131,072 neurons (up to 8 GB, it prints the bound): a default heap of a
# quarter of the machine's memory left the collector running most of the time.
plain_java() {
  local heap=()
  if [[ "${1:-}" == bench-examples && " ${NEURON_ATLAS_JAVA_OPTS:-} " != *" -Xmx"* ]]; then
    heap=(-Xmx12g)
  fi
  # shellcheck disable=SC2086 # options are words
  exec java "${MODULE_FLAGS[@]}" "${heap[@]}" ${NEURON_ATLAS_JAVA_OPTS:-} -Dlog4j2.configurationFile="$LOG_CONF" \
    -Dai.djl.offline=true -cp "$APP_CP:$TARGET/lib/*:$TARGET/spark-lib/*" "$APP_MAIN" "$@"
}

# Local one-off queries (and the shell) skip SparkSubmit: Main embeds Spark in local mode itself (cli/Sessions), with
# conf/spark-defaults.conf passed as system properties, which SparkConf reads. Startup is most of a lookup's time, so:
# - class data sharing: the first such run after a build writes an archive of every class it loaded (Spark's,
#   Scala's, ours) to job/target/neuron-atlas.jsa, and later runs map it instead of loading classes from the jars;
#   a rebuilt jar makes a new one (the JVM refuses an archive whose jars changed); it holds no class of a signed jar,
#   which is why the build copies Janino unsigned into spark-lib (job/pom.xml);
# - the JIT compiles with C1 only: a lookup's run never repays C2's compile time, and in the shell and serve C2's
#   compiling, on a laptop's few cores, held each kind of canned query over 1 s for its first five or so runs
#   (docs/shell.md, measured; a long scan in SQL runs about 1.5x slower without C2: NEURON_ATLAS_JAVA_OPTS=
#   -XX:TieredStopAtLevel=4 gives it back);
# - find-token, where the atlas's token_neurons files are its whole answer, reads them without starting Spark at all
#   (query/TokenLookup): under a second, where its Spark query's first run in a new JVM took 2.3-2.7 s;
# - one-offs also use the serial collector and evaluate Spark's expressions without generating Java code (a
#   lookup's few thousand rows never repay compiling it with Janino); the shell and serve, which reuse their
#   compiled code, keep code generation.
CDS_ARCHIVE="$TARGET/neuron-atlas.jsa"
quick_java() {
  local jvm=() props=() key value
  while read -r key value; do
    [[ -z "$key" || "$key" == \#* ]] || props+=("-D$key=$value")
  done < "$HERE/conf/spark-defaults.conf"
  jvm+=(-XX:TieredStopAtLevel=1)
  [[ "$1" == shell || "$1" == serve ]] || jvm+=(-XX:+UseSerialGC
    -Dspark.sql.codegen.wholeStage=false -Dspark.sql.codegen.factoryMode=NO_CODEGEN)
  local writing=""
  if [[ -f "$CDS_ARCHIVE" && "$CDS_ARCHIVE" -nt "$JAR" && "$CDS_ARCHIVE" -nt "$TARGET/lib"
        && "$CDS_ARCHIVE" -nt "$TARGET/spark-lib" ]]; then
    jvm+=(-XX:SharedArchiveFile="$CDS_ARCHIVE" -Xlog:cds=off -Xlog:cds+dynamic=off)
  else
    # Written under a name of this run's own, then renamed: two first runs at once never leave half an archive.
    # One left by a first run whose submit.sh was killed (its JVM wrote it at exit, with nobody left to rename it)
    # is removed here, once that submit.sh is gone.
    local left
    for left in "$CDS_ARCHIVE".*; do
      if [[ -f "$left" && "${left##*.}" =~ ^[0-9]+$ ]] && ! kill -0 "${left##*.}" 2>/dev/null; then rm -f "$left"; fi
    done
    writing="$CDS_ARCHIVE.$$"
    # That run starts Spark even where a lookup needs none (find-token: cli/QueryCommand), so that the archive holds
    # the classes of every query, whichever command a user runs first.
    jvm+=(-XX:ArchiveClassesAtExit="$writing" -Xlog:cds=off -Xlog:cds+dynamic=off -Dneuronatlas.writingClassArchive=true)
  fi
  local code=0 run=(java)
  # With the archive written, nothing is left to do afterwards: the JVM replaces this shell, so that signals sent to
  # submit.sh's process (kill, a supervisor stopping serve) reach it.
  [[ -n "$writing" ]] || run=(exec java)
  # shellcheck disable=SC2086 # options are words
  "${run[@]}" "${MODULE_FLAGS[@]}" "${jvm[@]}" ${NEURON_ATLAS_JAVA_OPTS:-} "${props[@]}" \
    -Dlog4j2.configurationFile="$LOG_CONF" -Dai.djl.offline=true \
    -cp "$APP_CP:$TARGET/lib/*:$TARGET/spark-lib/*" "$APP_MAIN" "$@" || code=$?
  if [[ -n "$writing" ]]; then
    if [[ -s "$writing" ]]; then mv -f "$writing" "$CDS_ARCHIVE"; else rm -f "$writing"; fi
  fi
  exit "$code"
}

# A local one-off lookup first asks the session `./submit.sh serve` keeps for its atlas (cli/SessionClient), in a
# JVM that loads no Spark class and starts in a tenth of a second: the session's answer, or exit code 75 when none
# answers for that atlas (or the command line is not one it runs: --master, sql --file), and the command runs here.
# Only when the socket folder exists (the path rule of cli/SessionSocket), so whoever never ran serve pays nothing.
SESSION_DIR="${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/neuron-atlas}"
forward_to_session() {
  [[ -z "${NEURON_ATLAS_NO_SESSION:-}" ]] || return 0
  [[ -d "${SESSION_DIR:=/tmp/neuron-atlas-$(id -un)}" ]] || return 0
  local code=0
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$JAR" io.neuronatlas.cli.SessionClient "$@" \
    || code=$?
  [[ $code -eq 75 ]] || exit "$code"
}

demo() {
  local dir="${1:-neuron-atlas-demo}"
  ( plain_java demo --out "$dir/tiny-llama" )
  ( spark_submit "${SPARK_OPTS[@]}" -- map --model "$dir/tiny-llama" --out "$dir/atlas" )
  ( spark_submit "${SPARK_OPTS[@]}" -- find-token --atlas "$dir/atlas" --limit 5 " dog" )
  echo
  echo "The atlas is in $dir/atlas. Query it:  ./submit.sh find-token --atlas $dir/atlas \" California\""
}

SPARK_OPTS=()
while [[ $# -gt 0 && "$1" == -* && "$1" != "--help" && "$1" != "-h" ]]; do
  case "$1" in
    --verbose|--supervise) SPARK_OPTS+=("$1"); shift ;;
    *) SPARK_OPTS+=("$1" "$2"); shift 2 ;;
  esac
done

# Local mode, and a cluster on loopback (conf/local-cluster.sh), bind loopback unless told otherwise, so a laptop
# or CI box exposes no ports.
if [[ ! " ${SPARK_OPTS[*]:-} " =~ " --master " || " ${SPARK_OPTS[*]} " =~ " --master local"
      || " ${SPARK_OPTS[*]} " =~ " --master spark://127.0.0.1:" || " ${SPARK_OPTS[*]} " =~ " --master spark://localhost:" ]]; then
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
fi

build_if_missing
APP_JAR="$JAR" APP_CP="$JAR" APP_MAIN="$MAIN"
case "${1:-}" in
  bench|bench-query|bench-cluster|bench-clamp|bench-report|bench-examples|examples-demo|local-cluster)
    APP_JAR="$BENCH_JAR" APP_CP="$BENCH_JAR:$TESTKIT_JAR:$JAR:$HERE/bench/target/lib/*" APP_MAIN="$BENCH_MAIN" ;;
esac
case "${1:-}" in
  # demo [DIR] runs the whole newcomer's path; demo --decoder/--out ... is the checkpoint writer alone.
  demo) shift; if [[ "${1:-}" == -* ]]; then plain_java demo "$@"; else demo "$@"; fi ;;
  bench-cluster|bench-clamp|bench-examples|examples-demo|local-cluster) plain_java "$@" ;;
  ""|--help|-h|help) plain_java --help ;;
  find-token|sql|top-neurons|profile|alignment|compare|shell|serve)
    if [[ ${#SPARK_OPTS[@]} -eq 0 && -z "$(find_spark_submit)" ]]; then
      case "$1" in find-token|sql|top-neurons|profile|alignment) forward_to_session "$@" ;; esac
      quick_java "$@"
    else
      spark_submit "${SPARK_OPTS[@]}" -- "$@"
    fi ;;
  *) spark_submit "${SPARK_OPTS[@]}" -- "$@" ;;
esac
