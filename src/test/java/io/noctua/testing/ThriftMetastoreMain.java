package io.noctua.testing;

import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStore;
import org.apache.hadoop.hive.metastore.txn.TxnDbUtil;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;

/**
 * The main class of {@link ThriftMetastore}'s JVM: Hive's metastore, after making the lock and transaction tables of its
 * Derby database if they are missing. Hive's schematool makes them with the others in a real deployment; DataNucleus,
 * which makes the others here, does not, and Iceberg's Hive catalog takes a metastore lock around each commit.
 * Takes HiveMetaStore's own arguments; the database is the one {@code --hiveconf javax.jdo.option.ConnectionURL=} names.
 */
public final class ThriftMetastoreMain {
    private static final String CONNECTION_URL = "javax.jdo.option.ConnectionURL";

    private ThriftMetastoreMain() {
    }

    public static void main(String[] args) throws Throwable {
        List<String> arguments = List.of(args);
        String url = null;
        for (int i = 0; i + 1 < arguments.size(); i++) {
            if (arguments.get(i).equals("--hiveconf") && arguments.get(i + 1).startsWith(CONNECTION_URL + "=")) {
                url = arguments.get(i + 1).substring(CONNECTION_URL.length() + 1);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("no --hiveconf " + CONNECTION_URL + "=... among " + arguments);
        }
        boolean present;
        try (Connection connection = DriverManager.getConnection(url);
             ResultSet tables = connection.getMetaData().getTables(null, null, "HIVE_LOCKS", null)) {
            present = tables.next();
        }
        if (!present) {
            HiveConf conf = new HiveConf();
            conf.set(CONNECTION_URL, url);
            TxnDbUtil.prepDb(conf);
        }
        HiveMetaStore.main(args);
    }
}
