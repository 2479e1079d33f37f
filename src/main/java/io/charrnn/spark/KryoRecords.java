package io.charrnn.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.charrnn.corpus.InputChunk;
import io.charrnn.corpus.InputFile;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.dataset.DatasetManifest;
import io.charrnn.training.ModelState;
import io.charrnn.training.RoundStart;
import io.charrnn.training.WorkerResult;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Kryo's field serializer cannot build Java records (their fields are final and set only by the constructor), so
 * the records that travel as Spark data (task inputs and results, a round's broadcast) go through Java
 * serialization, and so do the round's plain-array states and results, which Java writes in bulk.
 */
public final class KryoRecords implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        for (Class<?> type : new Class<?>[]{InputFile.class, InputChunk.class, SymbolRun.class,
                CorpusRdds.Count.class, TableCorpus.Count.class, DatasetManifest.Shard.class,
                CorpusSource.ShardFile.class, RoundStart.class, ModelState.class, WorkerResult.class,
                io.charrnn.doctor.JvmFacts.class}) {
            kryo.register(type, new JavaSerializer());
        }
    }
}
