package io.noctua.engine;

import io.noctua.engine.hive.SkipHeaderLines;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

import java.util.function.Function;

/**
 * Noctua's own SQL extensions, registered for every session beside the table formats' (see
 * {@link SessionProperties}): what Athena's DDL needs that Spark lacks, and literal selects answered
 * without a Spark job ({@link LiteralSelects}).
 */
public final class NoctuaExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        extensions.injectOptimizerRule(optimizerRule(SkipHeaderLines::new));
        extensions.injectOptimizerRule(optimizerRule(session -> new LiteralSelects()));
        return BoxedUnit.UNIT;
    }

    private static AbstractFunction1<SparkSession, Rule<LogicalPlan>> optimizerRule(Function<SparkSession, Rule<LogicalPlan>> rule) {
        return new AbstractFunction1<>() {
            @Override
            public Rule<LogicalPlan> apply(SparkSession session) {
                return rule.apply(session);
            }
        };
    }
}
