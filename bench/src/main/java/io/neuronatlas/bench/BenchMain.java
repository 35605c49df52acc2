package io.neuronatlas.bench;

import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Main;
import java.util.List;

/**
 * The developer command line: benchmarks that print ratios to baselines measured in the same run, and a loopback
 * cluster to run the map on. Kept out of the product jar; {@code ./submit.sh bench|bench-query|bench-cluster|
 * bench-clamp|bench-report|local-cluster} runs it.
 */
public final class BenchMain {
    static final List<Command> COMMANDS = List.of(new MapBenchmark(), new QueryBenchmark(), new ClusterBenchmark(),
            new ClampBenchmark(), new ReportBenchmark(), new ExamplesBenchmark(), new ExamplesDemoCommand(),
            new LocalClusterCommand());

    private BenchMain() {
    }

    public static void main(String[] args) {
        Main.exit(Main.run("neuron-atlas-bench", COMMANDS, args, System.out, System.err));
    }
}
