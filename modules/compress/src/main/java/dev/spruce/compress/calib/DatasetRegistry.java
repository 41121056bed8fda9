package dev.spruce.compress.calib;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The datasets of {@code calibration-data/registry.json}, bundled into the jar. */
public final class DatasetRegistry {

    static final String RESOURCE = "/calibration-data/registry.json";

    private final List<CalibrationDataset> datasets;

    private DatasetRegistry(List<CalibrationDataset> datasets) {
        this.datasets = List.copyOf(datasets);
    }

    /** The bundled registry. */
    public static DatasetRegistry bundled() {
        try (InputStream in = DatasetRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the dataset registry " + RESOURCE + " is not on the class path");
            }
            JsonNode root = new ObjectMapper().readTree(in);
            List<CalibrationDataset> list = new ArrayList<>();
            for (JsonNode d : root.get("datasets")) {
                list.add(new CalibrationDataset(d.get("name").asText(), d.get("description").asText(),
                        TextFormat.fromId(d.get("format").asText()), d.get("file").asText(), d.get("sha256").asText(),
                        d.get("license").asText(), d.get("source").asText()));
            }
            return new DatasetRegistry(list);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<CalibrationDataset> datasets() {
        return datasets;
    }

    public Optional<CalibrationDataset> find(String name) {
        return datasets.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The registered names, for messages and {@code --help}. */
    public List<String> names() {
        return datasets.stream().map(CalibrationDataset::name).toList();
    }
}
