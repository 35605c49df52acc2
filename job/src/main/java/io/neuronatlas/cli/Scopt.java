package io.neuronatlas.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;
import scala.util.Either;
import scopt.DefaultOEffectSetup;
import scopt.OEffectSetup;
import scopt.OParser;
import scopt.OParserBuilder;
import scopt.Read$;
import scopt.Read;

/**
 * scopt from Java. Each command keeps a mutable options object; scopt's actions write into it and hand it back,
 * which keeps the command classes free of Scala plumbing.
 */
public final class Scopt<C> {
    private final OParserBuilder<C> b = OParser.builder();

    public OParserBuilder<C> builder() {
        return b;
    }

    public OParser<?, C> string(String name, String valueName, String text, BiConsumer<C, String> set) {
        return b.opt(name, Read$.MODULE$.stringRead()).valueName(valueName).text(text)
                .action((value, c) -> {
                    set.accept(c, value);
                    return c;
                });
    }

    public OParser<?, C> integer(String name, String valueName, String text, BiConsumer<C, Integer> set) {
        Read<Object> read = Read$.MODULE$.intRead();
        return b.opt(name, read).valueName(valueName).text(text)
                .action((value, c) -> {
                    set.accept(c, (Integer) value);
                    return c;
                });
    }

    public OParser<?, C> decimal(String name, String valueName, String text, BiConsumer<C, Double> set) {
        Read<Object> read = Read$.MODULE$.doubleRead();
        return b.opt(name, read).valueName(valueName).text(text)
                .action((value, c) -> {
                    set.accept(c, (Double) value);
                    return c;
                });
    }

    public OParser<?, C> flag(String name, String text, java.util.function.Consumer<C> set) {
        return b.opt(name, Read$.MODULE$.unitRead()).text(text)
                .action((unit, c) -> {
                    set.accept(c);
                    return c;
                });
    }

    public OParser<?, C> argument(String name, String text, BiConsumer<C, String> set) {
        return b.arg(name, Read$.MODULE$.stringRead()).text(text)
                .action((value, c) -> {
                    set.accept(c, value);
                    return c;
                });
    }

    @SafeVarargs
    public final OParser<?, C> parser(String program, String description, OParser<?, C>... options) {
        List<OParser<?, C>> all = new ArrayList<>();
        all.add(b.head(seq(List.of(program))));
        all.add(b.note(description + "\n"));
        for (OParser<?, C> option : options) {
            all.add(option);
        }
        all.add(b.help("help").text("print this usage text"));
        return OParser.sequence(b.programName(program), seq(all));
    }

    /** The outcome of parsing: options to run with, or an exit code when usage or an error was printed. */
    public record Parsed<C>(C options, int exitCode) {
        public boolean ok() {
            return options != null;
        }
    }

    /** Parses args into options. Unlike scopt's default, --help and errors never call System.exit. */
    public static <C> Parsed<C> parse(OParser<?, C> parser, String[] args, C options, PrintStream out,
                                      PrintStream err) {
        int[] exit = {-1};
        OEffectSetup effects = new DefaultOEffectSetup() {
            @Override
            public void displayToOut(String msg) {
                out.println(msg);
            }

            @Override
            public void displayToErr(String msg) {
                err.println(msg);
            }

            @Override
            public void reportError(String msg) {
                err.println("Error: " + msg);
            }

            @Override
            public void reportWarning(String msg) {
                err.println("Warning: " + msg);
            }

            @Override
            public void terminate(Either<String, BoxedUnit> state) {
                exit[0] = state.isRight() ? 0 : 2;
            }
        };
        Option<C> result = OParser.parse(parser, seq(Arrays.asList(args)), options, effects);
        if (exit[0] >= 0) {
            return new Parsed<>(null, exit[0]);
        }
        return result.isEmpty() ? new Parsed<>(null, 2) : new Parsed<>(result.get(), 0);
    }

    static <T> Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toList();
    }
}
