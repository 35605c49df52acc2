package io.neuronatlas.query;

import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.QueryPlanningTracker;
import org.apache.spark.sql.catalyst.analysis.ExpressionWithUnresolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedHaving;
import org.apache.spark.sql.catalyst.analysis.UnresolvedInlineTable;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedSubqueryColumnAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTVFAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.PipeOperator;
import org.apache.spark.sql.catalyst.expressions.RuntimeReplaceable;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Deduplicate;
import org.apache.spark.sql.catalyst.plans.logical.Distinct;
import org.apache.spark.sql.catalyst.plans.logical.Except;
import org.apache.spark.sql.catalyst.plans.logical.Expand;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.Generate;
import org.apache.spark.sql.catalyst.plans.logical.GlobalLimit;
import org.apache.spark.sql.catalyst.plans.logical.Intersect;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LateralJoin;
import org.apache.spark.sql.catalyst.plans.logical.LimitAll;
import org.apache.spark.sql.catalyst.plans.logical.LocalLimit;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Offset;
import org.apache.spark.sql.catalyst.plans.logical.OneRowRelation;
import org.apache.spark.sql.catalyst.plans.logical.Pivot;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.RebalancePartitions;
import org.apache.spark.sql.catalyst.plans.logical.Repartition;
import org.apache.spark.sql.catalyst.plans.logical.RepartitionByExpression;
import org.apache.spark.sql.catalyst.plans.logical.Sample;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.Tail;
import org.apache.spark.sql.catalyst.plans.logical.Union;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedHint;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import org.apache.spark.sql.catalyst.plans.logical.Unpivot;
import org.apache.spark.sql.catalyst.plans.logical.WithWindowDefinition;
import scala.jdk.javaapi.CollectionConverters;


/**
 * The guard in front of user SQL: only a query over the atlas's views runs, and nothing of it runs before it is
 * judged. Three layers, each enough for what it covers:
 * <ol>
 * <li>The session ({@link #session}): a session of its own whose built-ins that reach the JVM or the file system
 * ({@link RefusedFunctions}: reflect, java_method, try_reflect, ...) refuse when the analyzer looks them up, and
 * with {@code spark.sql.runSQLOnFiles=false}, so no table is ever read by its path.</li>
 * <li>The parsed plan ({@link #check}): every node, and everything each node holds (fields, Scala maps and
 * options, window definitions, CTE relations, hints' arguments), must be an operator or expression class allowed
 * here; so commands and writes ({@code INSERT}, {@code CREATE ... LOCATION}, {@code CACHE}, {@code SET},
 * {@code ADD JAR}, {@code EXPLAIN}, {@code EXECUTE IMMEDIATE}, {@code TRANSFORM ... USING}), tables named by a path
 * or catalog, table functions other than the row generators, {@code IDENTIFIER(...)} and the refused functions are
 * refused before analysis.</li>
 * <li>The analyzed plan: analysis only resolves names and types (it evaluates constant arguments such as a LIMIT,
 * never a subquery or a table), and its result is walked the same way with the allow-lists of resolved operators
 * and expressions. Expressions are allowed by class: the structural ones listed here, the classes of the session's
 * registered functions that are not refused, and static calls into Spark's or the atlas's own code.</li>
 * </ol>
 * Allowing known classes rather than refusing known dangers means that a construct a later Spark adds is refused,
 * with its class named, until it is judged safe. The atlas's own views are the product's: the walk stops at them.
 */
public final class ReadOnlySql {
    /** Operators of a parsed query (before analysis) that read only what their children give them. */
    private static final Set<Class<?>> PARSED_OPERATORS = Set.of(Project.class, Filter.class, Aggregate.class,
            UnresolvedHaving.class, Sort.class, GlobalLimit.class, LocalLimit.class, LimitAll.class, Offset.class,
            Tail.class, Join.class, LateralJoin.class, Union.class, Intersect.class, Except.class, Distinct.class,
            Deduplicate.class, SubqueryAlias.class, UnresolvedSubqueryColumnAliases.class, UnresolvedRelation.class,
            UnresolvedWith.class, UnresolvedInlineTable.class, LocalRelation.class, OneRowRelation.class,
            Generate.class, WithWindowDefinition.class, Pivot.class, Unpivot.class, Expand.class, Sample.class,
            UnresolvedHint.class, RepartitionByExpression.class, Repartition.class, RebalancePartitions.class,
            PipeOperator.class, UnresolvedTableValuedFunction.class, UnresolvedTVFAliases.class);

