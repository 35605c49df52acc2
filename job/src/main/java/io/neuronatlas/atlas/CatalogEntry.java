package io.neuronatlas.atlas;

/**
 * One entry of a kind's catalog: the run that is published for a checkpoint and, for kinds that publish several
 * outputs per checkpoint, a subject (say the token a validation was run for). Replacing an entry is what publishes
 * a run. Each kind's entry record adds what it needs (the map's: shapes, dtype, output parameters).
 */
public interface CatalogEntry {
    String checkpoint();

    /** Empty for kinds that publish one output per checkpoint. */
    default String subject() {
        return "";
    }

    String run();

    /** The checkpoint's {@link io.neuronatlas.checkpoint.Fingerprint} when the run read it. */
    String fingerprint();

    /** What decided the run's rows besides the checkpoint. */
    RunParameters parameters();

    /** The entry as one line of JSON, as its file holds it. */
    default String toJson() {
        return Catalog.json(this);
    }
}
