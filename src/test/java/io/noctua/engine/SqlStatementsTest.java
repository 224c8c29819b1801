package io.noctua.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SqlStatementsTest {
    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        assertEquals(List.of("SELECT 1", "SELECT 'a;b', \"c;d\", `e;f`", "SELECT 2 -- x;y", "SELECT /* ; */ 3"),
                SqlStatements.split("SELECT 1; SELECT 'a;b', \"c;d\", `e;f`;\nSELECT 2 -- x;y\n; SELECT /* ; */ 3;"));
    }

    @Test
    void dropsEmptyAndCommentOnlyStatements() {
        assertEquals(List.of("SELECT 1"), SqlStatements.split(";;  SELECT 1 ;\n-- only a comment\n;/* and another */"));
        assertEquals(List.of(), SqlStatements.split("  \n"));
    }

    @Test
    void escapedQuotesStayInsideTheirString() {
        assertEquals(List.of("SELECT 'it\\'s; fine'", "SELECT 2"), SqlStatements.split("SELECT 'it\\'s; fine'; SELECT 2"));
    }
}
