package dev.spruce.cli;

import picocli.CommandLine;

/** {@code spruce --version}: Spruce's version and the JVM it runs on. */
public final class Versions implements CommandLine.IVersionProvider {

    /** Spruce's version, from the jar manifest (or "dev" when run from classes). */
    public static String spruce() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"spruce " + spruce(), "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
