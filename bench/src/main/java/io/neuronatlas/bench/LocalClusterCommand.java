package io.neuronatlas.bench;

import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Main;
import io.neuronatlas.cli.Scopt;
import io.neuronatlas.testkit.LoopbackCluster;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import scopt.OParser;

/**
 * {@code local-cluster start|stop}: a Spark standalone cluster on 127.0.0.1 from the project's jars, left running
 * for {@code ./submit.sh --master spark://...}; {@code conf/local-cluster.sh} calls it.
 */
final class LocalClusterCommand implements Command {

    static final class Args {
        String action;
        String dir = "job/target/local-cluster";
        int workers = 2;
        int cores = 1;
        String memory = "2g";
        boolean gpus = true;
    }

    @Override
    public String name() {
        return "local-cluster";
    }

    @Override
    public String summary() {
        return "start or stop a Spark standalone cluster on 127.0.0.1 whose workers advertise simulated GPUs";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas-bench local-cluster",
                "start: launches Spark's Master and Worker JVMs on 127.0.0.1 (no Spark distribution needed), prints "
                        + "the master URL and leaves them running; stop: stops the cluster started in --dir, by pid.",
                s.argument("start|stop", "what to do", (a, v) -> a.action = v),
                s.string("dir", "DIR", "pids, logs and work folders (default job/target/local-cluster)",
                        (a, v) -> a.dir = v),
                s.integer("workers", "N", "worker JVMs (default 2)", (a, v) -> a.workers = v),
                s.integer("cores", "N", "cores per worker (default 1)", (a, v) -> a.cores = v),
                s.string("memory", "SIZE", "memory per worker (default 2g)", (a, v) -> a.memory = v),
                s.flag("no-gpus", "workers advertise no simulated GPU", a -> a.gpus = false),
                // scopt checks the config after --help too, before any argument was read: action is null then.
                s.builder().checkConfig(a -> a.action == null || a.action.equals("start") || a.action.equals("stop")
                        ? s.builder().success() : s.builder().failure("the action must be start or stop, found '"
                        + a.action + "'")));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (!a.action.equals("start") && !a.action.equals("stop")) {
            throw new IllegalArgumentException("the action must be start or stop, found '" + a.action + "'");
        }
        Path dir = Path.of(a.dir);
        if (a.action.equals("stop")) {
            LoopbackCluster.attach(dir).close();
            out.println("stopped the loopback cluster in " + dir);
            return 0;
        }
        // Spark's jars for the daemons come from the built job module, beside the job jar.
        Path jobTarget = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        LoopbackCluster cluster = LoopbackCluster.start(new LoopbackCluster.Settings(dir, a.workers, a.cores,
                a.memory, a.gpus, LoopbackCluster.installationClasspath(jobTarget), Duration.ofSeconds(60), false));
        out.println(cluster.masterUrl());
        err.printf(Locale.ROOT, "loopback cluster: %s, %d worker(s) x %d core(s)%s; logs in %s%n",
                cluster.masterUrl(), a.workers, a.cores, a.gpus ? ", one simulated GPU each" : "",
                cluster.dir().resolve("logs"));
        return 0;
    }
}
