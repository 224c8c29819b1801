package io.noctua.engine;

import org.apache.hadoop.conf.Configuration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * What a metastore on PostgreSQL needs beyond what the Hive client does by itself.
 * <p>
 * Servers sharing the database may start together on an empty one: each server's making of the
 * catalog's tables ({@link MetastoreSchema}), its first catalog call and the making of the lock tables
 * run under one PostgreSQL advisory lock, so one server creates while the others wait and then find
 * the tables made.
 * <p>
 * The lock tables: Iceberg's Hive catalog takes a metastore lock around each commit, kept in the
 * metastore's transaction tables, which DataNucleus does not make. Hive's own TxnDbUtil makes them in
 * Derby's dialect only ({@code for bit data}); these are the same tables and columns in PostgreSQL's,
 * unquoted as Hive's TxnHandler names them.
 */
final class PostgresMetastore {
    /** The advisory lock's key: any constant all Noctua servers agree on ("noctua-m" in ASCII). */
    private static final long FIRST_USE_LOCK = 0x6e6f637475612d6dL;

    private static final List<String> LOCK_TABLES = List.of(
            "CREATE TABLE TXNS (TXN_ID bigint PRIMARY KEY, TXN_STATE char(1) NOT NULL, TXN_STARTED bigint NOT NULL, "
                    + "TXN_LAST_HEARTBEAT bigint NOT NULL, TXN_USER varchar(128) NOT NULL, TXN_HOST varchar(128) NOT NULL)",
            "CREATE TABLE TXN_COMPONENTS (TC_TXNID bigint REFERENCES TXNS (TXN_ID), TC_DATABASE varchar(128) NOT NULL, "
                    + "TC_TABLE varchar(128), TC_PARTITION varchar(767), TC_OPERATION_TYPE char(1) NOT NULL)",
            "CREATE TABLE COMPLETED_TXN_COMPONENTS (CTC_TXNID bigint, CTC_DATABASE varchar(128) NOT NULL, CTC_TABLE varchar(128), "
                    + "CTC_PARTITION varchar(767))",
            "CREATE TABLE NEXT_TXN_ID (NTXN_NEXT bigint NOT NULL)",
            "INSERT INTO NEXT_TXN_ID VALUES (1)",
            "CREATE TABLE HIVE_LOCKS (HL_LOCK_EXT_ID bigint NOT NULL, HL_LOCK_INT_ID bigint NOT NULL, HL_TXNID bigint, "
                    + "HL_DB varchar(128) NOT NULL, HL_TABLE varchar(128), HL_PARTITION varchar(767), HL_LOCK_STATE char(1) NOT NULL, "
                    + "HL_LOCK_TYPE char(1) NOT NULL, HL_LAST_HEARTBEAT bigint NOT NULL, HL_ACQUIRED_AT bigint, HL_USER varchar(128) NOT NULL, "
                    + "HL_HOST varchar(128) NOT NULL, HL_HEARTBEAT_COUNT integer, HL_AGENT_INFO varchar(128), HL_BLOCKEDBY_EXT_ID bigint, "
                    + "HL_BLOCKEDBY_INT_ID bigint, PRIMARY KEY (HL_LOCK_EXT_ID, HL_LOCK_INT_ID))",
            "CREATE INDEX HL_TXNID_INDEX ON HIVE_LOCKS (HL_TXNID)",
            "CREATE TABLE NEXT_LOCK_ID (NL_NEXT bigint NOT NULL)",
            "INSERT INTO NEXT_LOCK_ID VALUES (1)",
            "CREATE TABLE COMPACTION_QUEUE (CQ_ID bigint PRIMARY KEY, CQ_DATABASE varchar(128) NOT NULL, CQ_TABLE varchar(128) NOT NULL, "
                    + "CQ_PARTITION varchar(767), CQ_STATE char(1) NOT NULL, CQ_TYPE char(1) NOT NULL, CQ_TBLPROPERTIES varchar(2048), "
                    + "CQ_WORKER_ID varchar(128), CQ_START bigint, CQ_RUN_AS varchar(128), CQ_HIGHEST_TXN_ID bigint, CQ_META_INFO bytea, "
                    + "CQ_HADOOP_JOB_ID varchar(32))",
            "CREATE TABLE NEXT_COMPACTION_QUEUE_ID (NCQ_NEXT bigint NOT NULL)",
            "INSERT INTO NEXT_COMPACTION_QUEUE_ID VALUES (1)",
            "CREATE TABLE COMPLETED_COMPACTIONS (CC_ID bigint PRIMARY KEY, CC_DATABASE varchar(128) NOT NULL, "
                    + "CC_TABLE varchar(128) NOT NULL, CC_PARTITION varchar(767), CC_STATE char(1) NOT NULL, CC_TYPE char(1) NOT NULL, "
                    + "CC_TBLPROPERTIES varchar(2048), CC_WORKER_ID varchar(128), CC_START bigint, CC_END bigint, CC_RUN_AS varchar(128), "
                    + "CC_HIGHEST_TXN_ID bigint, CC_META_INFO bytea, CC_HADOOP_JOB_ID varchar(32))",
            "CREATE TABLE AUX_TABLE (MT_KEY1 varchar(128) NOT NULL, MT_KEY2 bigint NOT NULL, MT_COMMENT varchar(255), "
                    + "PRIMARY KEY (MT_KEY1, MT_KEY2))",
            "CREATE TABLE WRITE_SET (WS_DATABASE varchar(128) NOT NULL, WS_TABLE varchar(128) NOT NULL, WS_PARTITION varchar(767), "
                    + "WS_TXNID bigint NOT NULL, WS_COMMIT_ID bigint NOT NULL, WS_OPERATION_TYPE char(1) NOT NULL)");

