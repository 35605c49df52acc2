package io.neuronatlas.query;

/**
 * What a reflective payload in SqlGuardTest calls: loading this class (its static initializer) or calling touch sets
 * a system property, so a test sees whether any of it ran without touching the class itself.
 */
public final class SqlGuardMarker {
    static final String PROPERTY = "neuronatlas.sqlguard.ran";

    static {
        System.setProperty(PROPERTY, "class initialized");
    }

    private SqlGuardMarker() {
    }

    public static String touch() {
        System.setProperty(PROPERTY, "touch() called");
        return "touched";
    }
}
