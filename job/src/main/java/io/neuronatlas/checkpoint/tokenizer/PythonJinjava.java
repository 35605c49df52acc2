package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.eager.EagerExtendedSyntaxBuilder;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import java.io.IOException;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava that writes values as Jinja2 does, through jinjava's own extension points: an interpreter whose
 * {@code getAsString} prints {@code {{ value }}}, a type converter for the {@code ~} operator, and the filters
 * {@code string} and {@code tojson}. Python's None is a value of its own ({@link PythonValues.None}, the names
 * {@code none} and {@code None}), so that it prints as "None" while an undefined name still prints nothing.
 */
final class PythonJinjava extends Jinjava {
    private final ExpressionFactory expressions;
    private final ExpressionFactory eagerExpressions;

    PythonJinjava(JinjavaConfig.Builder config) {
        super(config.withInterperterFactory(new PythonInterpreters()).build());
        PythonTypeConverter converter = new PythonTypeConverter();
        expressions = new ExpressionFactoryImpl(treeBuilder(ExtendedSyntaxBuilder.class), converter);
        Properties eager = treeBuilder(EagerExtendedSyntaxBuilder.class);
        eager.setProperty(ExpressionFactoryImpl.PROP_CACHE_SIZE, "0");
        eagerExpressions = new ExpressionFactoryImpl(eager, converter);
        Context globals = getGlobalContext();
        globals.put("none", PythonValues.None.NONE);
        globals.put("None", PythonValues.None.NONE);
        globals.registerFilter(new StringFilter());
        globals.registerFilter(new ToJsonFilter());
        globals.registerExpTest(new NoneTest());
    }

    /** The same parser settings as jinjava's own factories, which the constructor of Jinjava hard-wires. */
    private static Properties treeBuilder(Class<? extends TreeBuilder> builder) {
        Properties properties = new Properties();
        properties.setProperty(TreeBuilder.class.getName(), builder.getName());
        return properties;
    }

    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressions;
    }

    @Override
    public ExpressionFactory getEagerExpressionFactory() {
        return eagerExpressions;
    }

    /** {@code 'a' ~ true} is "aTrue". */
    private static final class PythonTypeConverter extends TruthyTypeConverter {
        private static final long serialVersionUID = 1L;

        @Override
        protected String coerceToString(Object value) {
            return PythonValues.differsFromJava(value) ? PythonValues.str(value) : super.coerceToString(value);
        }
    }

    /** {@code {{ value }}} prints str(value). */
    private static final class PythonInterpreter extends JinjavaInterpreter {
        PythonInterpreter(Jinjava application, Context context, JinjavaConfig config) {
            super(application, context, config);
        }

        PythonInterpreter(JinjavaInterpreter parent) {
            super(parent);
        }

        @Override
        public String getAsString(Object value) {
            return PythonValues.str(value);
        }
    }

    private static final class PythonInterpreters implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter parent) {
            return new PythonInterpreter(parent);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig config) {
            return new PythonInterpreter(application, context, config);
        }
    }

    private static final class StringFilter implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return PythonValues.str(value);
        }
    }

    /**
     * transformers' tojson: json.dumps with its default separators ", " and ": " and without escaping non-ASCII.
     * Its indent, separators and sort_keys arguments are refused rather than ignored.
     */
    private static final class ToJsonFilter implements Filter {
        private static final ObjectWriter JSON = new com.fasterxml.jackson.databind.ObjectMapper()
                .writer(new PythonSeparators());

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            if (args.length > 0) {
                throw new IllegalArgumentException("tojson with arguments (indent, separators, sort_keys) is not "
                        + "supported");
            }
            try {
                return JSON.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("tojson cannot write " + value.getClass().getSimpleName()
                        + ": " + e.getOriginalMessage(), e);
            }
        }
    }

    private static final class PythonSeparators extends MinimalPrettyPrinter {
        private static final long serialVersionUID = 1L;

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }

    /** {@code x is none}: Python's None, or (as jinjava has always said) an undefined name. */
    private static final class NoneTest implements ExpTest {
        @Override
        public String getName() {
            return "none";
        }

        @Override
        public boolean evaluate(Object value, JinjavaInterpreter interpreter, Object... args) {
            return value == null || value == PythonValues.None.NONE;
        }
    }
}