    /** Operators of an analyzed query; the atlas's views (View) are the product's and end the walk. */
    private static final Set<Class<?>> ANALYZED_OPERATORS = union(classes(
            "org.apache.spark.sql.catalyst.plans.logical.", "Project", "Filter", "Aggregate", "Sort", "GlobalLimit",
            "LocalLimit", "Offset", "Tail", "Join", "LateralJoin", "Union", "Intersect", "Except", "Distinct",
            "Deduplicate", "SubqueryAlias", "View", "LocalRelation", "OneRowRelation", "Generate", "Window", "Expand",
            "Sample", "Repartition", "RepartitionByExpression", "RebalancePartitions", "WithCTE", "CTERelationDef",
            "CTERelationRef", "Range", "ResolvedHint"),
            Set.of(PipeOperator.class)); // |> steps stay marked after analysis

    /**
     * Expressions that are the grammar of a query rather than functions: names and references, literals, aliases,
     * operators the parser builds, subqueries, windows, lambdas, grouping sets, field access.
     */
    private static final Set<Class<?>> STRUCTURAL_EXPRESSIONS = union(
            classes("org.apache.spark.sql.catalyst.analysis.", "UnresolvedAttribute", "UnresolvedFunction",
                    "UnresolvedStar", "UnresolvedStarExceptOrReplace", "UnresolvedAlias", "UnresolvedExtractValue",
                    "UnresolvedRegex", "UnresolvedOrdinal", "UnresolvedGenerator", "UnresolvedPipeAggregateOrdinal",
                    "UnresolvedWithinGroup", "LazyExpression"),
            classes("org.apache.spark.sql.catalyst.expressions.", "UnresolvedNamedLambdaVariable",
                    "UnresolvedWindowExpression", "WindowSpecReference", "PipeExpression", "Literal", "Alias",
                    "AttributeReference",
                    "OuterReference", "LateralColumnAliasReference", "Cast", "SortOrder", "WindowExpression",
                    "WindowSpecDefinition", "SpecifiedWindowFrame", "UnspecifiedFrame$", "UnboundedPreceding$",
                    "UnboundedFollowing$", "CurrentRow$", "ScalarSubquery", "Exists", "InSubquery", "ListQuery",
                    "LateralSubquery", "LambdaFunction", "NamedLambdaVariable", "CaseWhen", "GetStructField",
                    "GetArrayItem", "GetMapValue", "GetArrayStructFields", "CreateNamedStruct", "Cube", "Rollup",
                    "GroupingSets", "Grouping", "GroupingID", "KnownNotNull", "PrettyAttribute",
                    "ExtractANSIIntervalDays", "Explode", "PosExplode", "Inline", "Collate", "Like", "ILike",
                    "LikeAny", "NotLikeAny", "LikeAll", "NotLikeAll"),
            classes("org.apache.spark.sql.catalyst.expressions.aggregate.", "AggregateExpression", "PivotFirst"));

    /** Table functions that make rows from their arguments and read nothing else. */
    private static final Set<String> ROW_GENERATORS = Set.of("range", "explode", "explode_outer", "inline",
            "inline_outer", "posexplode", "posexplode_outer", "stack", "json_tuple", "variant_explode",
            "variant_explode_outer");

    /** The code that static calls ({@code StaticInvoke}, {@code Invoke}) of allowed functions may run. */
    private static final List<String> CALLABLE_CODE = List.of("org.apache.spark.", "io.neuronatlas.udfs.");

    /** Marks the sessions {@link #session} made, so that a check knows its session's built-ins are replaced. */
    private static final Set<Object> HARDENED = Collections.synchronizedSet(
            Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /** What the README and every refusal say is allowed. */
    public static final String ALLOWED = "one query (SELECT, WITH, VALUES, TABLE, FROM ... |> ...) over the atlas's "
            + "views by name, with Spark's built-in and the atlas's functions; no command, no write, no table named "
            + "by a path or catalog, no IDENTIFIER(...), no table function but range and the row generators "
            + "(explode, inline, stack, ...), no function that reaches Java or files (reflect, java_method, "
            + "try_reflect, xpath, from_xml, from_protobuf, from_avro, ...)";

    private ReadOnlySql() {
    }

    /** Refusal of a statement that is not a read-only query. */
    public static final class RefusedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        RefusedException(String what) {
            super("refused: " + what + ". The atlas is read-only here: sql runs " + ALLOWED + ".");
        }
    }