    private PostgresMetastore() {
    }

    /**
     * Runs {@code firstCatalogCall} (the call that makes the metastore client create its tables) and then
     * makes the lock tables if missing, holding the advisory lock all the while.
     */
    static void firstUse(Configuration hadoopConf, Runnable firstCatalogCall) {
        String url = hadoopConf.get("javax.jdo.option.ConnectionURL");
        try (Connection connection = MetastoreDatabase.connect(url, hadoopConf.get("javax.jdo.option.ConnectionUserName", ""),
                hadoopConf.get("javax.jdo.option.ConnectionPassword", ""))) {
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
                lock.setLong(1, FIRST_USE_LOCK);
                lock.execute();
            }
            // the lock is the connection's: closing it (or this process dying) releases it
            // the lock tables are made last, in one transaction: without them, an earlier first start may
            // have stopped half-way through the catalog's tables, and DataNucleus makes only what is missing
            if (!hasTable(connection, "hive_locks")) {
                MetastoreSchema.create(hadoopConf);
            }
            firstCatalogCall.run();
            prepareLockTables(connection);
        }
        catch (SQLException e) {
            throw new IllegalStateException("the metastore at " + MetastoreDatabase.location(url) + " could not be prepared: "
                    + e.getMessage(), e);
        }
    }

    /** Whether the connection's schema has a table of exactly this name (PostgreSQL folds unquoted names to lower case). */
    private static boolean hasTable(Connection connection, String name) throws SQLException {
        try (ResultSet tables = connection.getMetaData().getTables(null, connection.getSchema(), name, null)) {
            return tables.next();
        }
    }

    private static void prepareLockTables(Connection connection) throws SQLException {
        if (hasTable(connection, "hive_locks")) {
            return;
        }
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            for (String sql : LOCK_TABLES) {
                statement.execute(sql);
            }
            connection.commit();
        }
        catch (SQLException e) {
            connection.rollback();
            throw e;
        }
        finally {
            connection.setAutoCommit(true);
        }
    }
}
