package io.noctua.engine.python;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PythonWorkerTest {
    @Test
    void pythonOlderThan38IsRefused() {
        assertTrue(PythonWorker.tooOld("2.7.18"));
        assertTrue(PythonWorker.tooOld("3.7.17"));
        assertTrue(PythonWorker.tooOld("garbage"));
        assertFalse(PythonWorker.tooOld("3.8.0"));
        assertFalse(PythonWorker.tooOld("3.11.7"));
        assertFalse(PythonWorker.tooOld("3.13.1"));
    }
}
