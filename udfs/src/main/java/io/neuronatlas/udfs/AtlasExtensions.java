package io.neuronatlas.udfs;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * Registers the atlas's SQL functions in every SparkSession built with
 * {@code spark.sql.extensions=io.neuronatlas.udfs.AtlasExtensions} and this jar on the class path: spark-sql,
 * spark-submit jobs, notebooks and neuron-atlas's own commands.
 *
 * <p>Each function is a Catalyst {@link StaticInvoke} of a static method of {@link AtlasFunctions}: code-generated
 * like Spark's own functions, no serialized closures, and a NULL argument gives NULL without a call.
 */
public final class AtlasExtensions implements scala.Function1<SparkSessionExtensions, BoxedUnit> {

    /**
     * One SQL function: its name, arguments and the method that computes it.
     *
     * @param required      arguments that must be given; the rest are optional, in order, each arity a Java overload
     * @param nullArguments NULL object arguments reach the method, which decides (NULL primitives still give NULL);
     *                      otherwise any NULL argument gives NULL without a call
     */
    record Definition(String name, String method, DataType result, List<DataType> arguments, int required,
                      boolean nullableResult, boolean nullArguments, String usage, String examples) {
        Definition(String name, String method, DataType result, List<DataType> arguments, boolean nullableResult,
                   String usage, String examples) {
            this(name, method, result, arguments, arguments.size(), nullableResult, false, usage, examples);
        }

        ExpressionInfo info() {
            // className, db, name, usage, arguments, examples, note, group, since, deprecated, source
            return new ExpressionInfo(AtlasFunctions.class.getName(), null, name, usage, "", examples, "",
                    "string_funcs", "0.1.0", "", "java_udf");
        }

        Expression build(Seq<Expression> children) {
            if (children.size() < required || children.size() > arguments.size()) {
                String count = required == arguments.size() ? Integer.toString(required)
                        : required + " or " + arguments.size();
                throw new IllegalArgumentException(name + " takes " + count + " argument"
                        + (arguments.size() == 1 ? "" : "s") + ", got " + children.size() + ": " + usage);
            }
            Seq<AbstractDataType> inputTypes = CollectionConverters.asScala(
                    List.<AbstractDataType>copyOf(arguments.subList(0, children.size()))).toSeq();
            // propagateNull: NULL in, NULL out; returnNullable: the parsers return null for malformed ids.
            return new StaticInvoke(AtlasFunctions.class, result, method, children, inputTypes, !nullArguments,
                    nullableResult, true, Option.empty());
        }
    }

    static final List<Definition> FUNCTIONS = List.of(
            new Definition("token_norm", "tokenNorm", DataTypes.StringType, List.of(DataTypes.StringType), false,
                    "_FUNC_(token) - The token as a word: leading space markers (' ', 'Ġ', '▁') and surrounding "
                            + "whitespace/control characters trimmed, NFKC-normalized and case-folded, so ' Coming', "
                            + "'coming' and ' COMING' group together.",
                    "\n    Examples:\n      > SELECT _FUNC_(' COMING');\n       coming\n  "),
            new Definition("token_script", "tokenScript", DataTypes.StringType, List.of(DataTypes.StringType), false,
                    "_FUNC_(token) - The Unicode script of the token's letters: 'Latin', 'Cyrillic', 'Han', "
                            + "'Arabic', ...; 'Mixed' for letters of several scripts, 'None' for no letters "
                            + "(digits, punctuation, U+FFFD, byte tokens).",
                    "\n    Examples:\n      > SELECT _FUNC_(' собака');\n       Cyrillic\n  "),
            new Definition("is_word", "isWord", DataTypes.BooleanType, List.of(DataTypes.StringType), false,
                    "_FUNC_(token) - True when the token, trimmed as token_norm trims it, is one or more letters "
                            + "(combining marks allowed) and nothing else.",
                    "\n    Examples:\n      > SELECT _FUNC_(' dog'), _FUNC_(' 42');\n       true\tfalse\n  "),
            new Definition("neuron_id", "neuronId", DataTypes.StringType,
                    List.of(DataTypes.StringType, DataTypes.IntegerType, DataTypes.IntegerType, DataTypes.StringType),
                    3, true, true,
                    "_FUNC_(matrix, layer, neuron[, expert]) - A neuron's name for links and joins: 'L26.up.1442'; "
                            + "with a mixture of experts' expert column, 'L12.e5.up.300' (expert 5) or "
                            + "'L12.shared.up.300' (the shared expert), and the dense form when expert is NULL. NULL "
                            + "for a matrix other than gate/up/down, a negative number or an expert that is neither "
                            + "an index nor 'shared'. Parse it back with neuron_id_matrix, neuron_id_layer, "
                            + "neuron_id_expert and neuron_id_neuron.",
                    "\n    Examples:\n      > SELECT _FUNC_('up', 26, 1442);\n       L26.up.1442\n"
                            + "      > SELECT _FUNC_('up', 12, 300, '5');\n       L12.e5.up.300\n  "),
            new Definition("neuron_id_matrix", "neuronIdMatrix", DataTypes.StringType,
                    List.of(DataTypes.StringType), true,
                    "_FUNC_(id) - The matrix of a neuron id ('L26.up.1442' -> 'up', 'L12.e5.down.3' -> 'down'); "
                            + "NULL if id is malformed.",
                    "\n    Examples:\n      > SELECT _FUNC_('L26.up.1442');\n       up\n  "),
            new Definition("neuron_id_layer", "neuronIdLayer", DataTypes.IntegerType,
                    List.of(DataTypes.StringType), true,
                    "_FUNC_(id) - The layer of a neuron id ('L26.up.1442' -> 26); NULL if id is malformed.",
                    "\n    Examples:\n      > SELECT _FUNC_('L26.up.1442');\n       26\n  "),
            new Definition("neuron_id_expert", "neuronIdExpert", DataTypes.StringType,
                    List.of(DataTypes.StringType), true,
                    "_FUNC_(id) - The expert of a neuron id ('L12.e5.up.300' -> '5', 'L12.shared.up.300' -> "
                            + "'shared'); NULL for a dense neuron's id or a malformed one.",
                    "\n    Examples:\n      > SELECT _FUNC_('L12.e5.up.300');\n       5\n  "),
            new Definition("neuron_id_neuron", "neuronIdNeuron", DataTypes.IntegerType,
                    List.of(DataTypes.StringType), true,
                    "_FUNC_(id) - The neuron index of a neuron id ('L26.up.1442' -> 1442); NULL if id is "
                            + "malformed.",
                    "\n    Examples:\n      > SELECT _FUNC_('L26.up.1442');\n       1442\n  "));

    /**
     * Registers the functions in a session built without the spark.sql.extensions setting (a notebook's own
     * session, say); a session that has them already is left as it is.
     */
    public static void register(SparkSession spark) {
        // The registry itself, not catalog().functionExists, which parses the name with the SQL parser.
        if (spark.sessionState().functionRegistry().functionExists(
                FunctionIdentifier.apply(FUNCTIONS.get(0).name()))) {
            return;
        }
        SparkSessionExtensions extensions = new SparkSessionExtensions();
        new AtlasExtensions().apply(extensions);
        extensions.registerFunctions(spark.sessionState().functionRegistry());
    }

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        for (Definition f : FUNCTIONS) {
            scala.Function1<Seq<Expression>, Expression> builder = f::build;
            extensions.injectFunction(new Tuple3<>(FunctionIdentifier.apply(f.name()), f.info(), builder));
        }
        return BoxedUnit.UNIT;
    }
}
