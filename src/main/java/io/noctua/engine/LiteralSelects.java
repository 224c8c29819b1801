package io.noctua.engine;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.OneRowRelation;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import scala.runtime.AbstractPartialFunction;

import java.util.List;

import static scala.jdk.javaapi.CollectionConverters.asJava;
import static scala.jdk.javaapi.CollectionConverters.asScala;

/**
 * A SELECT of literals with no FROM ({@code SELECT 1}, the query clients send to see that the engine answers) is answered
 * on the driver, without a Spark job. Spark reads the one row such a select stands on as an RDD of one partition: a job
 * of one task, which also waits for a free task slot while other sessions' jobs hold them all (Spark does not preempt a
 * running task). Once the optimizer has folded the constants, a select whose every column is a literal becomes a local
 * relation of its one row, as {@code VALUES} is; Spark's own {@code ConvertToLocalRelation} then folds what is selected
 * above it. A select with anything else in it ({@code rand()}, {@code uuid()}, {@code reflect(...)}, a subquery) is
 * planned as Spark plans it.
 */
final class LiteralSelects extends Rule<LogicalPlan> {
    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return plan.transformUp(new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
            @Override
            public boolean isDefinedAt(LogicalPlan node) {
                return node instanceof Project project && project.child() instanceof OneRowRelation
                        && asJava(project.projectList()).stream().allMatch(LiteralSelects::isLiteral);
            }

            @Override
            public LogicalPlan apply(LogicalPlan node) {
                Project project = (Project) node;
                List<NamedExpression> columns = asJava(project.projectList());
                Object[] values = new Object[columns.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = literal(columns.get(i)).value(); // already in Spark's internal form
                }
                InternalRow row = new GenericInternalRow(values);
                return new LocalRelation(project.output(), asScala(List.of(row)).toSeq(), false);
            }
        });
    }

    private static boolean isLiteral(NamedExpression column) {
        return literal(column) != null;
    }

    private static Literal literal(NamedExpression column) {
        // a NamedExpression is an Expression (a Scala self-type Java does not see)
        Expression value = column instanceof Alias alias ? alias.child() : (Expression) (Object) column;
        return value instanceof Literal literal ? literal : null;
    }
}
