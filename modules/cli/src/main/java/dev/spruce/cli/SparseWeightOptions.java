package dev.spruce.cli;

import dev.spruce.model.SparseWeightPolicy;
import picocli.CommandLine.Option;

/** Which linears run on the sparse kernels: the options of the commands that run a model as it is. */
final class SparseWeightOptions {

    @Option(names = "--sparse-weights", paramLabel = "MODE", defaultValue = "off",
            converter = SparseModeConverter.class,
            description = "Which decoder-block linears run on the sparse kernels. auto: those whose fraction of zeros"
                    + " is at least --sparse-min (a pruned checkpoint runs sparse with no extra step, in less"
                    + " memory); off: dense tensors stay dense; on: every block linear is packed. Weights stored"
                    + " packed (spruce pack) always run sparse. Default: ${DEFAULT-VALUE}, because on AVX2 the"
                    + " sparse kernels still decode about 3x slower than dense BF16.")
    SparseWeightPolicy.Mode sparseWeights;

    @Option(names = "--sparse-min", paramLabel = "FRACTION", defaultValue = "0.5",
            description = "The fraction of zeros at which --sparse-weights auto packs a linear. Default: ${DEFAULT-VALUE}.")
    double sparseMin;

    SparseWeightPolicy policy() throws UserInputException {
        if (!(sparseMin >= 0 && sparseMin <= 1)) {
            throw new UserInputException("--sparse-min must be in [0, 1], got " + sparseMin);
        }
        return new SparseWeightPolicy(sparseWeights, sparseMin);
    }

    /** Accepts auto, off, on in any case. */
    static final class SparseModeConverter implements picocli.CommandLine.ITypeConverter<SparseWeightPolicy.Mode> {
        @Override
        public SparseWeightPolicy.Mode convert(String value) {
            try {
                return SparseWeightPolicy.Mode.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a sparse weight mode;"
                        + " use auto, off or on");
            }
        }
    }

}
