package dev.spruce.bench.jlama;

import com.github.tjake.jlama.model.DistributedContext;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.TensorInfo;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;

import java.util.Map;

/**
 * Hands Jlama the checkpoint's tensors unchanged but reports F32 as the model's type. Jlama picks
 * the type of its activations from that report (BF16 for a BF16 model, see
 * {@link JlamaActivations#AS_SHIPPED}); its per-tensor {@code quantize(F32)} leaves narrower
 * tensors as they are, so BF16 weights stay BF16 and meet F32 activations.
 */
final class F32ActivationsWeightLoader implements WeightLoader {

    private final WeightLoader delegate;

    F32ActivationsWeightLoader(WeightLoader delegate) {
        this.delegate = delegate;
    }

    @Override
    public Map<String, String> metadata() {
        return delegate.metadata();
    }

    @Override
    public Map<String, TensorInfo> tensorInfoMap() {
        return delegate.tensorInfoMap();
    }

    @Override
    public AbstractTensor load(String name, DistributedContext dctx, boolean sparseRows, boolean sparseColumns) {
        return delegate.load(name, dctx, sparseRows, sparseColumns);
    }

    @Override
    public DType getModelDType() {
        return DType.F32;
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }
}
