package dev.spruce.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@link EngineBench} for one engine in a child JVM with this JVM's options and class path
 * plus the engine's own options, and reads back its result.
 */
final class EngineProcess {

    private EngineProcess() {
    }

    static EngineResult run(EngineKind engine, Path model, DecodeBenchOptions options, Path result)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(engine.jvmOptions(options.threads()));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EngineBench.class.getName());
        command.addAll(options.toArgs(engine, model, result));
        Process p = new ProcessBuilder(command).inheritIO().start();
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IOException(engine.cliName() + " on " + model + " failed (exit code " + exit + ")");
        }
        return new ObjectMapper().readValue(result.toFile(), EngineResult.class);
    }
}
