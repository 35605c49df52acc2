package io.neuronatlas.testing;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.util.Map;

/** What leak tests count in a DJL manager. */
public final class NativeResources {
    private NativeResources() {
    }

    /**
     * Everything a manager holds: arrays and open sub-managers. DJL exposes only getManagedArrays(), which does not
     * show sub-managers that were never closed, so this reads BaseNDManager's own map.
     */
    public static int count(NDManager manager) {
        try {
            Field f = BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
            return ((Map<?, ?>) f.get(manager)).size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
