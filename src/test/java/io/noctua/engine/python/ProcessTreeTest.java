package io.noctua.engine.python;

import io.noctua.testing.Processes;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real processes (python3, sh, sleep, env), Linux: each of ProcessTree's three ways of finding a process, on its own. */
class ProcessTreeTest {
    /**
     * Leads its own group and prints the pids of four sleeps: a grandchild; a child that left the group
     * and dropped the marker (only a descendant); an orphan that dropped the marker (only a group
     * member); a daemon in a session of its own whose parent has exited (only marked). Ends at the end of its stdin.
     */
    private static final String ROOT = """
            import os, subprocess, sys
            os.setsid()
            shell = subprocess.Popen(['sh', '-c', 'sleep 300 & echo $!; wait'], stdout=subprocess.PIPE, text=True)
            grandchild = shell.stdout.readline().strip()
            descendant = subprocess.Popen(['env', '-i', 'sleep', '300'], start_new_session=True)
            orphan = subprocess.run(['sh', '-c', 'env -i sleep 300 >/dev/null 2>&1 & echo $!'], stdout=subprocess.PIPE, text=True).stdout
            daemon = subprocess.run([sys.executable, '-c', "import subprocess; print(subprocess.Popen(['sleep', '300'], "
                                     "start_new_session=True, stdout=subprocess.DEVNULL).pid)"], stdout=subprocess.PIPE, text=True).stdout
            print(grandchild, descendant.pid, orphan.strip(), daemon.strip(), flush=True)
            sys.stdin.read()
            """;

    @Test
    void statLinesAreReadAfterTheLastParenthesis() {
        assertEquals(Optional.of(new ProcessTree.Stat(42, 'S', 1, 40)),
                ProcessTree.Stat.parse("42 (a (b) c) S 1 40 40 0 -1 4194560 99 0 0 0\n"));
        assertTrue(ProcessTree.Stat.parse("7 (x) Z 1 7 7 0").orElseThrow().dead());
        assertEquals(Optional.empty(), ProcessTree.Stat.parse("garbage"));
        assertEquals(Optional.of(ProcessHandle.current().pid()), ProcessTree.stat(ProcessHandle.current().pid()).map(ProcessTree.Stat::pid));
    }

    @Test
    void killEndsDescendantsGroupMembersAndMarkedProcessesAndTheRoot() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", ROOT).redirectError(ProcessBuilder.Redirect.INHERIT);
        String marker = ProcessTree.mark(builder);
        Process root = builder.start();
        List<Long> sleeps = new ArrayList<>();
        try {
            sleeps.addAll(Processes.pids(new BufferedReader(new InputStreamReader(root.getInputStream(), StandardCharsets.UTF_8)).readLine()));
            assertEquals(4, sleeps.size(), sleeps::toString);
            ProcessTree tree = ProcessTree.of(root.toHandle(), marker);
            assertEquals(root.pid(), tree.group());
            assertTrue(tree.members().containsAll(sleeps), () -> tree.members() + " should hold " + sleeps);

            tree.kill();
            List<Long> all = new ArrayList<>(sleeps);
            all.add(root.pid());
            Processes.awaitEnded(all, Duration.ofSeconds(5));
            assertTrue(tree.members().isEmpty(), () -> "left: " + tree.members());
        }
        finally {
            root.destroyForcibly();
            Processes.killLeftovers(sleeps, "sleep 300");
        }
    }

    /** As when a worker dies by itself: its pid may be anyone's soon, but its group and its marker still find what it started. */
    @Test
    void aRootThatEndedLeavesItsGroupAndMarkedProcessesFindable() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", ROOT).redirectError(ProcessBuilder.Redirect.INHERIT);
        String marker = ProcessTree.mark(builder);
        Process root = builder.start();
        List<Long> sleeps = new ArrayList<>();
        try {
            sleeps.addAll(Processes.pids(new BufferedReader(new InputStreamReader(root.getInputStream(), StandardCharsets.UTF_8)).readLine()));
            ProcessTree tree = ProcessTree.of(root.toHandle(), marker);
            root.getOutputStream().close();
            assertTrue(root.waitFor(10, TimeUnit.SECONDS));

            tree.kill();
            // not the child that left the group and dropped the marker: reparented to init, nothing ties it to the root any more
            Processes.awaitEnded(List.of(sleeps.get(0), sleeps.get(2), sleeps.get(3)), Duration.ofSeconds(5));
        }
        finally {
            root.destroyForcibly();
            Processes.killLeftovers(sleeps, "sleep 300");
        }
    }

    @Test
    void aGroupTheRootDoesNotLeadIsNeverSwept() throws Exception {
        Process bystander = new ProcessBuilder("sleep", "300").start(); // in this JVM's group, as the root is
        Process root = new ProcessBuilder("sh", "-c", "sleep 300 & echo $!; wait").start();
        List<Long> sleeps = new ArrayList<>();
        try {
            sleeps.addAll(Processes.pids(new BufferedReader(new InputStreamReader(root.getInputStream(), StandardCharsets.UTF_8)).readLine()));
            ProcessTree tree = ProcessTree.of(root.toHandle(), null);
            assertEquals(-1, tree.group());

            tree.kill();
            Processes.awaitEnded(List.of(root.pid(), sleeps.get(0)), Duration.ofSeconds(5));
            assertFalse(Processes.ended(bystander.pid()), "a process of the same group that the root did not start");
        }
        finally {
            bystander.destroyForcibly();
            root.destroyForcibly();
            Processes.killLeftovers(sleeps, "sleep 300");
        }
    }
}
