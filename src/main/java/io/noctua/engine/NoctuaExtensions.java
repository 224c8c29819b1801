package io.noctua.engine;

import io.noctua.engine.hive.SkipHeaderLines;
import org.apache.spark.sql.SparkSessionExtensions;
import scala.Function1;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Noctua's own SQL extensions, registered for every session beside the table formats' (see
 * {@link SessionProperties}): what Athena's DDL needs that Spark lacks.
 */
public final class NoctuaExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        Function1<org.apache.spark.sql.SparkSession, org.apache.spark.sql.catalyst.rules.Rule<org.apache.spark.sql.catalyst.plans.logical.LogicalPlan>> rule =
                new AbstractFunction1<>() {
                    @Override
                    public org.apache.spark.sql.catalyst.rules.Rule<org.apache.spark.sql.catalyst.plans.logical.LogicalPlan> apply(
                            org.apache.spark.sql.SparkSession session) {
                        return new SkipHeaderLines(session);
                    }
                };
        extensions.injectOptimizerRule(rule);
        return BoxedUnit.UNIT;
    }
}
