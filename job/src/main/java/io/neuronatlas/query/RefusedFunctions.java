package io.neuronatlas.query;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.runtime.BoxedUnit;

/**
 * Spark's built-in functions that reach past the rows of a query, each replaced, in the session that runs user SQL
 * ({@link ReadOnlySql#session}), by a function of the same name that refuses when the analyzer looks it up: before
 * its arguments are checked or evaluated, so not even a class is loaded. The list comes from Spark 4.1's registry
 * (FunctionRegistry.builtin, 520 functions); everything else there computes on its arguments only:
 * {@code input_file_name} and {@code input_file_block_*} name the atlas file a row came from, {@code current_user}
 * and {@code version} read the session, {@code from_json}/{@code from_csv} options configure a parser of the given
 * string, {@code to_xml} writes a string. Table functions are limited by {@link ReadOnlySql} itself (range and the
 * row generators). The map's own sessions need none of this: their SQL is the product's.
 */
public final class RefusedFunctions implements scala.Function1<SparkSessionExtensions, BoxedUnit> {
    /** Name to the reason it is refused. */
    static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("reflect", "it calls any Java method by name"),
            Map.entry("java_method", "it calls any Java method by name"),
            Map.entry("try_reflect", "it calls any Java method by name"),
            // messageName may be a Java class, loaded by name; descFilePath is a file read from any file system.
            Map.entry("from_protobuf", "it loads Java classes by name and reads descriptor files by path"),
            Map.entry("to_protobuf", "it loads Java classes by name and reads descriptor files by path"),
            // The avro options take a schema URL (avroSchemaUrl), read from any file system.
            Map.entry("from_avro", "its options read schema files by URL"),
            Map.entry("to_avro", "its options read schema files by URL"),
            Map.entry("schema_of_avro", "its options read schema files by URL"),
            // from_xml's rowValidationXSDPath option reads an XSD file by path; the XML functions run the JDK's XML
            // parser on user text, whose DTDs can name external entities. The atlas has no XML to parse.
            Map.entry("from_xml", "its options read files by path (rowValidationXSDPath)"),
            Map.entry("schema_of_xml", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_boolean", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_double", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_float", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_int", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_long", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_number", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_short", "it parses XML, whose DTDs can name external files"),
            Map.entry("xpath_string", "it parses XML, whose DTDs can name external files"));

    /** Registers the refusing functions in this session's own registry (a session of its own: see ReadOnlySql). */
    static void register(SparkSession spark) {
        SparkSessionExtensions extensions = new SparkSessionExtensions();
        new RefusedFunctions().apply(extensions);
        FunctionRegistry registry = spark.sessionState().functionRegistry();
        extensions.registerFunctions(registry);
    }

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        for (Map.Entry<String, String> f : REFUSED.entrySet()) {
            String name = f.getKey();
            String reason = f.getValue();
            scala.Function1<Seq<Expression>, Expression> refuse = arguments -> {
                throw new ReadOnlySql.RefusedException("the function " + name + " (" + reason + ")");
            };
            ExpressionInfo info = new ExpressionInfo(RefusedFunctions.class.getName(), null, name,
                    "_FUNC_(...) - Refused here: " + reason + ".", "", "", "", "misc_funcs", "", "", "built-in");
            extensions.injectFunction(new Tuple3<>(FunctionIdentifier.apply(name), info, refuse));
        }
        return BoxedUnit.UNIT;
    }
}
