package io.neuronatlas.atlas;

/**
 * Told about the steps of publishing a run, around the one atomic step: the catalog entry's replacement. The crash
 * tests kill a driver at exactly these points; a scheduler could log or time them.
 */
public interface PublishListener {
    PublishListener NONE = new PublishListener() {
    };

    /** Every file of the run and its record are written; the catalog still names the previous run. */
    default void beforePublish(CatalogEntry entry) {
    }

    /** The catalog names the new run; the superseded run's folders are not deleted yet. */
    default void afterPublish(CatalogEntry entry) {
    }
}
