package io.neuronatlas.compute.forward;

/**
 * Clamp values START:STOP:COUNT, COUNT evenly spaced values from START to STOP inclusive: -500:500:41 is -500, -475,
 * ..., 500, the sweep of the paper's Figure 3.
 */
public record ValueRange(double start, double stop, int count) {
    /** More values than any curve needs; a typo such as 41000 fails instead of running for hours. */
    public static final int MAX_COUNT = 10_000;
    /** The sweep of the paper's Figure 3, the default of clamp and validate. */
    public static final ValueRange FIGURE_3 = new ValueRange(-500, 500, 41);

    public ValueRange {
        if (!Double.isFinite(start) || !Double.isFinite(stop)) {
            throw new IllegalArgumentException("START and STOP must be finite numbers, found " + start + ", " + stop);
        }
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("COUNT must be between 1 and " + MAX_COUNT + ", found " + count);
        }
        if (count == 1 && start != stop) {
            throw new IllegalArgumentException("COUNT 1 needs START = STOP, found " + start + ":" + stop);
        }
    }

    /**
     * Parses START:STOP:COUNT.
     *
     * @param option the command-line option, named in errors (e.g. --values)
     */
    public static ValueRange parse(String option, String text) {
        String[] parts = text == null ? new String[0] : text.trim().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException(option + " '" + text + "' is not START:STOP:COUNT, e.g. -500:500:41 "
                    + "(COUNT values from START to STOP, both included)");
        }
        try {
            double start = Double.parseDouble(parts[0].trim());
            double stop = Double.parseDouble(parts[1].trim());
            int count = Integer.parseInt(parts[2].trim());
            return new ValueRange(start, stop, count);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "': START and STOP must be numbers and COUNT "
                    + "a whole number, e.g. -500:500:41", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " '" + text + "': " + e.getMessage(), e);
        }
    }

    /** The values, first to last; the last is exactly STOP. */
    public double[] values() {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = i == count - 1 ? stop : start + (stop - start) * i / (count - 1);
        }
        return v;
    }

    /** START:STOP:COUNT as a person writes it: -500:500:41. */
    public String text() {
        return number(start) + ":" + number(stop) + ":" + count;
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** As the atlas's parameters keep it: -500.0:500.0:41. */
    @Override
    public String toString() {
        return start + ":" + stop + ":" + count;
    }
}
