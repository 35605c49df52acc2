package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The local master's cores, which size a local session's shuffles (issue 23). */
class SessionsTest {
    @Test
    void aLocalMastersCoresAreItsThreadCountOrTheMachines() {
        int machine = Runtime.getRuntime().availableProcessors();
        assertEquals(3, Sessions.localCores("local[3]"));
        assertEquals(4, Sessions.localCores("local[4,2]"));
        assertEquals(machine, Sessions.localCores("local[*]"));
        assertEquals(machine, Sessions.localCores("local"));
        assertEquals(machine, Sessions.localCores("local[*,3]"));
    }
}