    /**
     * The session user SQL runs in (the sql command, the query shell): a new session of spark's context (its own
     * views, settings and functions, so spark itself is left as it was) that reads no table by path and whose
     * built-ins that reach the JVM or the file system refuse ({@link RefusedFunctions}). Open the atlas on it, then
     * {@link #check} each statement before running it.
     */
    public static SparkSession session(SparkSession spark) {
        SparkSession user = spark.newSession();
        user.conf().set("spark.sql.runSQLOnFiles", "false");
        RefusedFunctions.register(user);
        HARDENED.add(user);
        return user;
    }

    /**
     * Refuses sql unless it is one read-only query: its parsed plan and, when that passes, its analyzed plan must
     * hold only allowed operators and expressions. Nothing of sql runs here (analysis resolves names and types).
     *
     * @throws RefusedException naming the first operator, expression, table or function that is not allowed
     * @throws IllegalArgumentException with Spark's message when Spark cannot parse it at all
     * @throws AnalysisException as spark.sql would, for a query that names no such view or column
     */
    /**
     * The one-part table names a parsed plan reads (UnresolvedRelation), in its operators, its WITH definitions and
     * its subquery expressions: the views a canned query needs registered before it runs. CTE names come too.
     */
    static Set<String> relationNames(LogicalPlan parsed) {
        Set<String> names = new java.util.TreeSet<>();
        java.util.ArrayDeque<Object> todo = new java.util.ArrayDeque<>(List.of(parsed));
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Object node = todo.pop();
            if (!seen.add(node)) {
                continue;
            }
            if (node instanceof UnresolvedRelation relation && relation.multipartIdentifier().size() == 1) {
                names.add(relation.multipartIdentifier().head());
            }
            if (node instanceof LogicalPlan plan) {
                todo.addAll(ReadOnlySql.<Object>list(plan.children()));
                todo.addAll(ReadOnlySql.<Object>list(plan.innerChildren()));
                todo.addAll(ReadOnlySql.<Object>list(plan.expressions()));
            } else if (node instanceof org.apache.spark.sql.catalyst.expressions.SubqueryExpression subquery) {
                todo.add(subquery.plan());
                todo.addAll(ReadOnlySql.<Object>list(subquery.children()));
            } else if (node instanceof Expression expression) {
                todo.addAll(ReadOnlySql.<Object>list(expression.children()));
            }
        }
        return names;
    }

    public static void check(SparkSession spark, String sql) {
        LogicalPlan plan;
        try {
            plan = spark.sessionState().sqlParser().parsePlan(sql);
        } catch (ParseException e) {
            if (afterSemicolon(sql, e)) {
                throw new RefusedException("a second statement after ';' (one query at a time)");
            }
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Set<Class<?>> allowed = allowedExpressions(spark);
        new Walk(false, allowed).plan(plan);
        LogicalPlan analyzed;
        try {
            analyzed = spark.sessionState().analyzer().executeAndCheck(plan,
                    new QueryPlanningTracker(scala.Option.empty()));
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof RefusedException refused) {
                    throw refused;
                }
            }
            throw e;
        }
        new Walk(true, allowed).plan(analyzed);
    }

    /** Whether Spark's parser stopped at a statement that follows a ';' (Spark parses one statement). */
    private static boolean afterSemicolon(String sql, ParseException e) {
        if (e.start().line().isEmpty() || e.start().startPosition().isEmpty()) {
            return false;
        }
        int line = (Integer) e.start().line().get();
        int offset = 0;
        for (int l = 1; l < line; l++) {
            offset = sql.indexOf('\n', offset) + 1;
        }
        int at = offset + (Integer) e.start().startPosition().get();
        return at <= sql.length() && sql.substring(0, at).strip().endsWith(";");
    }

    /** Whether spark is a session {@link #session} made. */
    public static boolean hardened(SparkSession spark) {
        return HARDENED.contains(spark);
    }

    /**
     * The expression classes allowed: the structural ones and those of the functions registered in spark, less the
     * refused ones (by name, so a session without {@link #session}'s replacements refuses them in the plan).
     */
    static Set<Class<?>> allowedExpressions(SparkSession spark) {
        FunctionRegistry registry = spark.sessionState().functionRegistry();
        Set<Class<?>> allowed = new HashSet<>(STRUCTURAL_EXPRESSIONS);
        Set<String> refusedClasses = new HashSet<>();
        for (String name : RefusedFunctions.REFUSED.keySet()) {
            scala.Option<org.apache.spark.sql.catalyst.expressions.ExpressionInfo> info = FunctionRegistry.builtin()
                    .lookupFunction(FunctionIdentifier.apply(name));
            if (info.isDefined()) {
                refusedClasses.add(info.get().getClassName());
            }
        }
        for (FunctionIdentifier id : ReadOnlySql.<FunctionIdentifier>list(registry.listFunction())) {
            scala.Option<org.apache.spark.sql.catalyst.expressions.ExpressionInfo> info = registry.lookupFunction(id);
            if (info.isEmpty() || refusedClasses.contains(info.get().getClassName())) {
                continue;
            }
            String name = info.get().getClassName();
            // An ExpressionBuilder's info names the builder (RaiseErrorExpressionBuilder builds RaiseError).
            for (String candidate : List.of(name, name.replaceAll("(Expression|Generator)?Builder\\$?$", ""))) {
                try {
                    Class<?> c = Class.forName(candidate, false, ReadOnlySql.class.getClassLoader());
                    if (Expression.class.isAssignableFrom(c)) {
                        allowed.add(c);
                    }
                } catch (ClassNotFoundException e) {
                    // a builder whose expression has another name, or a function that is not an expression class
                }
            }
        }
        return allowed;
    }

    /** One walk over a plan and everything it holds; each node once. */
    private static final class Walk {
        private final boolean analyzed;
        private final Set<Class<?>> expressions;
        private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());

        Walk(boolean analyzed, Set<Class<?>> expressions) {
            this.analyzed = analyzed;
            this.expressions = expressions;
        }

        void plan(LogicalPlan plan) {
            if (!seen.add(plan)) {
                return;
            }
            if (!(analyzed ? ANALYZED_OPERATORS : PARSED_OPERATORS).contains(plan.getClass())) {
                throw new RefusedException(describe(plan) + " is not a query"
                        + (analyzed ? " (" + plan.getClass().getName() + ", after analysis)" : ""));
            }
            if (plan instanceof org.apache.spark.sql.catalyst.plans.logical.View view) {
                if (view.isTempView()) {
                    return; // one of the atlas's views, registered by Atlas.open: the product's plan, not the user's
                }
                throw new RefusedException("the view " + view.desc().identifier() + " (not one of the atlas's)");
            }
            if (plan instanceof UnresolvedRelation relation) {
                List<String> name = list(relation.multipartIdentifier());
                if (name.size() != 1) {
                    throw new RefusedException("the table " + quoted(name) + " is named by "
                            + (looksLikePath(name) ? "a file path" : "a catalog or data source")
                            + "; only the atlas's views (neuron_tokens, neurons, tokens, ...) can be read, by name");
                }
                if (!relation.options().isEmpty()) {
                    throw new RefusedException("data source options on " + quoted(name));
                }
            }
            if (plan instanceof UnresolvedTableValuedFunction function) {
                List<String> name = list(function.name());
                if (name.size() != 1 || !ROW_GENERATORS.contains(name.get(0).toLowerCase(Locale.ROOT))) {
                    throw new RefusedException("the table function " + String.join(".", name));
                }
            }
            // Everything the node holds, not only what expressions() and innerChildren() return: a
            // WithWindowDefinition keeps its window specs in a Scala Map that neither returns.
            fields(plan);
            for (Object inner : list(plan.innerChildren())) {
                value(inner);
            }
            for (Expression expression : ReadOnlySql.<Expression>list(plan.expressions())) {
                expression(expression);
            }
            for (LogicalPlan child : ReadOnlySql.<LogicalPlan>list(plan.children())) {
                plan(child);
            }
        }

        void expression(Expression expression) {
            if (!seen.add(expression)) {
                return;
            }
            if (expression instanceof UnresolvedFunction function) {
                List<String> name = list(function.nameParts());
                String last = name.get(name.size() - 1).toLowerCase(Locale.ROOT);
                if (RefusedFunctions.REFUSED.containsKey(last)) {
                    throw new RefusedException("the function " + String.join(".", name) + " ("
                            + RefusedFunctions.REFUSED.get(last) + ")");
                }
            }
            if (expression instanceof ExpressionWithUnresolvedIdentifier) {
                throw new RefusedException("IDENTIFIER(...) as a function name");
            }
            if (expression instanceof org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke call) {
                callable(call.staticObject().getName(), expression);
            } else if (expression instanceof org.apache.spark.sql.catalyst.expressions.objects.Invoke call) {
                // A method of an object's class, or of one of Spark's own value classes (UTF8String, ArrayData, ...).
                callable(call.targetObject().dataType() instanceof org.apache.spark.sql.types.ObjectType object
                        ? object.cls().getName() : "org.apache.spark.unsafe", expression);
            } else if (!expressions.contains(expression.getClass())) {
                throw new RefusedException("the expression " + expression.prettyName() + " ("
                        + expression.getClass().getName() + (analyzed ? ", after analysis" : "")
                        + ") is not among those allowed");
            }
            fields(expression);
            if (expression instanceof RuntimeReplaceable replaceable) {
                // What runs in its place; Spark's own code, held by the expression rather than among its children.
                expression(replaceable.replacement());
            }
            for (Expression child : ReadOnlySql.<Expression>list(expression.children())) {
                expression(child);
            }
        }

        private void callable(String target, Expression expression) {
            if (CALLABLE_CODE.stream().noneMatch(target::startsWith)) {
                throw new RefusedException("the call " + expression.prettyName() + " into " + target);
            }
        }

        /** Every field of a node: plans, expressions, and the Scala collections, options and tuples holding them. */
        private void fields(scala.Product node) {
            for (Object field : drain(node.productIterator())) {
                value(field);
            }
        }

        private void value(Object value) {
            if (value instanceof LogicalPlan p) {
                plan(p);
            } else if (value instanceof Expression e) {
                expression(e);
            } else if (value instanceof scala.collection.Map<?, ?> map) {
                for (Object entry : drain(map.iterator())) {
                    value(entry);
                }
            } else if (value instanceof scala.collection.Iterable<?> items) {
                for (Object item : drain(items.iterator())) {
                    value(item);
                }
            } else if (value instanceof scala.Option<?> option) {
                if (option.isDefined()) {
                    value(option.get());
                }
            } else if (value instanceof scala.Tuple2<?, ?> pair) {
                value(pair._1());
                value(pair._2());
            } else if (value instanceof scala.Product product && value.getClass().getName().startsWith(
                    "org.apache.spark.sql.catalyst.") && !(value instanceof org.apache.spark.sql.types.DataType)) {
                fields(product); // a holder such as a WindowSpec or a CTE's definition
            }
        }
    }

    private static boolean looksLikePath(List<String> name) {
        return name.size() == 2 && (name.get(1).contains("/") || name.get(1).contains("\\")
                || name.get(1).contains(":"));
    }

    private static String describe(LogicalPlan plan) {
        return (plan instanceof org.apache.spark.sql.catalyst.plans.logical.Command ? "the command "
                : "the statement or operator ") + plan.nodeName();
    }

    private static String quoted(List<String> name) {
        return String.join(".", name.stream().map(part -> "`" + part + "`").toList());
    }

    @SafeVarargs
    private static Set<Class<?>> union(Set<Class<?>>... sets) {
        Set<Class<?>> all = new HashSet<>();
        for (Set<Class<?>> s : sets) {
            all.addAll(s);
        }
        return Set.copyOf(all);
    }

    /** Classes by name, loaded without initializing them; a name this Spark lacks fails here, at class load. */
    private static Set<Class<?>> classes(String prefix, String... names) {
        Set<Class<?>> classes = new HashSet<>();
        for (String name : names) {
            try {
                classes.add(Class.forName(prefix + name, false, ReadOnlySql.class.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("ReadOnlySql allows " + prefix + name + ", which this Spark lacks", e);
            }
        }
        return classes;
    }

    /** The rest of an iterator, copied: a walk may meet the same collection again. */
    private static List<Object> drain(scala.collection.Iterator<?> iterator) {
        List<Object> items = new java.util.ArrayList<>();
        while (iterator.hasNext()) {
            items.add(iterator.next());
        }
        return items;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(scala.collection.Iterable<?> seq) {
        return (List<T>) CollectionConverters.asJava(seq.toSeq());
    }
}
