package io.neuronatlas.query;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.ExpressionWithUnresolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedHaving;
import org.apache.spark.sql.catalyst.analysis.UnresolvedInlineTable;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedSubqueryColumnAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTVFAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.PipeOperator;
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
 * The guard in front of user SQL: only a query over the atlas's views runs. Spark's own parser decides what the
 * statement is, and every node of the parsed plan (subqueries and CTEs included) must be a query operator this class
 * knows; so commands and writes ({@code INSERT}, {@code INSERT OVERWRITE DIRECTORY}, {@code CREATE ... LOCATION},
 * {@code CACHE}, {@code SET}, {@code ADD JAR}, {@code EXPLAIN}, {@code TRANSFORM ... USING} shell scripts), tables named
 * by a path ({@code parquet.`/path`}, {@code text.`/etc/shadow`}) or by catalog, table functions other than the
 * row generators, dynamic identifiers, and the reflection functions are refused before anything runs. Allowing known
 * operators rather than refusing known dangers means that a construct a later Spark adds is refused until it is
 * judged safe.
 */
public final class ReadOnlySql {
    /** Operators of a parsed query (before analysis) that read only what their children give them. */
    private static final Set<Class<?>> QUERY_OPERATORS = Set.of(Project.class, Filter.class, Aggregate.class,
            UnresolvedHaving.class, Sort.class, GlobalLimit.class, LocalLimit.class, LimitAll.class, Offset.class,
            Tail.class, Join.class, LateralJoin.class, Union.class, Intersect.class, Except.class, Distinct.class,
            Deduplicate.class, SubqueryAlias.class, UnresolvedSubqueryColumnAliases.class, UnresolvedRelation.class,
            UnresolvedWith.class, UnresolvedInlineTable.class, LocalRelation.class, OneRowRelation.class,
            Generate.class, WithWindowDefinition.class, Pivot.class, Unpivot.class, Expand.class, Sample.class,
            UnresolvedHint.class, RepartitionByExpression.class, Repartition.class, RebalancePartitions.class,
            PipeOperator.class, UnresolvedTableValuedFunction.class, UnresolvedTVFAliases.class);

    /** Table functions that make rows from their arguments and read nothing else. */
    private static final Set<String> ROW_GENERATORS = Set.of("range", "explode", "explode_outer", "inline",
            "inline_outer", "posexplode", "posexplode_outer", "stack", "json_tuple", "variant_explode",
            "variant_explode_outer");

    /** Functions that call any Java method by name. */
    private static final Set<String> REFLECTION = Set.of("reflect", "java_method", "try_reflect");

    /** What the README and every refusal say is allowed. */
    public static final String ALLOWED = "one query (SELECT, WITH, VALUES, TABLE, FROM ... |> ...) over the atlas's "
            + "views by name, with Spark's built-in and the atlas's functions; no command, no write, no table named "
            + "by a path or catalog, no table function but range and the row generators (explode, inline, stack, "
            + "...), no reflect/java_method/try_reflect";

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
     * Parses sql with the session's parser and refuses it unless it is a read-only query.
     *
     * @throws RefusedException naming the first operator, table or function that is not allowed
     * @throws IllegalArgumentException with Spark's message when Spark cannot parse it at all
     */
    public static void check(SparkSession spark, String sql) {
        LogicalPlan plan;
        try {
            plan = spark.sessionState().sqlParser().parsePlan(sql);
        } catch (ParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        visitPlan(plan);
    }

    private static void visitPlan(LogicalPlan plan) {
        if (!QUERY_OPERATORS.contains(plan.getClass())) {
            throw new RefusedException(describe(plan) + " is not a query");
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
        for (Object inner : list(plan.innerChildren())) {
            if (inner instanceof LogicalPlan innerPlan) {
                visitPlan(innerPlan);
            }
        }
        for (Expression expression : ReadOnlySql.<Expression>list(plan.expressions())) {
            visitExpression(expression);
        }
        for (LogicalPlan child : ReadOnlySql.<LogicalPlan>list(plan.children())) {
            visitPlan(child);
        }
    }

    private static void visitExpression(Expression expression) {
        if (expression instanceof UnresolvedFunction function) {
            List<String> name = list(function.nameParts());
            if (REFLECTION.contains(name.get(name.size() - 1).toLowerCase(Locale.ROOT))) {
                throw new RefusedException("the function " + String.join(".", name)
                        + " (it calls Java methods by name)");
            }
        }
        if (expression instanceof ExpressionWithUnresolvedIdentifier) {
            throw new RefusedException("IDENTIFIER(...) as a function name");
        }
        if (expression instanceof SubqueryExpression subquery) {
            visitPlan(subquery.plan());
        }
        for (Expression child : ReadOnlySql.<Expression>list(expression.children())) {
            visitExpression(child);
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

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(scala.collection.Iterable<?> seq) {
        return (List<T>) CollectionConverters.asJava(seq.toSeq());
    }
}
