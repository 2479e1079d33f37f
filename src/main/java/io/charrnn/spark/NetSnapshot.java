package io.charrnn.spark;

import io.charrnn.training.ModelState;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/** A network as plain Java data (configuration JSON and parameters), for broadcasting to executors. */
final class NetSnapshot implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String configurationJson;
    private final float[] parameters;

    NetSnapshot(MultiLayerNetwork net) {
        this.configurationJson = net.getLayerWiseConfigurations().toJson();
        this.parameters = ModelState.floats(net.params());
    }

    MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configurationJson));
        net.init(Nd4j.create(parameters, new long[]{1, parameters.length}, 'c'), false);
        return net;
    }
}
