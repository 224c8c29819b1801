package io.noctua.engine.hive;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.CatalogStorageFormat;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTablePartition;
import org.apache.spark.sql.catalyst.catalog.HiveTableRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractPartialFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * Honours Hive's {@code skip.header.line.count} table property when a query reads a Hive text table
 * (Spark's Hive reader does not): the table's {@code org.apache.hadoop.mapred.TextInputFormat}, and
 * its partitions', become a {@link HeaderSkippingTextInputFormat} in the optimized plan only. The
 * catalog keeps the table as it was defined. Runs after Spark's partition pruning, and lists the
 * partitions itself where no pruning happened. The rewrite is idempotent (only the plain text input
 * format is replaced, and the partitions listed once stay in the relation), so the optimizer's next
 * pass finds the plan unchanged and stops: no marker is needed.
 */
public final class SkipHeaderLines extends Rule<LogicalPlan> {
    static final String PROPERTY = "skip.header.line.count";
    private static final String TEXT_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat";

    private final SparkSession session;

    public SkipHeaderLines(SparkSession session) {
        this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return plan.transformUp(new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
            @Override
            public boolean isDefinedAt(LogicalPlan node) {
                return node instanceof HiveTableRelation relation && headerLines(relation.tableMeta()) > 0;
            }

            @Override
            public LogicalPlan apply(LogicalPlan node) {
                return rewrite((HiveTableRelation) node);
            }
        });
    }

    private static int headerLines(CatalogTable table) {
        Option<String> value = table.properties().get(PROPERTY);
        if (value.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(value.get().trim());
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("table " + table.identifier().unquotedString() + " has " + PROPERTY + "='" + value.get()
                    + "', which is not a number of lines");
        }
    }

    private LogicalPlan rewrite(HiveTableRelation relation) {
        CatalogTable table = relation.tableMeta();
        String inputFormat = HeaderSkippingTextInputFormat.forLines(headerLines(table));
        CatalogStorageFormat storage = table.storage();
        CatalogTable rewritten = table.withNewStorage(storage.locationUri(), textOnly(storage.inputFormat(), inputFormat),
                storage.outputFormat(), storage.compressed(), storage.serde(), storage.properties());
        Option<Seq<CatalogTablePartition>> partitions = relation.prunedPartitions();
        if (table.partitionColumnNames().nonEmpty()) {
            Seq<CatalogTablePartition> listed = partitions.isDefined() ? partitions.get()
                    : session.sessionState().catalog().listPartitions(table.identifier(), Option.empty());
            List<CatalogTablePartition> converted = new ArrayList<>();
            for (CatalogTablePartition partition : scala.jdk.javaapi.CollectionConverters.asJava(listed)) {
                CatalogStorageFormat format = partition.storage();
                converted.add(partition.copy(partition.spec(), format.copy(format.locationUri(), textOnly(format.inputFormat(), inputFormat),
                        format.outputFormat(), format.serde(), format.compressed(), format.properties()), partition.parameters(),
                        partition.createTime(), partition.lastAccessTime(), partition.stats()));
            }
            partitions = Option.apply(scala.jdk.javaapi.CollectionConverters.asScala(converted).toList());
        }
        return relation.copy(rewritten, relation.dataCols(), relation.partitionCols(), relation.tableStats(), partitions);
    }

    /** Only Hadoop's plain text input format is replaced; any other is left as the table says. */
    private static Option<String> textOnly(Option<String> current, String replacement) {
        return current.isDefined() && current.get().equals(TEXT_INPUT_FORMAT) ? Option.apply(replacement) : current;
    }
}
