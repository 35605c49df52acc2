"""Open a neuron-atlas atlas from a Python notebook.

Spark runs inside the notebook's Python process through JPype (Debian's python3-jpype): the same jars, SQL
functions and canned queries (io/neuronatlas/query/sql/*.sql, read from the job jar) as the command line, with
results turned into pandas DataFrames for plotting. Settings, all optional, as environment variables:

  NEURON_ATLAS            the atlas folder (what `map --out` wrote); default ../neuron-atlas-demo/atlas
  NEURON_ATLAS_HOME       the neuron-atlas checkout whose job/target holds the built jars; default: this file's ..
  NEURON_ATLAS_MASTER     Spark master; default local[2]
  NEURON_ATLAS_MEMORY     JVM heap; default 4g
"""
import glob
import json
import os
from pathlib import Path

import jpype
import pandas as pd

HOME = Path(os.environ.get("NEURON_ATLAS_HOME", Path(__file__).resolve().parent.parent))

# What bin/spark-class gives a driver JVM on Java 17 (org.apache.spark.launcher.JavaModuleOptions).
_MODULE_FLAGS = [
    "-XX:+IgnoreUnrecognizedVMOptions", "--add-modules=jdk.incubator.vector",
    "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
    "-Dio.netty.tryReflectionSetAccessible=true",
]


def _classpath():
    target = HOME / "job" / "target"
    jar = target / "neuron-atlas.jar"
    if not jar.exists() or not (target / "spark-lib").is_dir():
        raise FileNotFoundError(f"{jar} (or its lib/ and spark-lib/) is missing: build it with "
                                f"'mvn -B -DskipTests package' in {HOME}")
    jars = [str(jar)] + sorted(glob.glob(str(target / "lib" / "*.jar")))
    jars += sorted(glob.glob(str(target / "spark-lib" / "*.jar")))
    # Debian's JPype needs its own support jar on the class path, or its class loader is not found.
    support = [j for j in ("/usr/share/java/org.jpype.jar",) if os.path.exists(j)]
    return jars + support


def spark():
    """The notebook's SparkSession (started once): local mode on loopback, the atlas functions registered."""
    if not jpype.isJVMStarted():
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        jpype.startJVM(*_MODULE_FLAGS, "-Xmx" + os.environ.get("NEURON_ATLAS_MEMORY", "4g"),
                       "-Dai.djl.offline=true", f"-Dlog4j2.configurationFile=file:{HOME}/conf/log4j2.properties",
                       classpath=_classpath(), convertStrings=True)
    SparkSession = jpype.JClass("org.apache.spark.sql.SparkSession")
    return (SparkSession.builder().appName("neuron-atlas notebook")
            .master(os.environ.get("NEURON_ATLAS_MASTER", "local[2]"))
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.extensions", "io.neuronatlas.udfs.AtlasExtensions")
            .getOrCreate())


def atlas_dir():
    return os.environ.get("NEURON_ATLAS", str(HOME / "neuron-atlas-demo" / "atlas"))


def open_atlas(path=None):
    """io.neuronatlas.query.Atlas over the folder: its tables as views, its canned queries as methods."""
    path = path or atlas_dir()
    if not os.path.isdir(path):
        raise FileNotFoundError(f"no atlas at {path}: set NEURON_ATLAS to the folder 'map --out' wrote")
    session = spark()  # starts the JVM before any Java class is looked up
    return jpype.JClass("io.neuronatlas.query.Atlas").open(session, path)


def canned_sql(name):
    """The text of a canned query, exactly as the subcommands run it."""
    spark()
    return str(jpype.JClass("io.neuronatlas.query.CannedQuery").sql(name))


def to_pandas(dataset):
    """A (small) Spark result as a pandas DataFrame, columns in the query's order."""
    columns = [str(c) for c in dataset.columns()]
    rows = [json.loads(str(line)) for line in dataset.toJSON().collectAsList()]
    return pd.DataFrame(rows, columns=columns)


def checkpoints(atlas):
    """The atlas's checkpoint names, sorted."""
    return list(to_pandas(atlas.sql("SELECT DISTINCT checkpoint FROM neurons ORDER BY checkpoint")).checkpoint)
