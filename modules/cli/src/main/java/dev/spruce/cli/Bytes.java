package dev.spruce.cli;

import picocli.CommandLine;

import java.util.Locale;

/** Byte counts for people: {@code 13.5 GB}, and sizes given on the command line like {@code 5GB}. */
final class Bytes {

    private Bytes() {
    }

    /** Decimal units, as Hugging Face uses for shard sizes. */
    static String human(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Parses {@code 5GB}, {@code 500MB}, {@code 1000000} (decimal units; KiB/MiB/GiB binary). */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            long multiplier = 1;
            String[][] suffixes = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"},
                    {"KB", "1000"}, {"MB", "1000000"}, {"GB", "1000000000"}, {"TB", "1000000000000"}, {"B", "1"}};
            for (String[] s : suffixes) {
                if (v.endsWith(s[0])) {
                    multiplier = Long.parseLong(s[1]);
                    v = v.substring(0, v.length() - s[0].length()).trim();
                    break;
                }
            }
            try {
                double n = Double.parseDouble(v);
                if (!(n > 0)) {
                    throw new CommandLine.TypeConversionException("size must be positive: " + value);
                }
                return (long) (n * multiplier);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("not a size: '" + value + "' (examples: 5GB, 500MB, 2GiB)");
            }
        }
    }
}
