package io.neuronatlas.jobs;

import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceRule;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import scala.Tuple2;

/** What a running Spark task is told by Spark, turned into plain data for the compute steps. */
final class SparkTasks {
    private SparkTasks() {
    }

    /** The running task's environment; outside a task (a plain JVM), this JVM's. */
    static TaskEnvironment environment() {
        TaskContext task = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        if (task == null || env == null) {
            return TaskEnvironment.local();
        }
        return new TaskEnvironment(assignedGpu(task), task.cpus(),
                env.conf().getBoolean(DeviceRule.SIMULATE_GPU_AS_CPU, false), task.taskAttemptId(),
                env.executorId(), TaskEnvironment.hostName());
    }

    static Optional<String> assignedGpu(TaskContext task) {
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return Optional.empty();
        }
        return Optional.of(gpu.addresses()[0]);
    }

    /** The executor's Hadoop settings: Spark's spark.hadoop.* entries over Hadoop's defaults, as Spark does. */
    static Configuration hadoopConf() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAllWithPrefix("spark.hadoop.")) {
                conf.set(kv._1(), kv._2());
            }
        }
        return conf;
    }
}
